"""Errors of the sync client, each with a Chinese message a clerk can act on."""

from __future__ import annotations


class SyncError(Exception):
    """Sync could not finish. ``message`` is Chinese; ``code`` a protocol error code if any."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class NotEnrolledError(SyncError):
    """This installation has no device credentials yet."""


class AuthError(SyncError):
    """The server refused this device (401/403): sync stops until the clerk acts."""


class UpgradeRequired(AuthError):
    """The server no longer accepts this program's protocol (426 ``client_too_old``); the
    message is the server's 升级提示. Like an :class:`AuthError`, sync stops (nothing is
    retried, nothing is given up) until a newer jydesk is installed."""


class NetworkError(SyncError):
    """The server could not be reached (or kept failing) after all retries."""


class RequestRefused(SyncError):
    """The server refused a request (4xx other than 401/403); resending it unchanged won't help."""


class EnrollmentError(SyncError):
    """Enrollment was refused (bad code, other village …)."""
