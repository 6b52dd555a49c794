"""Attachment bytes: chunked, resumable upload verified by sha256, stored once per hash.

A client announces ``(sha256, size)``; the answer says how many bytes the server holds
(0 for a new file, ``size`` if anyone uploaded the same file before). Chunks are appended
at exactly that offset; when the last byte arrives the file is hashed and either kept
under ``attachments/<ab>/<sha256>`` or discarded (``hash_mismatch``, start again).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from jydesk.domain.entities import Entity
from sync.protocol.errors import ErrorCode
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Blob, Record
from sync.server.records import insert_for, utcnow


class BlobStore:
    def __init__(self, db: Database, root: Path, *, max_size: int) -> None:
        self.db = db
        self.root = root
        self.max_size = max_size

    def path(self, sha256: str, *, partial: bool = False) -> Path:
        return self.root / sha256[:2] / (sha256 + (".part" if partial else ""))

    def _status(self, row: Any) -> dict[str, Any]:
        return {"sha256": row.sha256, "size": row.size, "received": row.received, "complete": row.complete}

    def _row(self, conn: Connection, sha256: str, *, lock: bool = False) -> Any:
        stmt = select(Blob.__table__).where(Blob.sha256 == sha256)
        if lock and conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return conn.execute(stmt).first()

    def start(self, sha256: str, size: int, mime: str) -> dict[str, Any]:
        if size > self.max_size:
            raise ServiceError(ErrorCode.ATTACHMENT_TOO_LARGE, 413,
                               f"附件过大（{size} 字节），单个附件不能超过 {self.max_size // (1024 * 1024)} MB", field="size")
        with self.db.write() as conn:
            conn.execute(insert_for(conn)(Blob).values(sha256=sha256, size=size, mime=mime, received=0,
                                                       complete=False, created_at=utcnow())
                         .on_conflict_do_nothing(index_elements=["sha256"]))
            row = self._row(conn, sha256, lock=True)
            if row.size != size:
                if row.complete:
                    raise ServiceError(ErrorCode.HASH_MISMATCH, 409, "同一校验值的文件大小与服务器上的不一致", field="size")
                conn.execute(update(Blob).where(Blob.sha256 == sha256).values(size=size, received=0, mime=mime))
                self.path(sha256, partial=True).unlink(missing_ok=True)
                row = self._row(conn, sha256)
            if row.received > 0 and not row.complete:
                part = self.path(sha256, partial=True)
                actual = part.stat().st_size if part.exists() else 0
                if actual < row.received:  # the file lost bytes the database counted: resume from what is there
                    conn.execute(update(Blob).where(Blob.sha256 == sha256).values(received=actual))
                    row = self._row(conn, sha256)
            result = self._finish(conn, row) if size == 0 and not row.complete else self._status(row)
        return _verified(result)

    def status(self, sha256: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = self._row(conn, sha256)
        if row is None:
            raise ServiceError(ErrorCode.NOT_FOUND, 404, "服务器上没有该附件，请先开始上传", field="sha256")
        return self._status(row)

    def put(self, sha256: str, offset: int, data: bytes) -> dict[str, Any]:
        with self.db.write() as conn:
            row = self._row(conn, sha256, lock=True)
            if row is None:
                raise ServiceError(ErrorCode.NOT_FOUND, 404, "服务器上没有该附件，请先开始上传", field="sha256")
            if row.complete:
                return self._status(row)
            if offset != row.received:
                raise ServiceError(ErrorCode.OFFSET_MISMATCH, 409,
                                   f"上传位置 {offset} 与服务器已收到的 {row.received} 字节不一致，请从 {row.received} 继续",
                                   field="offset", extra={"received": row.received})
            if offset + len(data) > row.size:
                raise ServiceError(ErrorCode.ATTACHMENT_TOO_LARGE, 413, "上传内容超过了声明的文件大小", field="offset")
            part = self.path(sha256, partial=True)
            part.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "r+b" if part.exists() else "wb") as fh:
                fh.seek(offset)
                fh.write(data)
                fh.truncate()
                fh.flush()
                os.fsync(fh.fileno())
            received = offset + len(data)
            conn.execute(update(Blob).where(Blob.sha256 == sha256).values(received=received))
            row = self._row(conn, sha256)
            result = self._finish(conn, row) if received == row.size else self._status(row)
        return _verified(result)

    def _finish(self, conn: Connection, row: Any) -> dict[str, Any] | None:
        """Verify the complete file; None (and the upload reset) if its hash is wrong."""
        part = self.path(row.sha256, partial=True)
        part.parent.mkdir(parents=True, exist_ok=True)
        if not part.exists():
            part.write_bytes(b"")
        digest = hashlib.sha256()
        with open(part, "rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != row.sha256:
            part.unlink(missing_ok=True)
            conn.execute(update(Blob).where(Blob.sha256 == row.sha256).values(received=0))
            return None
        part.replace(self.path(row.sha256))
        conn.execute(update(Blob).where(Blob.sha256 == row.sha256).values(complete=True, completed_at=utcnow()))
        return {"sha256": row.sha256, "size": row.size, "received": row.size, "complete": True}

    def content(self, sha256: str, village_code: str) -> tuple[Path, str]:
        """The stored file, if a record of ``village_code`` links it (else 404: no probing)."""
        t = Record.__table__.c
        with self.db.read() as conn:
            linked = conn.execute(select(t.id).where(
                t.entity == Entity.ATTACHMENT.value, t.village_code == village_code,
                t.fields["sha256"].as_string() == sha256).limit(1)).first()
            row = self._row(conn, sha256)
        if linked is None or row is None:
            raise ServiceError(ErrorCode.NOT_FOUND, 404, "找不到该附件", field="sha256")
        if not row.complete:
            raise ServiceError(ErrorCode.ATTACHMENT_INCOMPLETE, 409, field="sha256")
        return self.path(sha256), row.mime


def _verified(result: dict[str, Any] | None) -> dict[str, Any]:
    if result is None:
        raise ServiceError(ErrorCode.HASH_MISMATCH, 422, "附件内容与校验值不符，服务器已丢弃，请从头重新上传",
                           field="sha256", extra={"received": 0})
    return result
