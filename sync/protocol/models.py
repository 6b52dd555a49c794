"""Typed wire models of the sync API, version 1 (all routes under ``/api/v1``).

Everything travels as JSON (UTF-8; the server writes it with orjson). Field names of the
syncable entities come from :mod:`jydesk.domain.entities` (``SPECS``); a change's
``fields`` is that flat dict, with form values as ``data.<key>``.

Device flow::

    POST /api/v1/enroll          EnrollRequest  -> EnrollResult       (no auth; one-time code)
    GET  /api/v1/device          -> DeviceInfo                        (auth check, "test connection")
    POST /api/v1/batches         Batch          -> BatchResult        (push; idempotent per batch_id)
    GET  /api/v1/changes?cursor=C&limit=N       -> PullResult         (pull; cursor "" or "0" = start)
    POST /api/v1/held            HeldQuery      -> HeldAnswer         (what became of this device's held changes)
    POST /api/v1/attachments     UploadStart    -> UploadStatus       (begin or resume an upload)
    GET  /api/v1/attachments/{sha256}           -> UploadStatus
    PUT  /api/v1/attachments/{sha256}?offset=N  raw bytes -> UploadStatus
    GET  /api/v1/attachments/{sha256}/content   -> the file (only if a record of this village links it)

Reviewer flow (town or city staff)::

    POST /api/v1/review/login    LoginRequest   -> LoginResult
    GET  /api/v1/review/cases?status=&village=&limit=&offset= -> CaseList
    GET  /api/v1/review/cases/{id}              -> CaseDetail
    POST /api/v1/review/cases/{id}/decision     DecisionRequest -> DecisionResult

Auth: ``Authorization: Bearer <device_id>.<secret>`` for devices (see
:func:`sync.protocol.wire.device_authorization`), ``Authorization: Bearer <token>`` from
login for reviewers. Errors: :class:`Problem` as ``application/problem+json``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

API_PREFIX = "/api/v1"
PROTOCOL_VERSION = 1
#: Request headers with the client's program version (``0.1.0``) and protocol version (``1``).
#: A request without the protocol header counts as protocol 1 (clients before the header);
#: below the server's minimum it is answered 426 ``client_too_old``.
VERSION_HEADER = "X-Jydesk-Version"
PROTOCOL_HEADER = "X-Jydesk-Protocol"
PROBLEM_CONTENT_TYPE = "application/problem+json"

#: The server's default ceiling on changes per batch (413 ``batch_too_long`` beyond it).
MAX_BATCH_CHANGES = 1000
#: What a client should send per batch: small enough for a poor link, big enough to be fast.
RECOMMENDED_BATCH_CHANGES = 200
#: Largest pull page; a bigger ``limit`` is lowered to this.
MAX_PULL_LIMIT = 1000

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
#: A canonical UUID string (batch and device ids).
Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
#: A record id as sent; checked per change so a bad one rejects only that change.
RecordId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class ChangeOp(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class ChangeStatus(StrEnum):
    """What the server did with one change.

    - ``applied``: written; ``revision`` is the record's new revision (unchanged when the
      change altered nothing).
    - ``merged``: written, and other fields had changed on the server since
      ``base_revision``; their current values are in ``server_fields`` — adopt them.
    - ``conflict``: at least one field was changed on both sides. Those fields keep the
      server value (listed in ``conflicts`` with both values, stored on the server too);
      the change's other fields were written. Show the clerk; to insist on the local
      value, send a new change with ``base_revision`` = the returned ``revision``.
    - ``rejected``: nothing of this change was written; ``errors`` says why (field, code,
      Chinese message). Other changes of the batch are unaffected.
    - ``held``: stored but not yet applied because its parent record (e.g. the person of
      a visit) has not reached the server; it is applied when the parent arrives and then
      comes back through pull. The client may drop it from its outbox.
    """

    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    HELD = "held"


#: Statuses after which the client may delete the outbox entry (every status: a rejected
#: change will not become valid by resending it unchanged).
ACKNOWLEDGED = frozenset(ChangeStatus)


class Change(_Model):
    """One record change made on a device.

    ``entity`` is a :class:`jydesk.domain.entities.Entity` value (kept a plain string so an
    unknown one is rejected per change instead of failing the whole batch). ``id`` is the
    record's UUID made on the device. ``base_revision`` is the server revision the device
    last saw for this record (0 = new record). ``fields`` holds only the changed fields
    (all required fields for a new record); ``op="delete"`` needs no fields.
    """

    entity: str = Field(max_length=32, examples=["person"])
    id: RecordId
    op: ChangeOp = ChangeOp.UPSERT
    base_revision: int = Field(default=0, ge=0, le=2**31 - 1)
    fields: dict[str, Any] = Field(default_factory=dict)
    client_ts: datetime


class Batch(_Model):
    """A push. ``batch_id`` (a UUID) is fixed when the batch is formed and resent unchanged
    on every retry; the server applies it once and answers repeats with the stored
    result. The same id with different content is refused (409 ``batch_id_reused``)."""

    batch_id: Uuid
    device_id: Uuid
    changes: list[Change]


class FieldConflict(_Model):
    field: str
    server_value: Any = None
    client_value: Any = None


class ChangeError(_Model):
    """One reason a change (or request) was refused. ``field`` is None for the whole record."""

    field: str | None = None
    code: str
    message: str


class ChangeResult(_Model):
    id: str
    entity: str
    status: ChangeStatus
    revision: int = 0
    conflicts: list[FieldConflict] = Field(default_factory=list)
    errors: list[ChangeError] = Field(default_factory=list)
    server_fields: dict[str, Any] = Field(default_factory=dict)


class BatchResult(_Model):
    """One result per change, in the order sent. ``replayed`` is true when this is the
    stored answer to a batch id the server had already applied."""

    batch_id: str
    device_id: str
    received_at: datetime
    results: list[ChangeResult]
    replayed: bool = False


class PulledChange(_Model):
    """The full current state of one record of the device's village."""

    entity: str
    id: str
    revision: int
    fields: dict[str, Any]
    deleted: bool = False


