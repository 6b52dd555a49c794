"""A stolen village PC reveals nobody (issue 17): after demo data, a sync with a real loopback
server, a visit photo, a draft, a backup and a print, no file under the data folder or the
platform's config/cache folders holds a 身份证号, name or phone number of the village or the
device secret; ``sqlite3`` cannot read the database; a wrong password opens nothing.

Printed PDFs are the clerk's explicit output and go where the clerk saves them (here outside the
data folder); the app's print preview holds the PDF in memory.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from jydesk.cli import main as jydesk_main
from jydesk.domain.entities import Entity
from jydesk.store import Actor, open_store
from jydesk.store.attachments import attach, store_photo
from jydesk.store.models import Visit
from jydesk.store.registry import save_draft
from sync.server.devices import issue_code
from tests.keys import folder_key


def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                     ("XDG_DATA_HOME", ".local/share"), ("XDG_STATE_HOME", ".local/state")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("JYDESK_DATA_DIR", raising=False)
    return home


def _secrets(store) -> tuple[list[bytes], int]:  # type: ignore[no-untyped-def]
    """Every 身份证号, name and phone of the village and the device secret, as bytes to look for."""
    needles: set[bytes] = set()
    people = 0
    with store.sql() as db:
        for name, id_number, phone in db.execute("SELECT name, id_number, phone FROM persons"):
            people += 1
            needles.add(name.encode("utf-8"))
            if len(name) >= 3:  # UTF-16 of a 2-character name is 4 bytes: random bytes would match it
                needles.update({name.encode("utf-16-le"), name.encode("utf-16-be")})
            needles.add(id_number.encode())
            if phone:
                needles.add(phone.encode())
        for (phone,) in db.execute("SELECT phone FROM households WHERE phone IS NOT NULL AND phone <> ''"):
            needles.add(phone.encode())
        (secret,) = db.execute("SELECT value FROM sync_state WHERE key = 'device_secret'").fetchone()
    assert secret
    needles.add(secret.encode())
    return sorted(needles), people


def test_a_stolen_laptop_reveals_nobody(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    if server.backend != "sqlite":
        pytest.skip("the device side is the same for every server backend")
    home = _private_home(tmp_path, monkeypatch)
    assert jydesk_main(["demo-data", "--households", "25", "--seed", "17"]) == 0
    from platformdirs import user_data_dir

    data = Path(user_data_dir("jydesk", appauthor=False))
    assert data.is_relative_to(home) and (data / "jydesk.sqlite3").exists()
    key = folder_key(data)
    store = open_store(data, key=key)
    code = issue_code(server.db, store.village_code()).code
    store.close()
    assert jydesk_main(["enroll", "--server", server.url, "--code", code]) == 0
    assert jydesk_main(["sync"]) == 0
    store = open_store(data, key=key)
    try:
        with store.read() as s:
            visit = s.execute(select(Visit).limit(1)).scalar_one()
        picture = tmp_path / "kitchen.png"
        Image.new("RGB", (320, 240), (200, 80, 40)).save(picture)
        photo = store_photo(store.attachments_dir, picture, key)
        clerk = Actor("clerk-stolen", "测试专干")
        with store.write(clerk) as w:
            attach(w, Entity.VISIT, visit.id, photo, "厨房")
        needles, people = _secrets(store)
        with store.sql() as db:
            name, id_number = db.execute("SELECT name, id_number FROM persons LIMIT 1").fetchone()
        save_draft(store, clerk, "person:new:stolen", "person", {"name": name, "id_number": id_number})
    finally:
        store.close()
    picture.unlink()
    assert jydesk_main(["sync"]) == 0  # the photo is uploaded too
    (data / "backups").mkdir(exist_ok=True)
    assert jydesk_main(["backup", "-o", str(data / "backups")]) == 0
    out = tmp_path / "prints" / "visit.pdf"
    out.parent.mkdir()
    assert jydesk_main(["print", "visit", "--visit", visit.id, "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    capsys.readouterr()

    files = [p for p in home.rglob("*") if p.is_file()]
    assert people > 50 and len(needles) > 3 * people // 2
    assert any(p.name == "jydesk.sqlite3" for p in files) and any(".jpg" in p.name for p in files)
    assert any(p.parent.name == "backups" for p in files)
    found = []
    for path in files:
        content = path.read_bytes()
        found += [f"{path.relative_to(home)}: {n!r}" for n in needles if n in content]
    assert not found, found[:10]
    # the stdlib cannot read the database or its backups
    for path in [data / "jydesk.sqlite3", *(data / "backups").glob("*.sqlite3")]:
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
    # a wrong password opens nothing (and writes nothing)
    before = {p: p.stat().st_mtime_ns for p in files}
    monkeypatch.setenv("JYDESK_PASSWORD", "not-the-password")
    assert jydesk_main(["search", "张"]) == 3
    assert "用户名或密码错误" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in files} == before
    if hasattr(Path, "owner"):  # POSIX: private files and folders
        assert all(p.stat().st_mode & 0o077 == 0 for p in files if p.is_relative_to(data)), \
            [(str(p), oct(p.stat().st_mode)) for p in files if p.is_relative_to(data) and p.stat().st_mode & 0o077]
        assert data.stat().st_mode & 0o777 == 0o700


def test_with_every_password_and_the_recovery_key_lost_a_new_installation_pulls_the_village_again(
        server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The path the set-up dialog and the README promise: the old data cannot be opened, but a
    newly enrolled installation (new data key, new first administrator) pulls what was synced."""
    if server.backend != "sqlite":
        pytest.skip("the device side is the same for every server backend")
    from tests.sync.client_helpers import new_device

    village = server.new_village()
    old = new_device(server, tmp_path / "old", village)
    for i in range(3):
        old.add_person(name=f"重装{i}号")
    old.sync()
    old.close()
    new = tmp_path / "new"
    code = issue_code(server.db, village).code
    assert jydesk_main(["--data-dir", str(new), "enroll", "--server", server.url, "--code", code,
                        "--village-name", "幸福村"]) == 0
    assert "恢复密钥" in capsys.readouterr().err
    assert jydesk_main(["--data-dir", str(new), "sync"]) == 0
    key = folder_key(new)
    assert key != folder_key(tmp_path / "old")  # its own data key
    store = open_store(new, key=key)
    try:
        with store.sql() as db:
            names = {n for (n,) in db.execute("SELECT name FROM persons")}
    finally:
        store.close()
    assert {f"重装{i}号" for i in range(3)} <= names
