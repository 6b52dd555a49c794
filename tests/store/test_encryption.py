"""Encryption at rest: key slots follow the accounts, the recovery key, wrong keys, and the
upgrade of a plain (pre-encryption) data folder, crash-safe at every step."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from jydesk.store.accounts import add_user, change_password, create_user, reset_password, set_active
from jydesk.store.connection import PLAIN_MAGIC, WrongKeyError, check_header, is_plain_sqlite
from jydesk.store.crypto import DataKey
from jydesk.store.database import DB_FILENAME
from jydesk.store.keyslots import KeySlots, parse_recovery
from jydesk.store.unlock import LoginRefused, create_installation, folder_state, login, unlock_key
from tests.keys import TEST_KEY, keyed


def test_slots_follow_the_accounts(store, data_dir: Path) -> None:
    admin = create_user(store, "zhangsan", "张三", "admin-pass-1", role="admin")
    assert unlock_key(data_dir, "zhangsan", "admin-pass-1") == TEST_KEY
    clerk = add_user(store, admin, "lisi", "李四", "clerk-pass-1")
    assert unlock_key(data_dir, "lisi", "clerk-pass-1") == TEST_KEY
    change_password(store, clerk, clerk.id, "clerk-pass-1", "clerk-pass-2")
    with pytest.raises(LoginRefused, match="用户名或密码错误"):
        unlock_key(data_dir, "lisi", "clerk-pass-1")
    assert unlock_key(data_dir, "lisi", "clerk-pass-2") == TEST_KEY
    reset_password(store, admin, clerk.id, "clerk-pass-3")
    assert unlock_key(data_dir, "lisi", "clerk-pass-3") == TEST_KEY
    set_active(store, admin, clerk.id, False)
    assert not KeySlots.for_data_dir(data_dir).has("lisi")
    with pytest.raises(LoginRefused):
        unlock_key(data_dir, "lisi", "clerk-pass-3")
    if os.name == "posix":
        assert (data_dir / "keyslots.json").stat().st_mode & 0o777 == 0o600


def test_a_new_installation_opens_with_the_password_or_the_recovery_key(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    assert folder_state(folder) == "new"
    made = create_installation(folder)
    create_user(made.store, "wangli", "王丽", "wangli-2024", role="admin")
    key = made.store.key
    made.store.close()
    assert folder_state(folder) == "locked" and not is_plain_sqlite(folder / DB_FILENAME)
    assert parse_recovery(made.recovery_key.lower().replace("-", " ")) is not None
    assert KeySlots.for_data_dir(folder).unlock_recovery(made.recovery_key) == key
    assert KeySlots.for_data_dir(folder).unlock_recovery("AAAA-" * 11 + "AAAA") is None
    store, actor = login(folder, "wangli", "wangli-2024")
    assert actor.name == "王丽" and store.key == key
    store.close()
    with pytest.raises(WrongKeyError, match="密码错误或不是本机"):
        check_header(folder / DB_FILENAME, DataKey.generate())
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(folder / DB_FILENAME).execute("SELECT * FROM sqlite_master").fetchall()


# ---- the upgrade of a plain installation ----

def _plain_folder(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """A data folder as the previous version left it: a plain SQLite file (demo data, WAL mode,
    a clerk's argon2 hash) and a plain backup."""
    from jydesk.store.demo import generate
    from jydesk.store.encrypt_upgrade import _counts
    from tests.keys import db_connect

    made = tmp_path / "made"
    store = keyed(made)
    generate(store, 8, 4)
    store.close()
    folder = tmp_path / "old"
    folder.mkdir()
    src = db_connect(made / DB_FILENAME)
    src.execute(f"ATTACH DATABASE '{folder / DB_FILENAME}' AS plain KEY ''")
    src.execute("SELECT sqlcipher_export('plain')")
    src.execute("DETACH DATABASE plain")
    src.close()
    plain = sqlite3.connect(folder / DB_FILENAME)
    plain.execute("PRAGMA journal_mode=WAL")
    counts = _counts(plain)
    (folder / "backups").mkdir()
    plain.execute(f"VACUUM INTO '{folder / 'backups' / 'jydesk-20260101-080000-daily.sqlite3'}'")
    plain.close()
    assert (folder / DB_FILENAME).read_bytes().startswith(PLAIN_MAGIC)
    return folder, counts


def test_a_plain_folder_is_encrypted_and_every_clerk_keeps_their_password(tmp_path: Path) -> None:
    from jydesk.store.encrypt_upgrade import _counts, encrypt_plain_folder
    from tests.keys import db_connect

    folder, counts = _plain_folder(tmp_path)
    assert folder_state(folder) == "plain"
    with pytest.raises(LoginRefused, match="尚未加密"):
        unlock_key(folder, "demo", "jydesk-demo")
    steps: list[int] = []
    result = encrypt_plain_folder(folder, lambda percent, _text: steps.append(percent))
    assert steps[0] < steps[-1] == 100
    assert folder_state(folder) == "locked"
    for path in [folder / DB_FILENAME, *(folder / "backups").glob("*.sqlite3")]:
        assert not is_plain_sqlite(path), path
        with db_connect(path, result.key) as conn:
            assert _counts(conn) == counts
    assert sorted(p.name for p in folder.iterdir()) == ["backups", DB_FILENAME, "keyslots.json"]
    assert unlock_key(folder, "demo", "jydesk-demo") == result.key  # the old password, via its stored hash
    assert KeySlots.for_data_dir(folder).unlock_recovery(result.recovery_key) == result.key
    store, _actor = login(folder, "demo", "jydesk-demo")
    assert store.village() is not None
    store.close()


@pytest.mark.parametrize("crash_at", ["export", "link", "rename", "shred"])
def test_an_upgrade_cut_short_leaves_one_whole_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        crash_at: str) -> None:
    """A crash (simulated by an exception at each step) leaves the plain file or the encrypted one
    whole; the next start finishes the job (or starts it again) and no plain copy is left over."""
    from jydesk.store import encrypt_upgrade, private_files

    folder, counts = _plain_folder(tmp_path)

    class Crash(BaseException):
        pass

    def crash(*_a: object, **_k: object) -> None:
        raise Crash

    if crash_at == "export":
        real_export = encrypt_upgrade.export_encrypted

        def export_then_crash(source: Path, target: Path, key: DataKey) -> dict[str, int]:
            real_export(source, target, key)
            raise Crash

        monkeypatch.setattr(encrypt_upgrade, "export_encrypted", export_then_crash)
    elif crash_at == "link":  # the plain blocks are linked, the encrypted file not yet renamed
        real_link = os.link

        def link_then_crash(src: object, dst: object) -> None:
            real_link(src, dst)  # type: ignore[arg-type]
            raise Crash

        monkeypatch.setattr(os, "link", link_then_crash)
    elif crash_at == "rename":
        monkeypatch.setattr(encrypt_upgrade, "fsync_dir", crash)
    else:
        monkeypatch.setattr(encrypt_upgrade, "shred", crash)
    with pytest.raises(Crash):
        encrypt_upgrade.encrypt_plain_folder(folder)
    monkeypatch.undo()
    assert private_files.shred is encrypt_upgrade.shred
    db = folder / DB_FILENAME
    if crash_at in ("export", "link"):
        assert is_plain_sqlite(db) and folder_state(folder) == "plain"  # untouched: the old version still opens it
        with sqlite3.connect(db) as conn:
            assert encrypt_upgrade._counts(conn) == counts
        result = encrypt_upgrade.encrypt_plain_folder(folder)
    else:
        assert not is_plain_sqlite(db)
        assert folder_state(folder) == "locked"  # finishes the interrupted step
        result = None
    assert not any(p.name.endswith((".plain-old", ".encrypting")) for p in folder.iterdir())
    key = unlock_key(folder, "demo", "jydesk-demo")
    assert result is None or key == result.key
    store = keyed(folder, key=key)
    with store.sql() as conn:
        assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == counts["persons"]
    store.close()


def test_the_command_line_encrypts_a_plain_folder_on_first_use(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from jydesk.cli import main

    folder, _counts = _plain_folder(tmp_path)
    assert main(["--data-dir", str(folder), "search", "张", "--json"]) == 0
    err = capsys.readouterr().err
    assert "已加密" in err and "恢复密钥" in err
    assert not is_plain_sqlite(folder / DB_FILENAME)
