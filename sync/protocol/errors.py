"""Machine error codes of the sync API and their Chinese messages.

Request-level failures come back as ``application/problem+json`` (see
:class:`sync.protocol.models.Problem`) carrying one of these codes; per-change problems
inside a batch result use the same codes in :class:`sync.protocol.models.ChangeError`.
Validation codes of the domain (身份证号: ``length``, ``format``, ``check_digit``,
``birth_date``, ``legacy``) and of the form engine pass through unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # authentication and enrollment
    UNAUTHORIZED = "unauthorized"
    DEVICE_REVOKED = "device_revoked"
    ENROLLMENT_CODE_INVALID = "enrollment_code_invalid"
    ENROLLMENT_CODE_EXPIRED = "enrollment_code_expired"
    ENROLLMENT_CODE_USED = "enrollment_code_used"
    ENROLLMENT_VILLAGE_MISMATCH = "enrollment_village_mismatch"
    LOGIN_FAILED = "login_failed"
    FORBIDDEN = "forbidden"
    # request shape and limits
    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    BATCH_TOO_LONG = "batch_too_long"
    UNSUPPORTED_ENCODING = "unsupported_encoding"
    BAD_ENCODING = "bad_encoding"
    RATE_LIMITED = "rate_limited"
    DEVICE_MISMATCH = "device_mismatch"
    BATCH_ID_REUSED = "batch_id_reused"
    BUNDLE_INVALID = "bundle_invalid"
    BUNDLE_TAMPERED = "bundle_tampered"
    CLIENT_TOO_OLD = "client_too_old"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"
    # one change inside a batch
    UNKNOWN_ENTITY = "unknown_entity"
    INVALID_ID = "invalid_id"
    UNKNOWN_FIELD = "unknown_field"
    SERVER_OWNED = "server_owned"
    SERVER_STATUS = "server_status"
    REQUIRED = "required"
    INVALID = "invalid"
    INVALID_CHOICE = "invalid_choice"
    FORBIDDEN_VILLAGE = "forbidden_village"
    INVALID_BASE_REVISION = "invalid_base_revision"
    UNKNOWN_RECORD = "unknown_record"
    IMMUTABLE = "immutable"
    DELETE_NOT_ALLOWED = "delete_not_allowed"
    CASE_LOCKED = "case_locked"
    INVALID_TRANSITION = "invalid_transition"
    DUPLICATE_ID_NUMBER = "duplicate_id_number"
    UNKNOWN_FORM = "unknown_form"
    # attachments
    OFFSET_MISMATCH = "offset_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_INCOMPLETE = "attachment_incomplete"
    # review
    CASE_NOT_REVIEWABLE = "case_not_reviewable"
    DECISION_INVALID = "decision_invalid"
    REVISION_CHANGED = "revision_changed"
    ALREADY_RECEIVED = "already_received"


MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.UNAUTHORIZED: "设备凭据缺失或无效，请重新登记本机",
    ErrorCode.DEVICE_REVOKED: "本设备已被停用，请联系市民政局重新登记",
    ErrorCode.ENROLLMENT_CODE_INVALID: "登记码不正确",
    ErrorCode.ENROLLMENT_CODE_EXPIRED: "登记码已过期，请重新申请",
    ErrorCode.ENROLLMENT_CODE_USED: "登记码已被使用过，每个登记码只能使用一次",
    ErrorCode.ENROLLMENT_VILLAGE_MISMATCH: "登记码不是本村(社区)的，请使用本村(社区)的登记码（该登记码未作废）",
    ErrorCode.LOGIN_FAILED: "用户名或密码不正确",
    ErrorCode.FORBIDDEN: "无权访问该记录",
    ErrorCode.INVALID_REQUEST: "请求内容格式不正确",
    ErrorCode.NOT_FOUND: "找不到该记录",
    ErrorCode.METHOD_NOT_ALLOWED: "不支持该请求方法",
    ErrorCode.PAYLOAD_TOO_LARGE: "请求内容过大",
    ErrorCode.BATCH_TOO_LONG: "一批包含的修改过多，请分成更小的批次",
    ErrorCode.UNSUPPORTED_ENCODING: "不支持该压缩格式（仅支持 gzip 和 zstd）",
    ErrorCode.BAD_ENCODING: "请求内容无法解压",
    ErrorCode.RATE_LIMITED: "请求过于频繁，请稍后再试",
    ErrorCode.DEVICE_MISMATCH: "批次中的设备编号与登录设备不一致",
    ErrorCode.BATCH_ID_REUSED: "该批次编号已用于内容不同的另一批数据",
    ErrorCode.BUNDLE_INVALID: "数据包文件已损坏或格式不正确",
    ErrorCode.BUNDLE_TAMPERED: "数据包签名不符，文件可能被篡改",
    ErrorCode.CLIENT_TOO_OLD: "本机 jydesk 版本过旧，市级平台已不再接受，请安装新版本",
    ErrorCode.INTERNAL: "服务器内部错误，请稍后重试",
    ErrorCode.UNAVAILABLE: "服务器繁忙或数据库暂时不可用，请稍后重试",
    ErrorCode.UNKNOWN_ENTITY: "未知的记录类型",
    ErrorCode.INVALID_ID: "记录编号格式不正确",
    ErrorCode.UNKNOWN_FIELD: "未知字段",
    ErrorCode.SERVER_OWNED: "该字段只能由审核人员在市级系统中填写",
    ErrorCode.SERVER_STATUS: "该状态只能由审核人员设置",
    ErrorCode.REQUIRED: "必填项不能为空",
    ErrorCode.INVALID: "填写内容不正确",
    ErrorCode.INVALID_CHOICE: "不是可选的值",
    ErrorCode.FORBIDDEN_VILLAGE: "该记录不属于本村(社区)",
    ErrorCode.INVALID_BASE_REVISION: "记录版本号不正确",
    ErrorCode.UNKNOWN_RECORD: "服务器上没有该记录，请重新上传完整记录",
    ErrorCode.IMMUTABLE: "该类记录保存后不能修改",
    ErrorCode.DELETE_NOT_ALLOWED: "该类记录不能删除",
    ErrorCode.CASE_LOCKED: "申请已上报或已审批，村(社区)不能再修改或删除",
    ErrorCode.INVALID_TRANSITION: "申请不能从当前状态直接转为该状态",
    ErrorCode.DUPLICATE_ID_NUMBER: "本村(社区)已登记该身份证号的人员",
    ErrorCode.UNKNOWN_FORM: "未知的申请表类型",
    ErrorCode.OFFSET_MISMATCH: "上传位置与服务器已收到的字节数不一致",
    ErrorCode.HASH_MISMATCH: "附件内容与校验值不符，请重新上传",
    ErrorCode.ATTACHMENT_TOO_LARGE: "附件过大",
    ErrorCode.ATTACHMENT_INCOMPLETE: "附件尚未上传完成",
    ErrorCode.CASE_NOT_REVIEWABLE: "该申请当前状态不能审批",
    ErrorCode.DECISION_INVALID: "审批内容填写不完整",
    ErrorCode.ALREADY_RECEIVED: "该申请的材料已登记接收",
    ErrorCode.REVISION_CHANGED: "该申请已被修改，请刷新后再审批",
}


def message(code: ErrorCode | str) -> str:
    """The default Chinese message for ``code`` (codes from elsewhere get a generic one)."""
    try:
        return MESSAGES[ErrorCode(code)]
    except ValueError:
        return MESSAGES[ErrorCode.INVALID]
