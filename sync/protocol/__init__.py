"""The sync protocol, version 1: wire models, error codes and encoding helpers.

A client can be written from this package alone:

- :mod:`sync.protocol.models` — request/response models and the route list;
- :mod:`sync.protocol.errors` — machine error codes with Chinese messages;
- :mod:`sync.protocol.wire` — JSON, gzip/zstd and the device auth header.

See sync/README.md for the semantics (idempotent batches, merge vs conflict, cursor).
"""

from sync.protocol.errors import MESSAGES, ErrorCode, message
from sync.protocol.models import (
    ACKNOWLEDGED,
    API_PREFIX,
    MAX_BATCH_CHANGES,
    MAX_PULL_LIMIT,
    PROBLEM_CONTENT_TYPE,
    PROTOCOL_VERSION,
    RECOMMENDED_BATCH_CHANGES,
    Batch,
    BatchResult,
    CaseDetail,
    CaseList,
    Change,
    ChangeError,
    ChangeOp,
    ChangeResult,
    ChangeStatus,
    DecisionKind,
    DecisionRequest,
    DecisionResult,
    DeviceInfo,
    EnrollRequest,
    EnrollResult,
    FieldConflict,
    LoginRequest,
    LoginResult,
    Problem,
    PulledChange,
    PullResult,
    RecordOut,
    ReviewerInfo,
    ReviewerScope,
    UploadStart,
    UploadStatus,
)
from sync.protocol.wire import WireError, device_authorization

__all__ = [
    "ACKNOWLEDGED",
    "API_PREFIX",
    "MAX_BATCH_CHANGES",
    "MAX_PULL_LIMIT",
    "MESSAGES",
    "PROBLEM_CONTENT_TYPE",
    "PROTOCOL_VERSION",
    "RECOMMENDED_BATCH_CHANGES",
    "Batch",
    "BatchResult",
    "CaseDetail",
    "CaseList",
    "Change",
    "ChangeError",
    "ChangeOp",
    "ChangeResult",
    "ChangeStatus",
    "DecisionKind",
    "DecisionRequest",
    "DecisionResult",
    "DeviceInfo",
    "EnrollRequest",
    "EnrollResult",
    "ErrorCode",
    "FieldConflict",
    "LoginRequest",
    "LoginResult",
    "Problem",
    "PullResult",
    "PulledChange",
    "RecordOut",
    "ReviewerInfo",
    "ReviewerScope",
    "UploadStart",
    "UploadStatus",
    "WireError",
    "device_authorization",
    "message",
]
