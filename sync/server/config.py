"""Server settings: database URL, data folder, limits and the oldest client protocol accepted
(environment or CLI flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from jydesk.domain.errors import FieldError, ValidationError
from sync.protocol.models import MAX_BATCH_CHANGES, PROTOCOL_VERSION

MIN_PROTOCOL_ENV = "JYDESK_SERVER_MIN_PROTOCOL"


def default_data_dir() -> Path:
    """$JYDESK_SERVER_DATA_DIR, else the platform's user data folder for jydesk-server."""
    env = os.environ.get("JYDESK_SERVER_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("jydesk-server", appauthor=False))


def default_database_url(data_dir: Path | None = None) -> str:
    """$JYDESK_SERVER_DATABASE_URL, else a SQLite file in the data folder."""
    env = os.environ.get("JYDESK_SERVER_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{(data_dir or default_data_dir()) / 'server.sqlite3'}"


@dataclass(frozen=True, slots=True)
class Limits:
    max_body_bytes: int = 8 * 1024 * 1024  # as received (compressed)
    max_decoded_bytes: int = 32 * 1024 * 1024  # after decompression
    max_batch_changes: int = MAX_BATCH_CHANGES
    max_attachment_bytes: int = 200 * 1024 * 1024
    device_requests_per_minute: int = 600
    device_burst: int = 120
    anonymous_requests_per_minute: int = 30  # enroll and login, per client address
    anonymous_burst: int = 10


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    data_dir: Path
    limits: Limits = field(default_factory=Limits)
    enrollment_ttl_hours: float = 72.0
    reviewer_token_hours: float = 12.0
    #: Worker processes sharing the listening port (``serve --workers``). With more than
    #: one, a push or pull answer closes its connection: see ``sync.server.app``.
    workers: int = 1
    #: The oldest sync protocol a device may speak; older ones (and, above 1, a request
    #: without ``X-Jydesk-Protocol``) are answered 426 ``client_too_old``.
    min_protocol: int = PROTOCOL_VERSION

    @classmethod
    def from_env(cls, database_url: str | None = None, data_dir: Path | None = None,
                 min_protocol: int | None = None) -> Settings:
        """Settings from the arguments, else $JYDESK_SERVER_DATABASE_URL, $JYDESK_SERVER_DATA_DIR,
        $JYDESK_SERVER_MIN_PROTOCOL and $JYDESK_SERVER_WORKERS (set by ``serve --workers`` for
        its worker processes)."""
        data_dir = data_dir or default_data_dir()
        workers = os.environ.get("JYDESK_SERVER_WORKERS", "1")
        if min_protocol is None:
            min_protocol = parse_min_protocol(os.environ.get(MIN_PROTOCOL_ENV) or str(PROTOCOL_VERSION),
                                              f"环境变量 {MIN_PROTOCOL_ENV}")
        return cls(database_url=database_url or default_database_url(data_dir), data_dir=data_dir,
                   workers=int(workers) if workers.isdigit() and int(workers) > 0 else 1, min_protocol=min_protocol)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "attachments"


def parse_min_protocol(text: str, source: str = "--min-protocol") -> int:
    """The minimum protocol from ``text``: 1 … this server's own protocol (it cannot require more)."""
    text = text.strip()
    if not text.isdigit() or not 1 <= int(text) <= PROTOCOL_VERSION:
        raise ValidationError(FieldError("min_protocol", f"{source} 应为1到{PROTOCOL_VERSION}之间的整数"
                                         f"（本服务使用协议 {PROTOCOL_VERSION}），收到“{text}”"))
    return int(text)
