"""The sync client (plain Python; the desktop app runs it in a worker thread).

- :class:`SyncClient` — one run: push the outbox in batches, upload attachments, pull by cursor.
- :func:`enroll` — bind the installation to the city server with a one-time code.
- :func:`export_bundle` — pending changes as a signed file for USB transfer.
- :mod:`sync.client.resolve` — conflicts and rejected changes the clerk settles.

Invariants (DESIGN.md §4): a batch id is fixed in the outbox before the batch is sent and the
batch is resent unchanged; outbox rows go only in the transaction that applies the server's
answer; the pull cursor is stored with the pulled records it covers.
"""

import jydesk.store.sync_models  # noqa: F401  (registers the sync tables on the store's metadata)
from sync.client.bundle_export import ExportResult, export_bundle
from sync.client.engine import SyncClient, SyncSummary, write_log
from sync.client.enroll import Enrollment, check_connection, enroll
from sync.client.errors import (
    AuthError,
    EnrollmentError,
    NetworkError,
    NotEnrolledError,
    RequestRefused,
    SyncError,
)
from sync.client.transport import RetryPolicy

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
    "check_connection",
    "enroll",
    "export_bundle",
    "write_log",
]
