"""The one exception services raise for a refused request; the app turns it into
``application/problem+json`` with the machine code and a Chinese detail."""

from __future__ import annotations

from typing import Any

from sync.protocol.errors import ErrorCode, message

TITLES = {400: "请求有误", 401: "未登录或凭据无效", 403: "无权操作", 404: "找不到", 405: "方法不允许",
          409: "与服务器上的数据冲突", 413: "内容过大", 415: "不支持的格式", 422: "内容不正确",
          429: "请求过于频繁", 500: "服务器内部错误"}


class ServiceError(Exception):
    def __init__(self, code: ErrorCode | str, status: int = 400, detail: str | None = None, *,
                 field: str | None = None, entity: str | None = None, record_id: str | None = None,
                 errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.code = str(code)
        self.status = status
        self.detail = detail or message(code)
        self.field = field
        self.entity = entity
        self.record_id = record_id
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.detail)

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://jydesk.invalid/problems/{self.code}", "title": TITLES.get(self.status, "请求失败"),
            "status": self.status, "code": self.code, "detail": self.detail,
        }
        for key in ("entity", "record_id", "field"):
            if getattr(self, key) is not None:
                body[key] = getattr(self, key)
        body["errors"] = self.errors
        body.update(self.extra)
        return body
