"""Attachment bytes: chunked, resumable upload verified by sha256, stored once per hash,
seen only by the villages that sent them.

A client announces ``(sha256, size)``; the answer says how many bytes of it the server holds
for the device's village (0 for a file new to the village). Chunks are appended at exactly
that offset to the village's own partial file; when the last byte arrives it is hashed and
either kept under ``attachments/<ab>/<sha256>`` (or dropped if another village stored the
same file already: dedupe on storage) or discarded (``hash_mismatch``, start again).

Permission is per village (``BlobUpload``): a file another village uploaded counts as
present for this village only once one of its devices has sent the bytes itself, so a
device cannot learn from the answers whether another village has a file, nor fetch it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from jydesk.domain.entities import Entity
from jydesk.domain.text import clean
from sync.protocol.errors import ErrorCode
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Blob, BlobUpload, Record
from sync.server.records import insert_for, utcnow

_U = BlobUpload.__table__.c
_NOT_STARTED = "服务器上没有本村(社区)的该附件，请先开始上传"


class BlobStore:
    def __init__(self, db: Database, root: Path, *, max_size: int) -> None:
        self.db = db
        self.root = root
        self.max_size = max_size

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def partial(self, sha256: str, village: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.{village}.part"

    def _status(self, row: Any) -> dict[str, Any]:
        return {"sha256": row.sha256, "size": row.size, "received": row.received, "complete": row.complete}

    def _row(self, conn: Connection, sha256: str, village: str, *, lock: bool = False) -> Any:
        stmt = select(BlobUpload.__table__).where(_U.sha256 == sha256, _U.village_code == village)
        if lock and conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return conn.execute(stmt).first()

    def _set(self, conn: Connection, row: Any, **values: Any) -> Any:
        conn.execute(update(BlobUpload).where(_U.sha256 == row.sha256, _U.village_code == row.village_code)
                     .values(**values))
        return self._row(conn, row.sha256, row.village_code)

    def start(self, sha256: str, size: int, mime: str, village: str) -> dict[str, Any]:
        if size > self.max_size:
            raise ServiceError(ErrorCode.ATTACHMENT_TOO_LARGE, 413,
                               f"附件过大（{size} 字节），单个附件不能超过 {self.max_size // (1024 * 1024)} MB", field="size")
        mime = clean(mime) or "application/octet-stream"
        with self.db.write() as conn:
            conn.execute(insert_for(conn)(BlobUpload).values(
                sha256=sha256, village_code=village, size=size, mime=mime, received=0, complete=False,
                created_at=utcnow()).on_conflict_do_nothing(index_elements=["sha256", "village_code"]))
            row = self._row(conn, sha256, village, lock=True)
            if row.size != size:
                if row.complete:
                    raise ServiceError(ErrorCode.HASH_MISMATCH, 409, "同一校验值的文件大小与服务器上的不一致", field="size")
                self.partial(sha256, village).unlink(missing_ok=True)
                row = self._set(conn, row, size=size, received=0, mime=mime)
            if row.received > 0 and not row.complete:
                part = self.partial(sha256, village)
                actual = part.stat().st_size if part.exists() else 0
                if actual < row.received:  # the file lost bytes the database counted: resume from what is there
                    row = self._set(conn, row, received=actual)
            result = self._finish(conn, row) if size == 0 and not row.complete else self._status(row)
        return _verified(result)

    def status(self, sha256: str, village: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = self._row(conn, sha256, village)
        if row is None:
            raise ServiceError(ErrorCode.NOT_FOUND, 404, _NOT_STARTED, field="sha256")
        return self._status(row)

    def put(self, sha256: str, offset: int, data: bytes, village: str) -> dict[str, Any]:
        with self.db.write() as conn:
            row = self._row(conn, sha256, village, lock=True)
            if row is None:
                raise ServiceError(ErrorCode.NOT_FOUND, 404, _NOT_STARTED, field="sha256")
            if row.complete:
                return self._status(row)
            if offset != row.received:
                raise ServiceError(ErrorCode.OFFSET_MISMATCH, 409,
                                   f"上传位置 {offset} 与服务器已收到的 {row.received} 字节不一致，请从 {row.received} 继续",
                                   field="offset", extra={"received": row.received})
            if offset + len(data) > row.size:
                raise ServiceError(ErrorCode.ATTACHMENT_TOO_LARGE, 413, "上传内容超过了声明的文件大小", field="offset")
            part = self.partial(sha256, village)
            part.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "r+b" if part.exists() else "wb") as fh:
                fh.seek(offset)
                fh.write(data)
                fh.truncate()
                fh.flush()
                os.fsync(fh.fileno())
            row = self._set(conn, row, received=offset + len(data))
            result = self._finish(conn, row) if row.received == row.size else self._status(row)
        return _verified(result)

    def _finish(self, conn: Connection, row: Any) -> dict[str, Any] | None:
        """Verify the village's complete file; None (and its upload reset) if the hash is wrong."""
        part = self.partial(row.sha256, row.village_code)
        part.parent.mkdir(parents=True, exist_ok=True)
        if not part.exists():
            part.write_bytes(b"")
        digest = hashlib.sha256()
        with open(part, "rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != row.sha256:
            part.unlink(missing_ok=True)
            self._set(conn, row, received=0)
            return None
        final = self.path(row.sha256)
        if final.exists():
            part.unlink()  # another village stored the same bytes: keep one copy
        else:
            part.replace(final)
        now = utcnow()
        conn.execute(insert_for(conn)(Blob).values(
            sha256=row.sha256, size=row.size, mime=row.mime, received=row.size, complete=True, created_at=now,
            completed_at=now).on_conflict_do_update(
            index_elements=["sha256"], set_={"size": row.size, "received": row.size, "complete": True,
                                             "completed_at": now}))
        row = self._set(conn, row, complete=True, completed_at=now)
        return self._status(row)

    def content(self, sha256: str, village_code: str) -> tuple[Path, str]:
        """The stored file, if the village uploaded it and a record of the village links it
        (else 404: no probing)."""
        t = Record.__table__.c
        with self.db.read() as conn:
            row = self._row(conn, sha256, village_code)
            linked = row is not None and conn.execute(select(t.id).where(
                t.entity == Entity.ATTACHMENT.value, t.village_code == village_code,
                t.fields["sha256"].as_string() == sha256).limit(1)).first()
        if not linked:
            raise ServiceError(ErrorCode.NOT_FOUND, 404, "找不到该附件", field="sha256")
        if not row.complete:
            raise ServiceError(ErrorCode.ATTACHMENT_INCOMPLETE, 409, field="sha256")
        return self.path(sha256), row.mime


def _verified(result: dict[str, Any] | None) -> dict[str, Any]:
    if result is None:
        raise ServiceError(ErrorCode.HASH_MISMATCH, 422, "附件内容与校验值不符，服务器已丢弃，请从头重新上传",
                           field="sha256", extra={"received": 0})
    return result
