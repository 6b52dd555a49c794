"""修改记录 and 操作日志 in the window: a person's history with labels and masked 身份证号 (shown
in full only after a reveal, which is itself logged), server changes under 市级平台 with the
reviewer, the log for administrators only, filters, export to .xlsx (audited), the chain check,
and locks / clerk switches / backups in the log."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from jydesk.store.accounts import create_user
from jydesk.store.audit import chain
from jydesk.store.database import DB_FILENAME
from jydesk.store.models import Case, Person
from jydesk.store.unit_of_work import SERVER_ACTOR
from tests.keys import db_connect, keyed
from tests.ui.conftest import DEMO_USERNAME, actor_for


def _entries(store, action: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with store.sql() as db:
        return db.execute("SELECT actor_name, entity, record_id, detail FROM audit_log WHERE action = ? ORDER BY id",
                          (action,)).fetchall()


def _texts(dialog) -> list[list[str]]:  # type: ignore[no-untyped-def]
    out = []
    tree = dialog.tree
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        out.append([item.text(c) for c in range(tree.columnCount())])
        for j in range(item.childCount()):
            out.append([item.child(j).text(c) for c in range(tree.columnCount())])
    return out


def test_person_history_masks_ids_until_revealed(qtbot, main_window, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    with demo_store.write(demo_actor) as w:
        person = w.session.execute(select(Person).order_by(Person.id).limit(1)).scalar_one()
        person.monthly_income = 1234
        number = person.id_number
    dialog = main_window.show_history("person", person.id, person.name)
    rows = _texts(dialog)
    flat = " ".join(" ".join(r) for r in rows)
    assert "1234" in flat
    assert any(r[2] == "新增" for r in rows) and any(r[2] == "修改" and r[4] == "月收入" for r in rows)
    assert number not in flat and number[:6] + "********" + number[-4:] in flat
    assert dialog.reveal_button.isVisible()
    before = len(_entries(demo_store, "reveal"))
    dialog.reveal()
    assert number in " ".join(" ".join(r) for r in _texts(dialog))
    reveals = _entries(demo_store, "reveal")
    assert len(reveals) == before + 1 and reveals[-1][1:3] == ("person", person.id)
    assert not dialog.reveal_button.isVisible()
    dialog.close()


def test_server_changes_show_the_city_platform_and_reviewer(qtbot, main_window, demo_store):  # type: ignore[no-untyped-def]
    with demo_store.read() as s:
        case = s.execute(select(Case).limit(1)).scalar_one()
    with demo_store.write(SERVER_ACTOR, origin="server") as w:
        w.session.get(Case, case.id).decided_by = "刘审核"
    main_window.ctx.hub.show_history.emit("case", case.id)  # as the 案件 list's menu does
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "" and
                  w.windowTitle().startswith("修改记录") and w.isVisible())
    rows = _texts(dialog)
    assert any(r[1] == "市级平台（刘审核）" and r[4] == "审批人" and r[6] == "刘审核" for r in rows)
    dialog.close()


def test_audit_log_is_for_administrators_and_filters(qtbot, main_window, demo_store):  # type: ignore[no-untyped-def]
    clerk = create_user(demo_store, "wangwu", "王五", "wangwu-pass")
    main_window.set_clerk(clerk, "wangwu")
    assert not main_window.act_audit_log.isVisible()
    assert main_window.open_audit_log() is None and "只有管理员" in main_window.statusBar().currentMessage()
    switches = _entries(demo_store, "switch_user")
    assert switches and switches[-1][0] == "王五" and "切换为 王五" in switches[-1][3]
    main_window.set_clerk(actor_for(demo_store, DEMO_USERNAME), DEMO_USERNAME)
    assert main_window.act_audit_log.isVisible()
    dialog = main_window.open_audit_log()
    qtbot.waitUntil(lambda: dialog.model.exact, timeout=5000)
    total = dialog.model.rowCount()
    assert total > 100 and "共" in dialog.status.text()
    first = dialog.model.row_object(0)
    assert first.action == "switch_user"  # newest first
    dialog.kind.setCurrentIndex(dialog.kind.findData("登录"))
    dialog.search()
    qtbot.waitUntil(lambda: dialog.model.exact, timeout=5000)
    kinds = {dialog.model.row_object(i).action for i in range(dialog.model.rowCount())}
    assert kinds == {"switch_user"}
    dialog.clerk.setCurrentIndex(dialog.clerk.findData(clerk.id))
    dialog.kind.setCurrentIndex(0)
    dialog.search()
    qtbot.waitUntil(lambda: dialog.model.exact, timeout=5000)
    assert {dialog.model.row_object(i).actor_id for i in range(dialog.model.rowCount())} == {clerk.id}
    dialog.clerk.setCurrentIndex(0)
    dialog.kind.setCurrentIndex(dialog.kind.findData("新增"))
    dialog.search()
    history = dialog.open_history(0)  # double-click: that record's 修改记录
    assert history is not None and history.rows and history.rows[0].action == "create_user"  # 王五 (newest)
    history.close()
    dialog.close()


def test_export_is_an_xlsx_and_is_audited(qtbot, main_window, demo_store, tmp_path: Path):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    dialog = main_window.open_audit_log()
    dialog.kind.setCurrentIndex(dialog.kind.findData("新增"))
    target = tmp_path / "日志.xlsx"
    count = dialog.export(target)
    sheet = load_workbook(target, read_only=True)["操作日志"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "时间", "操作人") and len(rows) == count + 1 > 100
    assert all(r[3] == "新增" for r in rows[1:])
    assert not any(len(str(v or "")) >= 18 and str(v).isdigit() for r in rows for v in r)  # no full 身份证号
    exports = _entries(demo_store, "export")
    assert exports and f"{count} 条" in exports[-1][3] and str(target) in exports[-1][3]
    dialog.close()


def test_lock_and_backup_are_logged(qtbot, main_window, demo_store, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    main_window.lock()
    assert _entries(demo_store, "lock")[-1][3] == "锁定窗口"
    main_window.unlock()
    from jydesk.ui.backup import actions

    monkeypatch.setattr(actions, "tell", lambda *a, **k: None)
    monkeypatch.setattr(actions, "run_with_progress", lambda _p, _t, fn, *args: fn(*args))
    monkeypatch.setattr(actions.QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    main_window.backup_data()
    assert str(tmp_path) in _entries(demo_store, "backup")[-1][3]


def test_broken_chain_is_reported_at_start_and_by_the_log(qtbot, main_window, demo_store, demo_dir):  # type: ignore[no-untyped-def]

    from jydesk.ui.audit.checks import check_chain, start_chain_check

    assert check_chain(demo_store).ok
    conn = db_connect(demo_dir / DB_FILENAME)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 3")
    conn.commit()
    conn.close()
    start_chain_check(main_window, demo_store, main_window.ctx.workers)
    qtbot.waitUntil(lambda: any(w.objectName() == "auditChainBroken" for w in QApplication.topLevelWidgets()),
                    timeout=10000)
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "auditChainBroken")
    assert "第 4 条" in box.text() and "缺少第 3 条" in box.text()
    box.close()
    dialog = main_window.open_audit_log()
    assert "第 4 条" in dialog.verify()
    dialog.close()
    store = keyed(demo_dir)
    with store.sql() as db:
        assert chain.verify(db).broken.id == 4
    store.close()
