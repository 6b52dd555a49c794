"""文件 → 备份 / 恢复, the damaged-file offer at start, and the checks after start."""

from __future__ import annotations

from pathlib import Path

import pytest

from jydesk.store.backup import backup_to, list_backups, make_backup
from jydesk.store.database import DB_FILENAME
from jydesk.ui.backup import actions, checks
from jydesk.ui.shell.app import open_or_offer_backup
from tests.keys import TEST_KEY, db_connect


def _households(path: Path) -> int:
    with db_connect(path) as conn:
        return conn.execute("SELECT count(*) FROM households").fetchone()[0]


def test_file_menu_offers_backup_and_restore(main_window):
    file_menu = main_window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert "备份…" in texts and "恢复…" in texts


def test_backup_to_a_chosen_folder(main_window, demo_store, answers, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    answers.append("ok")
    target = actions.backup_to_folder(main_window, demo_store, usb)
    assert target is not None and target.parent == usb
    assert _households(target) == _households(demo_store.path)
    assert "已备份到" in answers.asked[-1]


def test_restore_in_the_running_app_keeps_the_replaced_database_and_closes(main_window, demo_store, answers,
                                                                            tmp_path, monkeypatch):
    saved = backup_to(demo_store.path, TEST_KEY, tmp_path / "b.sqlite3")
    with db_connect(demo_store.path) as conn:
        conn.execute("DELETE FROM household_search")  # a change after the backup (any table will do)
    exits: list[int] = []
    monkeypatch.setattr(actions, "QApplication", type("App", (), {"instance": staticmethod(
        lambda: type("A", (), {"exit": staticmethod(exits.append)})())}))
    answers.extend(["yes", "ok"])
    assert actions.restore_in_running_app(main_window, demo_store, False, saved)
    assert exits == [0]
    assert "程序现在关闭" in answers.asked[-1]
    kept = [b for b in list_backups(demo_store.data_dir) if b.kind == "before-restore"]
    assert len(kept) == 1
    with db_connect(kept[0].path) as conn:
        assert conn.execute("SELECT count(*) FROM household_search").fetchone() == (0,)
    with db_connect(demo_store.path) as conn:
        assert conn.execute("SELECT count(*) FROM household_search").fetchone()[0] > 0


def test_restore_is_refused_with_unsaved_input(main_window, demo_store, answers):
    answers.append("ok")
    assert not actions.restore_in_running_app(main_window, demo_store, True)
    assert "未保存" in answers.asked[-1]


def test_a_damaged_file_at_start_is_offered_the_newest_good_backup(app_styled, demo_dir, answers):
    path = demo_dir / DB_FILENAME
    make_backup(path, TEST_KEY)
    households = _households(path)
    damaged = path.read_bytes()[:4096]
    path.write_bytes(damaged)
    answers.extend(["newest", "yes"])
    store = open_or_offer_backup(demo_dir, TEST_KEY)
    assert store is not None
    try:
        assert "最近一份完好的备份" not in answers.asked[0]  # the informative text is separate
        assert str(path) in answers.asked[0]
        assert _households(path) == households
    finally:
        store.close()
    assert any(b.kind == "damaged" and b.path.read_bytes() == damaged for b in list_backups(demo_dir))


@pytest.mark.parametrize("damage", [b"", b"garbage" * 100])
def test_an_empty_or_foreign_file_without_backups_is_left_alone(app_styled, data_dir, answers, damage):
    path = data_dir / DB_FILENAME
    path.write_bytes(damage)
    answers.append("quit")
    assert open_or_offer_backup(data_dir, TEST_KEY) is None
    assert path.read_bytes() == damage
    assert "无法打开" in answers.asked[0]


def test_after_start_checks_then_makes_the_days_backup_once(demo_store):
    problems, made = checks.after_start(demo_store.path, demo_store.key)
    assert problems == [] and made is not None and made.kind == "daily"
    assert checks.after_start(demo_store.path, demo_store.key) == ([], None)


def test_problems_found_after_start_are_shown_with_the_newest_backup(main_window, demo_store, answers):
    good = make_backup(demo_store.path, TEST_KEY)
    answers.append("ok")
    checks._checked(main_window, demo_store, ["Page 7: btreeInitPage() returns error code 11"], None)
    assert "完整性检查发现问题" in answers.asked[-1] and str(good.path) in answers.asked[-1]
