"""Attachment bytes: resumable upload of this device's files, download of the others'.

Upload: for each local attachment not yet uploaded whose record the server has
acknowledged, the client announces ``(sha256, size)``, learns how many bytes the server
already holds, and sends the rest in chunks from exactly that offset. An interrupted upload
resumes where the server stopped; a file the server already has (any device) costs one request.

Download: attachment records pulled from the server (made on another computer of the
village) name a file this device does not have. After the pull the client fetches those
files, newest first, checks each against its sha256 and keeps it under that name (with a
thumbnail), so the photos of the village's visits and cases are there offline. One run
fetches at most :data:`DOWNLOAD_BUDGET` bytes (a poor link is not tied up for an hour);
the rest comes on the next syncs. A file the other computer has not finished uploading is
simply tried again next time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from jydesk.store.attachments import blob_path, read_blob, save_downloaded
from jydesk.store.crypto import DecryptError
from jydesk.store.database import Store
from jydesk.store.models import Attachment, OutboxEntry
from jydesk.store.unit_of_work import SERVER_ACTOR
from sync.client.errors import RequestRefused
from sync.client.transport import Transport
from sync.protocol.models import UploadStart, UploadStatus

CHUNK = 256 * 1024
SLOW_CHUNK = 32 * 1024
DOWNLOAD_BUDGET = 100 * 1024 * 1024
SLOW_DOWNLOAD_BUDGET = 10 * 1024 * 1024


@dataclass
class UploadSummary:
    uploaded: int = 0
    bytes_sent: int = 0
    missing: list[str] = field(default_factory=list)


def due(store: Store) -> list[tuple[str, str, int, str]]:
    """(attachment id, sha256, size, mime) of blobs to upload, oldest first."""
    with store.read() as s:
        waiting = {rid for (rid,) in s.execute(select(OutboxEntry.record_id).where(OutboxEntry.entity == "attachment"))}
        rows = s.execute(select(Attachment.id, Attachment.sha256, Attachment.size, Attachment.mime).where(
            Attachment.uploaded.is_(False), Attachment.deleted.is_(False), Attachment.server_revision > 0)
            .order_by(Attachment.id)).all()
    return [(r.id, r.sha256, r.size, r.mime or "application/octet-stream") for r in rows if r.id not in waiting]


def upload_one(transport: Transport, store: Store, sha256: str, size: int, mime: str) -> int:
    """Upload one blob (resuming); return the bytes sent. Raises FileNotFoundError if it is gone."""
    path = blob_path(store.attachments_dir, sha256)
    if not path.exists():
        raise FileNotFoundError(path)
    status = UploadStatus.model_validate(transport.json("POST", "/attachments",
                                                        UploadStart(sha256=sha256, size=size, mime=mime)))
    sent = 0
    restarted = False
    content = read_blob(path, store.key)  # decrypted in memory only
    while not status.complete:
        start = status.received
        chunk = content[start:start + (SLOW_CHUNK if transport.slow else CHUNK)]
        try:
            answer = transport.send("PUT", f"/attachments/{sha256}", content=chunk,
                                    params={"offset": status.received},
                                    headers={"Content-Type": "application/octet-stream"})
        except RequestRefused as exc:
            if exc.code in ("offset_mismatch", "hash_mismatch") and not restarted:
                restarted = exc.code == "hash_mismatch"
                status = UploadStatus.model_validate(transport.json("GET", f"/attachments/{sha256}"))
                continue
            raise
        sent += len(chunk)
        status = UploadStatus.model_validate(answer.json())
    return sent


def upload_due(transport: Transport, store: Store, progress: Callable[[int, int], None] | None = None) -> UploadSummary:
    summary = UploadSummary()
    todo = due(store)
    for i, (att_id, sha256, size, mime) in enumerate(todo):
        try:
            summary.bytes_sent += upload_one(transport, store, sha256, size, mime)
        except (FileNotFoundError, DecryptError):  # gone, or damaged on this disk
            summary.missing.append(att_id)
            continue
        with store.write(SERVER_ACTOR, origin="server") as w:
            obj = w.session.get(Attachment, att_id)
            if obj is not None:
                obj.uploaded = True
        summary.uploaded += 1
        if progress:
            progress(i + 1, len(todo))
    return summary


@dataclass
class DownloadSummary:
    downloaded: int = 0
    bytes_received: int = 0
    waiting: int = 0  # not on the server yet, or left for the next run
    damaged: int = 0  # the server's bytes did not match the hash (not kept)


def to_download(store: Store) -> list[tuple[str, int]]:
    """(sha256, size) of files named by attachment records from the server that this device
    does not have, newest record first."""
    with store.read() as s:
        rows = s.execute(select(Attachment.sha256, Attachment.size).where(
            Attachment.uploaded.is_(True), Attachment.deleted.is_(False)).order_by(Attachment.id.desc())).all()
    todo: dict[str, int] = {}
    for sha256, size in rows:
        if sha256 not in todo and not blob_path(store.attachments_dir, sha256).exists():
            todo[sha256] = size or 0
    return list(todo.items())


def download_due(transport: Transport, store: Store, progress: Callable[[int, int], None] | None = None
                 ) -> DownloadSummary:
    summary = DownloadSummary()
    todo = to_download(store)
    budget = SLOW_DOWNLOAD_BUDGET if transport.slow else DOWNLOAD_BUDGET
    for i, (sha256, size) in enumerate(todo):
        if summary.bytes_received and summary.bytes_received + size > budget:
            summary.waiting += len(todo) - i
            break
        try:
            response = transport.send("GET", f"/attachments/{sha256}/content", headers={"Accept": "*/*"})
        except RequestRefused as exc:
            if exc.status not in (404, 409):  # 404: not uploaded yet (or not this village's); 409: incomplete
                raise
            summary.waiting += 1
            continue
        summary.bytes_received += len(response.content)
        try:
            save_downloaded(store.attachments_dir, sha256, response.content, store.key)
        except ValueError:
            summary.damaged += 1
            continue
        summary.downloaded += 1
        if progress:
            progress(i + 1, len(todo))
    return summary
