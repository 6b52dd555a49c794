"""The HTTP API (FastAPI): thin routes over the services, errors as problem+json.

Routes are listed in ``sync.protocol.models``. Handlers are plain ``def`` functions run in
the worker thread pool; they parse, authenticate, rate-limit and call one service.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeout
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from jydesk.domain.entities import CaseStatus
from jydesk.domain.regions import town_of_village
from sync.protocol import models as m
from sync.protocol.errors import ErrorCode
from sync.server import batches, benefit_review, contact, devices, held, pull, review, reviewers
from sync.server.attachments import BlobStore
from sync.server.config import Settings
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.middleware import EncodingMiddleware
from sync.server.ratelimit import Limiter, limiter, retry_after
from sync.server.records import utcnow

log = logging.getLogger("jydesk.server")
API = m.API_PREFIX
SHA256_PATH = Path(pattern=r"^[0-9a-f]{64}$", description="文件的 SHA-256（小写十六进制）")
_PROBLEM_TEXT = {400: "请求有误", 401: "未登录或凭据无效", 403: "无权操作", 404: "找不到", 409: "与服务器上的状态冲突",
                 410: "已过期", 413: "内容过大", 415: "不支持的内容编码", 422: "内容不正确", 426: "客户端版本过旧，请升级",
                 429: "请求过于频繁",
                 503: "服务器繁忙，稍后重试"}
#: What any route may answer: the body middleware (400 damaged compression, 413, 415) and
#: 503 while the database is unavailable.
_ANY_ROUTE = (400, 413, 415, 503)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route's problem answers: ``statuses`` and :data:`_ANY_ROUTE`."""
    return {code: {"model": m.Problem, "content": {m.PROBLEM_CONTENT_TYPE: {}}, "description": _PROBLEM_TEXT[code]}
            for code in sorted({*_ANY_ROUTE, *statuses})}


DEVICE_PROBLEMS = (401, 422, 426, 429)  # authentication, parameters, too old a client, the device's rate limit
device_bearer = HTTPBearer(auto_error=False, scheme_name="device", description="Bearer <device_id>.<secret>")
reviewer_bearer = HTTPBearer(auto_error=False, scheme_name="reviewer", description="Bearer <登录令牌>")
PYDANTIC_MESSAGES = {
    "missing": "缺少必填项", "json_invalid": "请求内容不是有效的 JSON", "string_too_long": "内容过长",
    "string_too_short": "内容过短或为空", "string_pattern_mismatch": "格式不正确", "int_parsing": "应为整数",
    "greater_than_equal": "数值过小", "less_than_equal": "数值过大", "datetime_parsing": "时间格式不正确",
    "datetime_from_date_parsing": "时间格式不正确", "extra_forbidden": "不允许的字段", "enum": "不是可选的值",
    "literal_error": "不是可选的值", "model_type": "应为对象", "list_type": "应为列表", "dict_type": "应为对象",
    "string_type": "应为文字", "int_type": "应为整数", "bool_type": "应为 true 或 false",
}


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    blobs: BlobStore
    device_limiter: Limiter
    anonymous_limiter: Limiter


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type="application/json", headers=headers)


#: Answer headers of a push or pull when several worker processes share the port.
#: A kept-alive connection stays with the worker that accepted it, so a few busy devices
#: can all end up on one worker (its one core saturated) while another idles: with 2
#: workers and 4 devices pushing, half the runs split 3:1 or 4:0. Closing after each
#: batch lets the device's next request be accepted by whichever worker is free first
#: (measured: 16-19k changes/s pinned, 21-25k with a connection per batch). A batch is
#: 200-1,000 changes, so the extra connect is small beside its upload.
SPREAD_LOAD = {"Connection": "close"}


def problem_response(error: ServiceError) -> Response:
    return Response(orjson.dumps(error.problem()), status_code=error.status, media_type=m.PROBLEM_CONTENT_TYPE,
                    headers=error.headers)


def services(request: Request) -> Services:
    return request.app.state.services


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_anonymous(request: Request) -> None:
    s = services(request)
    wait = s.anonymous_limiter.take(_client_address(request))
    if wait:
        raise ServiceError(ErrorCode.RATE_LIMITED, 429, headers={"Retry-After": retry_after(wait)})


def client_version(request: Request,
                   version: Annotated[str | None, Header(alias=m.VERSION_HEADER, description="本机程序版本，如 0.1.0")] = None,
                   protocol: Annotated[int | None, Header(alias=m.PROTOCOL_HEADER, ge=0, le=1_000_000,
                                                          description="本机同步协议版本；不发送视为 1")] = None,
                   ) -> contact.ClientVersion:
    """The versions the client names; 426 ``client_too_old`` below the server's minimum protocol."""
    client = contact.ClientVersion.from_headers(version, protocol)
    contact.check_protocol(client, services(request).settings.min_protocol)
    return client


