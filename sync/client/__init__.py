"""The sync client (plain Python; the desktop app runs it in a worker thread).

- :class:`SyncClient` — one run: push the outbox in batches, upload attachments, pull by cursor.
- :func:`enroll` — bind the installation to the city server with a one-time code.
- :func:`export_bundle` — pending changes as a signed file for USB transfer.
- :mod:`sync.client.resolve` — conflicts and rejected changes the clerk settles.

Invariants (docs/architecture.md § Sync): a batch id is fixed in the outbox before the batch
is sent and the batch is resent unchanged; outbox rows go only in the transaction that
applies the server's answer; the pull cursor is stored with the pulled records it covers.

Names are imported on first use (PEP 562), so the app can read the sync state at start-up
without loading httpx and the protocol models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import jydesk.store.sync_models  # noqa: F401  (registers the sync tables on the store's metadata)

_EXPORTS = {
    "AuthError": "errors", "EnrollmentError": "errors", "NetworkError": "errors", "NotEnrolledError": "errors",
    "RequestRefused": "errors", "SyncError": "errors", "UpgradeRequired": "errors",
    "Enrollment": "enrollment", "check_connection": "enrollment", "enroll": "enrollment",
    "ExportResult": "bundle_export", "export_bundle": "bundle_export",
    "SyncClient": "engine", "SyncSummary": "engine", "write_log": "engine",
    "RetryPolicy": "transport",
}

if TYPE_CHECKING:
    from sync.client.bundle_export import ExportResult, export_bundle
    from sync.client.engine import SyncClient, SyncSummary, write_log
    from sync.client.enrollment import Enrollment, check_connection, enroll
    from sync.client.errors import (
        AuthError,
        EnrollmentError,
        NetworkError,
        NotEnrolledError,
        RequestRefused,
        SyncError,
        UpgradeRequired,
    )
    from sync.client.transport import RetryPolicy


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sync.client' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sync.client.{module}"), name)


__all__ = [
    "AuthError",
    "Enrollment",
    "EnrollmentError",
    "ExportResult",
    "NetworkError",
    "NotEnrolledError",
    "RequestRefused",
    "RetryPolicy",
    "SyncClient",
    "SyncError",
    "SyncSummary",
    "UpgradeRequired",
    "check_connection",
    "enroll",
    "export_bundle",
    "write_log",
]
