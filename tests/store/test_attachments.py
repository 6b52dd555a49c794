"""Photos stored by content hash: downscaled, upright, without metadata, thumbnails, stored once."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from jydesk.domain.entities import Entity
from jydesk.domain.errors import ValidationError
from jydesk.store import Actor, Store
from jydesk.store.attachments import MAX_SIDE, THUMB_SIDE, attach, attachments_of, read_blob, store_photo
from jydesk.store.models import Attachment, AuditEntry, OutboxEntry
from tests.keys import TEST_KEY


def _photo(path: Path, size: tuple[int, int], *, orientation: int | None = None, mode: str = "RGB") -> Path:
    image = Image.new(mode, size, (30, 160, 90) if mode == "RGB" else (30, 160, 90, 128))
    # a marker in the top-left corner to check rotation
    for x in range(40):
        for y in range(20):
            image.putpixel((x, y), (255, 0, 0) if mode == "RGB" else (255, 0, 0, 255))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    image.save(path, exif=exif) if path.suffix == ".jpg" else image.save(path)
    return path


def test_large_photo_is_downscaled_and_named_by_its_hash(tmp_path: Path) -> None:
    src = _photo(tmp_path / "big.jpg", (4000, 3000))
    out = store_photo(tmp_path / "att", src, TEST_KEY)
    data = read_blob(out.path, TEST_KEY)
    assert data not in out.path.read_bytes() and not out.path.read_bytes().startswith(b"\xff\xd8")  # sealed on disk
    assert out.sha256 == hashlib.sha256(data).hexdigest() and out.size == len(data)
    assert out.path == tmp_path / "att" / out.sha256[:2] / f"{out.sha256}.jpg"
    with Image.open(io.BytesIO(read_blob(out.path, TEST_KEY))) as im:
        assert im.size == (MAX_SIDE, 1200) and im.format == "JPEG"
        assert not im.getexif()  # no camera metadata (or GPS) kept
    with Image.open(io.BytesIO(read_blob(out.thumbnail, TEST_KEY))) as th:
        assert max(th.size) == THUMB_SIDE


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    src = _photo(tmp_path / "rotated.jpg", (300, 200), orientation=6)  # camera held upright
    out = store_photo(tmp_path / "att", src, TEST_KEY)
    with Image.open(io.BytesIO(read_blob(out.path, TEST_KEY))) as im:
        assert im.size == (200, 300)


def test_transparent_png_gets_a_white_background(tmp_path: Path) -> None:
    src = _photo(tmp_path / "scan.png", (100, 100), mode="RGBA")
    out = store_photo(tmp_path / "att", src, TEST_KEY)
    with Image.open(io.BytesIO(read_blob(out.path, TEST_KEY))) as im:
        assert im.mode == "RGB"


def test_same_picture_is_stored_once(tmp_path: Path) -> None:
    a = _photo(tmp_path / "a.png", (800, 600))
    b = tmp_path / "b.png"
    b.write_bytes(a.read_bytes())
    first, second = store_photo(tmp_path / "att", a, TEST_KEY), store_photo(tmp_path / "att", b, TEST_KEY)
    assert first.sha256 == second.sha256 and first.path == second.path
    assert len(list((tmp_path / "att").rglob("*.jpg"))) == 2  # the photo and its thumbnail


@pytest.mark.parametrize("content", [b"not an image at all", b""])
def test_non_images_are_refused_in_chinese(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(content)
    with pytest.raises(ValidationError) as err:
        store_photo(tmp_path / "att", bad, TEST_KEY)
    assert err.value.errors[0].field == "photos" and "notes.jpg" in err.value.message
    with pytest.raises(ValidationError, match="找不到照片文件"):
        store_photo(tmp_path / "att", tmp_path / "missing.jpg", TEST_KEY)


def test_attach_writes_one_row_through_the_unit_of_work(store: Store, clerk: Actor, tmp_path: Path) -> None:
    photo = store_photo(store.attachments_dir, _photo(tmp_path / "p.png", (640, 480)), store.key)
    with store.write(clerk) as w:
        attach(w, Entity.VISIT, "visit-1", photo, caption="厨房燃气灶")
        attach(w, Entity.VISIT, "visit-1", photo)  # the same picture again: nothing added
    with store.read() as s:
        rows = s.execute(select(Attachment)).scalars().all()
        audited = s.execute(select(AuditEntry).where(AuditEntry.entity == "attachment")).scalars().all()
        queued = s.execute(select(OutboxEntry).where(OutboxEntry.entity == "attachment")).scalars().all()
        infos = attachments_of(s, store.attachments_dir, Entity.VISIT, "visit-1")
    assert len(rows) == len(audited) == len(queued) == 1
    assert queued[0].fields["sha256"] == photo.sha256 and queued[0].fields["mime"] == "image/jpeg"
    assert [(i.caption, i.available, i.filename) for i in infos] == [("厨房燃气灶", True, "p.png")]


def test_a_stored_photo_is_sealed_and_refused_under_another_key_or_when_damaged(tmp_path: Path) -> None:
    from jydesk.store.crypto import DataKey, DecryptError

    out = store_photo(tmp_path / "att", _photo(tmp_path / "p.png", (300, 200)), TEST_KEY)
    with pytest.raises(DecryptError):
        read_blob(out.path, DataKey.generate())
    raw = bytearray(out.path.read_bytes())
    raw[len(raw) // 2] ^= 1
    out.path.write_bytes(bytes(raw))
    with pytest.raises(DecryptError):
        read_blob(out.path, TEST_KEY)
    if os.name == "posix":
        assert out.thumbnail.stat().st_mode & 0o777 == 0o600
        assert out.path.parent.stat().st_mode & 0o777 == 0o700
