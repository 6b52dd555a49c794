"""The sync UI with a real server on loopback: 同步 panel, 冲突 panel, enrollment dialog,
background sync in a worker, rejected changes, USB export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from jydesk.store.installation import set_up_village
from jydesk.store.models import Person
from jydesk.ui.shell.context import AppContext
from jydesk.ui.sync.conflicts_panel import ConflictsPanel
from jydesk.ui.sync.enroll_dialog import EnrollDialog
from jydesk.ui.sync.service import OFFLINE, SYNCED, service_for
from jydesk.ui.sync.status_panel import SyncPanel
from sync.server.app import create_app
from sync.server.config import Settings
from sync.server.db import Database
from sync.server.devices import issue_code
from tests.keys import keyed
from tests.sync.client_helpers import CLERK, Device, id_number, new_device
from tests.sync.conftest import GENEROUS, LiveServer, ServerEnv


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    folder = tmp_path_factory.mktemp("sync-ui-server")
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    settings = Settings(database_url=url, data_dir=folder, limits=GENEROUS)
    db = Database(url)
    db.migrate()
    with LiveServer(create_app(settings, db)) as server:
        yield ServerEnv("sqlite", settings, db, server.url)
    db.dispose()


@pytest.fixture
def app_device(live: ServerEnv, tmp_path: Path, qtbot) -> Iterator[tuple[Device, AppContext]]:
    device = new_device(live, tmp_path / "app", live.new_village())
    ctx = AppContext(device.store, CLERK)
    yield device, ctx
    service_for(ctx).stop()
    ctx.workers.wait(10000)
    device.close()


def _settled(qtbot, panel: SyncPanel) -> None:
    """Wait for the panel's background refresh (counts, log, rejected list) to be on screen."""
    qtbot.wait(10)
    qtbot.waitUntil(lambda: not panel._refreshing and not panel._refresh_again, timeout=10000)


def _sync_and_wait(qtbot, panel: SyncPanel) -> None:
    service = panel.service
    qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    assert service.running
    qtbot.waitUntil(lambda: not service.running, timeout=20000)
    _settled(qtbot, panel)


def test_panel_syncs_in_the_background_and_shows_the_log(app_device, qtbot) -> None:
    device, ctx = app_device
    states: list[str] = []
    ctx.hub.sync_state_changed.connect(states.append)
    panel = SyncPanel(ctx)
    qtbot.addWidget(panel)
    service = panel.service
    service.stop()
    pid = device.add_person(name="界面测试")
    ctx.hub.outbox_changed.emit()
    _settled(qtbot, panel)
    assert "待同步 1 条记录" in panel.waiting_label.text()
    _sync_and_wait(qtbot, panel)
    assert service.state == SYNCED and panel.state_label.text() == "已同步"
    assert states[-2:] == ["同步中", "已同步"]
    assert "待同步 0 条记录" in panel.waiting_label.text()
    assert "尚未同步" not in panel.last_label.text()
    assert any("同步完成" in panel.log.item(i).text() for i in range(panel.log.count()))
    assert panel.progress.value() == panel.progress.maximum()
    assert device.get(Person, pid).server_revision == 1
    # the timer starts runs by itself
    device.add_person(name="定时同步")
    service.timer.setInterval(50)
    service.timer.start()
    qtbot.waitUntil(lambda: service.running, timeout=5000)
    qtbot.waitUntil(lambda: not service.running and device.outbox_count() == 0, timeout=20000)
    service.stop()


def test_unreachable_server_shows_offline(app_device, qtbot) -> None:
    device, ctx = app_device
    from sync.client import state

    state.write(device.store, **{state.SERVER_URL: "http://127.0.0.1:9"})
    panel = SyncPanel(ctx)
    qtbot.addWidget(panel)
    panel.service.stop()
    failures: list[str] = []
    panel.service.failed.connect(failures.append)
    _sync_and_wait(qtbot, panel)
    assert panel.service.state == OFFLINE
    assert failures and "无法连接" in failures[0]
    assert "无法连接" in panel.stage_label.text()


def test_conflict_panel_side_by_side_and_resolution(app_device, live: ServerEnv, tmp_path: Path, qtbot) -> None:
    device, ctx = app_device
    other = new_device(live, tmp_path / "other", device.village)
    panel = SyncPanel(ctx)
    conflicts = ConflictsPanel(ctx)
    qtbot.addWidget(panel), qtbot.addWidget(conflicts)
    panel.service.stop()
    pid = device.add_person(name="冲突测试", phone="13800000011")
    _sync_and_wait(qtbot, panel)
    other.sync()
    other.edit(Person, pid, phone="13800000022")
    other.sync()
    device.edit(Person, pid, phone="13800000033")
    _sync_and_wait(qtbot, panel)
    assert conflicts.table.rowCount() == 1
    assert conflicts.table.item(0, 1).text() == "联系电话"
    assert conflicts.local_box.toPlainText() == "13800000033"
    assert conflicts.server_box.toPlainText() == "13800000022"
    assert "冲突 1 处" in panel.waiting_label.text()
    qtbot.mouseClick(conflicts.keep_local, Qt.MouseButton.LeftButton)
    assert conflicts.table.rowCount() == 0 and conflicts.empty.isVisibleTo(conflicts)
    _sync_and_wait(qtbot, panel)
    other.sync()
    assert other.get(Person, pid).phone == device.get(Person, pid).phone == "13800000033"
    other.close()