class PullResult(_Model):
    """Records changed after the request's cursor, oldest first. Store ``cursor`` in the
    same transaction that applies ``changes``; ask again while ``more`` is true. The
    cursor is opaque: pass it back unchanged."""

    changes: list[PulledChange]
    cursor: str
    more: bool


class RecordKey(_Model):
    entity: str = Field(max_length=32, examples=["visit"])
    id: RecordId


class HeldQuery(_Model):
    """Records some of whose changes this device was answered ``held`` for."""

    changes: list[RecordKey] = Field(max_length=MAX_BATCH_CHANGES)


class HeldState(StrEnum):
    """``waiting``: still held (``waiting_for`` names the missing parent record);
    ``released``: applied when the parent arrived (``result`` is what that did — a
    ``rejected`` result means the change was NOT written and the clerk must fix it);
    ``unknown``: the server holds nothing of this device for the record."""

    WAITING = "waiting"
    RELEASED = "released"
    UNKNOWN = "unknown"


class HeldOutcome(_Model):
    entity: str
    id: str
    state: HeldState
    waiting_for: RecordKey | None = None
    result: ChangeResult | None = None


class HeldAnswer(_Model):
    """One outcome per record asked about, in the order asked. Of several held changes of
    one record, a waiting one wins, then the latest rejected one, then the latest."""

    results: list[HeldOutcome]


class EnrollRequest(_Model):
    code: str = Field(min_length=1, max_length=64, description="一次性登记码，如 ABCD-EFGH-JKMN")
    device_name: str = Field(default="", max_length=100, description="本机名称，便于管理")
    village_code: str | None = Field(default=None, pattern=r"^\d{12}$",
                                     description="本机已属于的村(社区)代码；登记码属于别的村(社区)时拒绝登记，登记码不作废")


