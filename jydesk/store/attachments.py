"""Photos and scans attached to visits and cases, stored in the data folder by content hash.

A photo is re-encoded once on the way in: turned upright (EXIF orientation), downscaled so its
longer side is at most :data:`MAX_SIDE` px, saved as JPEG without metadata (no GPS position of
an old person's home leaves the device), plus a small thumbnail. The stored JPEG's sha256 names
the file ``<data_dir>/attachments/<sha[:2]>/<sha>.jpg`` (thumbnail ``<sha>.thumb.jpg``), so the
same picture is kept once however often it is attached, and the server can check the upload.

Files are written before the database row (write-then-rename, idempotent); if the transaction
that links them fails, the file stays as an unreferenced blob, never a row without its file.

On disk every blob and thumbnail is sealed with AES-256-GCM under the installation's data key
(``jydesk.store.crypto``: per-file random nonce, a header with a version byte); the name keeps
the plain JPEG's sha256 (what the server checks). :func:`read_blob` decrypts in memory; no
plain copy is ever written. Files are 0600, folders 0700.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain.entities import Entity
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.store.crypto import DataKey, decrypt_bytes, encrypt_bytes
from jydesk.store.models import Attachment
from jydesk.store.unit_of_work import Writer

MAX_SIDE = 1600
THUMB_SIDE = 240
JPEG_QUALITY = 85
MAX_INPUT_BYTES = 60 * 1024 * 1024
MIME = "image/jpeg"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """A photo kept in the data folder."""

    sha256: str
    size: int
    path: Path
    thumbnail: Path
    filename: str  # the original file name, for the clerk


def blob_path(attachments_dir: Path, sha256: str) -> Path:
    return attachments_dir / sha256[:2] / f"{sha256}.jpg"


def thumbnail_path(attachments_dir: Path, sha256: str) -> Path:
    return attachments_dir / sha256[:2] / f"{sha256}.thumb.jpg"


def _encode(image: Image.Image, side: int) -> bytes:
    picture = image.copy()
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def read_blob(path: Path, key: DataKey) -> bytes:
    """The plain content of a stored blob or thumbnail, decrypted in memory
    (``jydesk.store.crypto.DecryptError`` if it is damaged or another installation's)."""
    return decrypt_bytes(key, Path(path).read_bytes())


def _write_atomic(path: Path, data: bytes, key: DataKey) -> None:
    from jydesk.store.private_files import private_dir

    private_dir(path.parent.parent)
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(encrypt_bytes(key, data))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _open_image(source: Path) -> Image.Image:
    label = source.name
    try:
        size = source.stat().st_size
    except OSError:
        raise ValidationError(FieldError("photos", f"找不到照片文件“{label}”", "missing")) from None
    if size > MAX_INPUT_BYTES:
        raise ValidationError(FieldError("photos", f"照片“{label}”超过{MAX_INPUT_BYTES // 1024 // 1024}MB，无法添加"))
    try:
        with Image.open(source) as raw:
            raw.load()
            image = ImageOps.exif_transpose(raw)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(FieldError("photos", f"文件“{label}”不是可识别的图片（支持 JPG、PNG 等格式）")) from None
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    return image


def store_photo(attachments_dir: Path, source: Path | str, key: DataKey) -> StoredPhoto:
    """Downscale ``source`` into the attachment folder, encrypted (once per content); return where it is."""
    source = Path(source)
    image = _open_image(source)
    data = _encode(image, MAX_SIDE)
    sha = hashlib.sha256(data).hexdigest()
    path, thumb = blob_path(attachments_dir, sha), thumbnail_path(attachments_dir, sha)
    if not path.exists():
        _write_atomic(path, data, key)
    if not thumb.exists():
        _write_atomic(thumb, _encode(image, THUMB_SIDE), key)
    return StoredPhoto(sha, len(data), path, thumb, source.name)


def save_downloaded(attachments_dir: Path, sha256: str, data: bytes, key: DataKey) -> Path:
    """Keep a file fetched from the server under its hash, with a thumbnail if it is a
    picture; ValueError if ``data`` is not the file ``sha256`` names (nothing is written)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("sha256 mismatch")
    path, thumb = blob_path(attachments_dir, sha256), thumbnail_path(attachments_dir, sha256)
    _write_atomic(path, data, key)
    if not thumb.exists():
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                _write_atomic(thumb, _encode(image.convert("RGB"), THUMB_SIDE), key)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            pass  # not a picture this version can read: kept, shown without a thumbnail
    return path


def attach(writer: Writer, owner: Entity, owner_id: str, photo: StoredPhoto, caption: str | None = None) -> Attachment:
    """Link a stored photo to a record (one Attachment row through the unit of work).

    Attaching the same picture twice to the same record adds nothing.
    """
    existing = writer.session.execute(select(Attachment).where(
        Attachment.owner_entity == owner.value, Attachment.owner_id == owner_id,
        Attachment.sha256 == photo.sha256, Attachment.deleted.is_(False))).scalar()
    if existing is not None:
        return existing
    return writer.add(Attachment(owner_entity=owner.value, owner_id=owner_id, sha256=photo.sha256,
                                 size=photo.size, mime=MIME, filename=photo.filename[:200],
                                 caption=(caption or "").strip()[:200] or None))


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    id: str
    sha256: str
    filename: str | None
    caption: str | None
    path: Path
    thumbnail: Path

    @property
    def available(self) -> bool:
        """False when the file is not on this device (e.g. a record synced from another one)."""
        return self.path.exists()


def attachments_of(session: Session, attachments_dir: Path, owner: Entity, owner_id: str) -> list[AttachmentInfo]:
    """The (not deleted) attachments of one record, oldest first."""
    rows = session.execute(select(Attachment).where(
        Attachment.owner_entity == owner.value, Attachment.owner_id == owner_id,
        Attachment.deleted.is_(False)).order_by(Attachment.id)).scalars().all()
    return [AttachmentInfo(a.id, a.sha256, a.filename, a.caption, blob_path(attachments_dir, a.sha256),
                           thumbnail_path(attachments_dir, a.sha256)) for a in rows]