def test_rejected_change_listed_edited_and_resent(app_device, live: ServerEnv, tmp_path: Path, qtbot) -> None:
    device, ctx = app_device
    other = new_device(live, tmp_path / "other", device.village)
    number = id_number()
    other.add_person(name="重复登记", id_number=number)
    other.sync()
    device.add_person(name="重复登记", id_number=number)
    panel = SyncPanel(ctx)
    qtbot.addWidget(panel)
    panel.service.stop()
    _sync_and_wait(qtbot, panel)
    assert panel.rejected.rowCount() == 1
    assert "身份证号" in panel.rejected.item(0, 1).text()
    assert panel.tabs.tabText(1) == "被退回（1）"
    assert panel.resend_rejected({"id_number": id_number()})
    _settled(qtbot, panel)
    assert panel.rejected.rowCount() == 0
    _sync_and_wait(qtbot, panel)
    assert panel.rejected.rowCount() == 0 and device.outbox_count() == 0
    other.close()


def test_export_bundle_from_the_panel(app_device, tmp_path: Path, qtbot) -> None:
    device, ctx = app_device
    panel = SyncPanel(ctx)
    qtbot.addWidget(panel)
    panel.service.stop()
    device.add_person(name="U盘")
    target = tmp_path / "usb" / "bundle.jybundle"
    panel.export_to(str(target))
    qtbot.waitUntil(lambda: "已导出同步包" in panel.stage_label.text(), timeout=10000)
    assert target.read_bytes().startswith(b"JYDESK-BUNDLE/1\n")


def test_enroll_dialog(live: ServerEnv, tmp_path: Path, qtbot) -> None:
    store = keyed(tmp_path / "fresh")
    village = live.new_village()
    set_up_village(store, village, "登记村")
    ctx = AppContext(store, CLERK)
    dialog = EnrollDialog(ctx)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "请填写服务器地址"
    dialog.server.setText(live.url)
    dialog.code.setText("WRON-GCOD-EXXX")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "登记码不正确" in dialog.message.text(), timeout=10000)
    dialog.code.setText(issue_code(live.db, village).code)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.result_enrollment.village_code == village
    ctx.workers.wait(5000)
    store.close()


def test_badges_for_a_page_of_records(app_device, live: ServerEnv, tmp_path: Path) -> None:
    from sqlalchemy import select

    from jydesk.store.sync_status import Badge, badge_filter, badges

    device, _ctx = app_device
    synced = device.add_person(name="已同步者")
    device.sync()
    waiting = device.add_person(name="待同步者")
    with device.store.write(CLERK) as w:
        w.add(Person(id=synced[:-4] + "0000", name="占位", id_number=id_number()))  # a local-only record
    with device.store.sql() as db:
        got = badges(db, "person", [synced, waiting])
        assert got == {synced: Badge.SYNCED, waiting: Badge.WAITING}
    with device.store.read() as s:
        names = set(s.execute(select(Person.name).where(badge_filter(Person, Badge.WAITING))).scalars())
        assert names == {"待同步者", "占位"}
        assert set(s.execute(select(Person.name).where(badge_filter(Person, "已同步"))).scalars()) == {"已同步者"}


def test_list_badges_and_filter_in_windowed_listing(app_device, qtbot) -> None:
    from jydesk.store.listings import PersonListing
    from jydesk.ui.registry.columns import SYNC_COLUMN
    from jydesk.ui.registry.windowed_model import WindowedTableModel
    from jydesk.ui.sync.badges import badged_listing, filtered_listing

    device, _ctx = app_device
    synced = device.add_person(name="甲已同步")
    device.sync()
    device.add_person(name="乙待同步")
    listing = badged_listing(PersonListing)(device.store)
    model = WindowedTableModel([SYNC_COLUMN], workers=None)
    model.set_listing(listing)
    texts = {model.data(model.index(r, 0)) for r in range(model.rowCount())}
    assert texts == {"已同步", "待同步"}
    listing.prepare()
    assert listing.prepared and listing.count() == 2
    waiting = filtered_listing(PersonListing, "待同步")(device.store)
    assert [r.name for r in waiting.page(0, 50)] == ["乙待同步"] and waiting.count() == 1
    done = filtered_listing(PersonListing, "已同步")(device.store)
    done.prepare()
    assert [r.id for r in done.page(0, 50)] == [synced]


def test_record_list_shows_badges_and_filters_by_them(app_device, qtbot) -> None:
    from jydesk.ui.registry.list_panel import RecordListPanel

    device, ctx = app_device
    hid = device.add_household(address="徽章测试1号")
    synced = device.add_person(hid, name="徽章甲")
    device.sync()
    device.add_household(address="徽章测试2号")
    device.add_person(hid, name="徽章乙")
    panel = RecordListPanel(ctx)
    qtbot.addWidget(panel)
    model = panel.model
    badge_col = model.columnCount() - 1
    assert model.headerData(badge_col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "同步"
    shown = {model.row_object(r).address: model.data(model.index(r, badge_col)) for r in range(model.rowCount())}
    assert shown == {"徽章测试1号": "已同步", "徽章测试2号": "待同步"}
    panel.sync_filter.setCurrentText("待同步")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5000)
    assert panel.model.row_object(0).address == "徽章测试2号"
    panel.sync_filter.setCurrentText("已同步")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and panel.model.row_object(0).id == hid, timeout=5000)
    panel.set_mode("people")
    panel.search.setText("徽章")
    panel.run_search()
    assert [panel.model.row_object(r).id for r in range(panel.model.rowCount())] == [synced]
    ctx.workers.wait(5000)