class EnrollResult(_Model):
    """Keep ``secret`` safe: it is shown once. Authenticate with
    ``Authorization: Bearer <device_id>.<secret>``; sign USB bundles with it."""

    device_id: str
    secret: str
    village_code: str
    town_name: str
    server_time: datetime
    device_no: int | None = None  # 本机编号 in the village (register numbers); None from older servers


class DeviceInfo(_Model):
    device_id: str
    name: str
    village_code: str
    town_name: str
    enrolled_at: datetime
    server_time: datetime
    protocol_version: int = PROTOCOL_VERSION


class UploadStart(_Model):
    sha256: Sha256Hex
    size: int = Field(ge=0)
    mime: str = Field(default="application/octet-stream", max_length=100)


class UploadStatus(_Model):
    """``received`` bytes are stored; resume by sending the rest from that offset."""

    sha256: str
    size: int
    received: int
    complete: bool


class LoginRequest(_Model):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class ReviewerScope(StrEnum):
    CITY = "city"
    TOWN = "town"


class ReviewerInfo(_Model):
    username: str
    display_name: str
    scope: ReviewerScope
    town_code: str | None = None
    town_name: str | None = None


class LoginResult(_Model):
    token: str
    expires_at: datetime
    reviewer: ReviewerInfo


class RecordOut(_Model):
    entity: str
    id: str
    village_code: str
    revision: int
    fields: dict[str, Any]
    deleted: bool = False
    updated_at: datetime


class CaseList(_Model):
    cases: list[RecordOut]
    total: int


class CaseDetail(_Model):
    """A case with what a reviewer needs to judge it."""

    case: RecordOut
    household: RecordOut | None = None
    members: list[RecordOut] = Field(default_factory=list)
    events: list[RecordOut] = Field(default_factory=list)
    attachments: list[RecordOut] = Field(default_factory=list)


class DecisionKind(StrEnum):
    APPROVE = "批准"
    REFUSE = "不予批准"
    RETURN = "退回补正"


class DecisionRequest(_Model):
    """批准 needs ``amount`` (元/月, decimal string) and ``start_month`` (YYYY-MM);
    不予批准 needs ``reason``; 退回补正 needs ``reason`` (what to fix). ``base_revision``,
    when given, refuses the decision if the case changed since the reviewer loaded it.
    ``values`` fills the form's reviewer parts (fields with ``filled_by = "town"`` — and
    ``"county"`` for city reviewers), e.g. ``{"town_opinion": "情况属实，同意"}``; they reach
    the village as ``data.<key>``."""

    decision: DecisionKind
    amount: str | None = Field(default=None, max_length=20, examples=["650.00"])
    start_month: str | None = Field(default=None, max_length=7, examples=["2025-07"])
    reason: str | None = Field(default=None, max_length=2000)
    base_revision: int | None = Field(default=None, ge=0)
    values: dict[str, Any] = Field(default_factory=dict)


class ChangeDecisionRequest(_Model):
    """A proposed change of the register (增发/减发/停发/暂停/恢复): ``批准`` needs
    ``effective_month`` (YYYY-MM; 增发/减发 take ``amount``, default the proposed one);
    ``不予批准`` needs ``reason``."""

    decision: Literal["批准", "不予批准"]
    amount: str | None = Field(default=None, max_length=20, examples=["500.00"])
    effective_month: str | None = Field(default=None, max_length=7, examples=["2026-07"])
    reason: str | None = Field(default=None, max_length=2000)
    base_revision: int | None = Field(default=None, ge=0)


class ChangeDecisionResult(_Model):
    change: RecordOut
    recipient: RecordOut


class DecisionResult(_Model):
    case: RecordOut
    event_id: str


class Problem(BaseModel):
    """An ``application/problem+json`` error (RFC 9457) with a machine ``code`` and a
    Chinese ``detail``; ``entity``/``record_id``/``field`` name what it concerns."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    entity: str | None = None
    record_id: str | None = None
    field: str | None = None
    errors: list[ChangeError] = Field(default_factory=list)