ClientDep = Annotated[contact.ClientVersion, Depends(client_version)]


def current_device(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(device_bearer)],
                   client: ClientDep) -> devices.DeviceRecord:
    s = services(request)
    device = devices.authenticate(s.db, creds.credentials if creds else None)
    wait = s.device_limiter.take(device.ref.id)
    if wait:
        raise ServiceError(ErrorCode.RATE_LIMITED, 429, headers={"Retry-After": retry_after(wait)})
    contact.record_contact(s.db, device, client)
    return device


def current_reviewer(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(reviewer_bearer)]
                     ) -> reviewers.ReviewerRef:
    return reviewers.authenticate(services(request).db, creds.credentials if creds else None)


Device = Annotated[devices.DeviceRecord, Depends(current_device)]
ReviewerDep = Annotated[reviewers.ReviewerRef, Depends(current_reviewer)]


class _OrjsonRequest(Request):
    """A request whose JSON body is parsed by orjson (a 500-change batch: ~1 ms instead of
    ~2 ms with the standard library, on the event loop). Its decode error is a
    ``json.JSONDecodeError``, which FastAPI answers as ``json_invalid`` as before."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                if "surrogate" not in str(exc):
                    raise
                # JSON allows an escaped lone surrogate, which no text can store: drop it
                # as jydesk.domain.text.clean does, so only the changes holding one differ
                self._json = orjson.loads(_LONE_SURROGATE.sub(b"", body))
        return self._json


_LONE_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
                             rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


class _OrjsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return route


def _field_of(loc: tuple[Any, ...], kind: str = "") -> str:
    if kind == "json_invalid":  # the location is a character position, not a field
        return ""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """The ASGI app; ``db`` defaults to one opened from ``settings.database_url``."""
    db = db or Database(settings.database_url)
    limits = settings.limits
    spread = SPREAD_LOAD if settings.workers > 1 else None
    app = FastAPI(title="jydesk 市级同步服务", version=str(m.PROTOCOL_VERSION), openapi_url=f"{API}/openapi.json",
                  docs_url=f"{API}/docs", redoc_url=None,
                  description="村(社区)民政专干桌面端与市级系统之间的同步接口。错误以 application/problem+json 返回。")
    app.router.route_class = _OrjsonRoute
    app.state.services = Services(
        settings, db, BlobStore(db, settings.blob_dir, max_size=limits.max_attachment_bytes),
        limiter(db, "device", limits.device_requests_per_minute, limits.device_burst),
        limiter(db, "anonymous", limits.anonymous_requests_per_minute, limits.anonymous_burst))
    app.add_middleware(EncodingMiddleware, limits=limits)

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> Response:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for e in exc.errors():
            name = _field_of(tuple(e.get("loc", ())), e.get("type", ""))
            text = PYDANTIC_MESSAGES.get(e.get("type", ""), "格式不正确")
            errors.append({"field": name or None, "code": e.get("type", "invalid"),
                           "message": f"{name}：{text}" if name else text})
        first = errors[0] if errors else {"field": None, "message": "请求内容格式不正确"}
        return problem_response(ServiceError(ErrorCode.INVALID_REQUEST, 422, f"请求内容不正确：{first['message']}",
                                             field=first["field"], errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        return problem_response(ServiceError(code, exc.status_code, headers=dict(exc.headers or {})))

    @app.exception_handler(DBAPIError)
    async def _database_down(request: Request, exc: DBAPIError) -> Response:
        if isinstance(exc, DataError):  # a value the database cannot take (a NUL in text …)
            log.warning("value refused by the database on %s %s: %s", request.method, request.url.path,
                        str(exc.orig).splitlines()[0] if exc.orig else exc.__class__.__name__)
            return problem_response(ServiceError(ErrorCode.INVALID_REQUEST, 422, "请求中有服务器无法保存的内容（如不可见的控制字符）"))
        if not isinstance(exc, OperationalError | SqlTimeout) and not exc.connection_invalidated:
            return await _crash(request, exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
        return problem_response(ServiceError(ErrorCode.UNAVAILABLE, 503, headers={"Retry-After": "30"}))

    @app.exception_handler(SqlTimeout)
    async def _pool_exhausted(request: Request, exc: SqlTimeout) -> Response:
        log.warning("no database connection free on %s %s", request.method, request.url.path)
        return problem_response(ServiceError(ErrorCode.UNAVAILABLE, 503, headers={"Retry-After": "10"}))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(ServiceError(ErrorCode.INTERNAL, 500))

    # -- devices ------------------------------------------------------------------------------

    @app.get(f"{API}/health", responses=problems(), tags=["系统"], summary="服务状态（含数据库）")
    def health(request: Request) -> dict[str, Any]:
        """``ok`` only when the database answers too: a host whose database is gone gets 503, so a
        load balancer stops sending villages to it."""
        with services(request).db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "database": "ok", "protocol_version": m.PROTOCOL_VERSION}

    @app.post(f"{API}/enroll", response_model=m.EnrollResult, responses=problems(409, 410, 422, 426, 429), tags=["设备"],
              summary="用一次性登记码登记本机", dependencies=[Depends(limit_anonymous)])
    def enroll(body: m.EnrollRequest, request: Request, client: ClientDep,
               creds: Annotated[HTTPAuthorizationCredentials | None, Depends(device_bearer)]) -> Response:
        db = services(request).db
        # An enrolled installation enrolling again sends its old credentials: that id is revoked.
        replaces = devices.holder_of(db, creds.credentials) if creds else None
        return json_response(devices.enroll(db, body.code, body.device_name, body.village_code, replaces=replaces,
                                            client=client))

    @app.get(f"{API}/device", response_model=m.DeviceInfo, responses=problems(*DEVICE_PROBLEMS), tags=["设备"], summary="本机信息（检查连接）")
    def device_info(device: Device) -> Response:
        town = town_of_village(device.ref.village_code)
        return json_response({"device_id": device.ref.id, "name": device.name, "village_code": device.ref.village_code,
                              "town_name": town.name if town else "", "enrolled_at": device.enrolled_at,
                              "server_time": utcnow(), "protocol_version": m.PROTOCOL_VERSION})

    @app.post(f"{API}/batches", response_model=m.BatchResult, responses=problems(*DEVICE_PROBLEMS, 403, 409), tags=["同步"],
              summary="上传一批修改（按批次编号幂等）")
    def push(batch: m.Batch, request: Request, device: Device) -> Response:
        if len(batch.changes) > limits.max_batch_changes:
            raise ServiceError(ErrorCode.BATCH_TOO_LONG, 413,
                               f"一批最多 {limits.max_batch_changes} 条修改，本批有 {len(batch.changes)} 条", field="changes")
        return json_response(batches.apply_batch(services(request).db, device.ref, batch), headers=spread)

    @app.get(f"{API}/changes", response_model=m.PullResult, responses=problems(*DEVICE_PROBLEMS), tags=["同步"],
             summary="下载本村(社区)在同步位置之后的修改")
    def changes(request: Request, device: Device,
                cursor: Annotated[str, Query(max_length=32, description="上次返回的 cursor；首次为空")] = "",
                limit: Annotated[int, Query(ge=1, le=m.MAX_PULL_LIMIT)] = 500) -> Response:
        return json_response(pull.pull(services(request).db, device.ref.village_code, cursor, limit), headers=spread)

    @app.post(f"{API}/held", response_model=m.HeldAnswer, responses=problems(*DEVICE_PROBLEMS), tags=["同步"],
              summary="查询本机“待上级记录”的修改后来的结果")
    def held_outcomes(body: m.HeldQuery, request: Request, device: Device) -> Response:
        keys = [(c.entity, c.id) for c in body.changes]
        return json_response(held.outcomes(services(request).db, device.ref.id, keys))

    # -- attachments --------------------------------------------------------------------------

    @app.post(f"{API}/attachments", response_model=m.UploadStatus, responses=problems(*DEVICE_PROBLEMS, 409), tags=["附件"],
              summary="开始或继续上传附件")
    def upload_start(body: m.UploadStart, request: Request, device: Device) -> Response:
        return json_response(services(request).blobs.start(body.sha256, body.size, body.mime, device.ref.village_code))

    @app.get(f"{API}/attachments/{{sha256}}", response_model=m.UploadStatus, responses=problems(*DEVICE_PROBLEMS, 404), tags=["附件"],
             summary="附件上传进度")
    def upload_status(sha256: Annotated[str, SHA256_PATH], request: Request, device: Device) -> Response:
        return json_response(services(request).blobs.status(sha256, device.ref.village_code))

    @app.put(f"{API}/attachments/{{sha256}}", response_model=m.UploadStatus, responses=problems(*DEVICE_PROBLEMS, 404, 409), tags=["附件"],
             summary="从 offset 处上传一段附件内容",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
    async def upload_chunk(sha256: Annotated[str, SHA256_PATH], request: Request, device: Device,
                           offset: Annotated[int, Query(ge=0)]) -> Response:
        data = await request.body()
        status = await run_in_threadpool(services(request).blobs.put, sha256, offset, data,
                                          device.ref.village_code)
        return json_response(status)

    @app.get(f"{API}/attachments/{{sha256}}/content", responses=problems(*DEVICE_PROBLEMS, 404, 409), tags=["附件"], summary="下载附件",
             response_class=FileResponse)
    def download(sha256: Annotated[str, SHA256_PATH], request: Request, device: Device) -> FileResponse:
        path, mime = services(request).blobs.content(sha256, device.ref.village_code)
        return FileResponse(path, media_type=mime)

    # -- review -------------------------------------------------------------------------------

    @app.post(f"{API}/review/login", response_model=m.LoginResult, responses=problems(401, 422, 429), tags=["审核"],
              summary="审核人员登录", dependencies=[Depends(limit_anonymous)])
    def login(body: m.LoginRequest, request: Request) -> Response:
        s = services(request)
        return json_response(reviewers.login(s.db, body.username, body.password, hours=s.settings.reviewer_token_hours))

    @app.get(f"{API}/review/cases", response_model=m.CaseList, responses=problems(401, 422), tags=["审核"],
             summary="待审核的申请")
    def review_cases(request: Request, reviewer: ReviewerDep,
                     status: Annotated[CaseStatus | None, Query(description="默认：已上报和审核中")] = None,
                     village: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50,
                     offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
        return json_response(review.list_cases(services(request).db, reviewer, status=status and str(status), village=village,
                                               limit=limit, offset=offset))

    @app.get(f"{API}/review/cases/{{case_id}}", response_model=m.CaseDetail, responses=problems(401, 404, 422), tags=["审核"],
             summary="申请详情")
    def review_case(case_id: Annotated[str, Path(pattern=m.UUID_PATTERN)], request: Request,
                    reviewer: ReviewerDep) -> Response:
        return json_response(review.case_detail(services(request).db, reviewer, case_id))

    @app.post(f"{API}/review/cases/{{case_id}}/decision", response_model=m.DecisionResult, responses=problems(401, 404, 409, 422),
              tags=["审核"], summary="记录审批结果")
    def review_decide(case_id: Annotated[str, Path(pattern=m.UUID_PATTERN)], body: m.DecisionRequest,
                      request: Request, reviewer: ReviewerDep) -> Response:
        return json_response(review.decide(services(request).db, reviewer, case_id, body))

    @app.get(f"{API}/review/changes", responses=problems(401, 422), tags=["审核"],
             summary="待审批的在保对象变更（增发、减发、停发、暂停、恢复）")
    def review_changes(request: Request, reviewer: ReviewerDep, village: Annotated[str | None, Query(
            pattern=r"^\d{12}$")] = None, include_decided: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 50,
            offset: Annotated[int, Query(ge=0)] = 0) -> Response:
        return json_response(benefit_review.list_changes(services(request).db, reviewer, pending=not include_decided,
                                                         village=village, limit=limit, offset=offset))

    @app.post(f"{API}/review/changes/{{change_id}}/decision", response_model=m.ChangeDecisionResult,
              responses=problems(401, 404, 409, 422), tags=["审核"], summary="审批在保对象变更")
    def review_change_decide(change_id: Annotated[str, Path(pattern=m.UUID_PATTERN)], body: m.ChangeDecisionRequest,
                             request: Request, reviewer: ReviewerDep) -> Response:
        return json_response(benefit_review.decide_change(services(request).db, reviewer, change_id, body))

    @app.post(f"{API}/review/cases/{{case_id}}/received", response_model=m.DecisionResult,
              responses=problems(401, 404, 409, 422), tags=["审核"], summary="登记已接收材料",
              description="乡镇或县（市）审核人员登记已收到申请材料；特困、事实无人抚养儿童的县级确认时限自此起算")
    def review_received(case_id: Annotated[str, Path(pattern=m.UUID_PATTERN)], request: Request,
                        reviewer: ReviewerDep) -> Response:
        return json_response(review.receive(services(request).db, reviewer, case_id))

    return app


def settle_heap() -> None:
    """Once the server process has loaded everything: leave what exists now out of the
    cyclic garbage collector's full passes (``gc.freeze``). A batch makes tens of thousands
    of short-lived objects, and every full pass would otherwise walk the whole loaded
    server (FastAPI, SQLAlchemy, pydantic, the form definitions) again."""
    gc.collect()
    gc.freeze()


def app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` / multi-worker serving: settings from the environment
    ($JYDESK_SERVER_DATABASE_URL, $JYDESK_SERVER_DATA_DIR)."""
    app = create_app(Settings.from_env())
    settle_heap()
    return app
