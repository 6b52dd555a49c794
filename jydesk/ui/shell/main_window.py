"""The main window: qtads docks of the registered panels (``panels.PANELS``), menus, status bar,
lock, clerk switch.

Its parts are mixins beside it: ``docking`` (docks, panels built when first shown, per-clerk
layouts), ``window_actions`` (actions, menus, toolbar, commands) and ``clerk_session``
(unsaved input, drafts, lock, clerk switch). This module adds the status bar and the start of
the panels after the first paint.

Build it without a login (tests, benchmarks)::

    window = MainWindow(store, actor, username="demo")
    window.show()
"""

from __future__ import annotations

from collections.abc import Sequence

import PySide6QtAds as ads
from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

from jydesk.domain.regions import town_by_code
from jydesk.store import quick_reads
from jydesk.store.actor import Actor
from jydesk.store.database import Store
from jydesk.ui.shell.clerk_session import ClerkSession
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.docking import DockLayout, configure_ads
from jydesk.ui.shell.lock import IdleWatcher, LockOverlay
from jydesk.ui.shell.panel_base import Panel
from jydesk.ui.shell.panels import PANELS
from jydesk.ui.shell.window_actions import WindowActions
from jydesk.ui.widgets.fields import set_flag

OFFLINE = "离线"


def village_caption(store: Store) -> str:
    """简阳市 射洪坝街道 安象街社区（510185002001）."""
    village = store.village()
    if village is None:
        return "未设置村(社区)"
    town = town_by_code(village.town_code)
    return f"简阳市 {town.name if town else ''} {village.name}（{village.code}）"


class MainWindow(DockLayout, WindowActions, ClerkSession, QMainWindow):
    """The clerk's workplace. ``panels`` maps panel id -> Panel (those built so far),
    ``docks`` panel id -> CDockWidget. ``ready`` fires once the ORM is loaded and the panels
    have started (about half a second after the first paint)."""

    ready = Signal()

    def __init__(self, store: Store, actor: Actor, *, username: str = "",
                 panel_classes: Sequence[type[Panel]] | None = None, lock_minutes: int | None = None) -> None:
        super().__init__()
        if not username:
            found = quick_reads.user_display(store, actor.id)
            username = found[0] if found else ""
        self.ctx = AppContext(store=store, actor=actor, username=username)
        self.ctx.hub.setParent(self)
        self.ctx.workers.setParent(self)
        self.setObjectName("mainWindow")
        self.setMinimumSize(960, 600)
        screen = QApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        # 1440x900 by default; village PCs often have 1366x768 screens: then nearly all of it.
        self.resize(min(1440, int(area.width() * 0.96)) if area else 1440,
                    min(900, int(area.height() * 0.94)) if area else 900)
        self.locked = False
        self._started = False  # panels' start() hooks have run
        self._start_scheduled = False
        self._warming = False  # the ORM is being loaded after the first paint
        self._closing = False
        self._floating_hidden: list[QWidget] = []

        configure_ads()
        self.dock_manager = ads.CDockManager(self)
        self.panels: dict[str, Panel] = {}  # the panels built so far (see ensure_panel)
        self.panel_classes: dict[str, type[Panel]] = {}
        self.build_ms: dict[str, float] = {}  # panel id -> construction time (benchmarks report it)
        self.docks: dict[str, ads.CDockWidget] = {}
        self._build_panels(panel_classes if panel_classes is not None else PANELS)
        self._default_state = self.dock_manager.saveState()
        self._layout_changed = False  # True once a saved layout was applied (restoring is slow: skip if not)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.overlay = LockOverlay(self)
        self.overlay.unlock_requested.connect(self.try_unlock)
        self.overlay.switch_requested.connect(self.switch_clerk)

        minutes = lock_minutes if lock_minutes is not None else quick_reads.lock_minutes(store)
        self.lock_minutes = minutes
        self.idle = IdleWatcher(minutes * 60_000, self)
        self.idle.idle.connect(self.lock)

        hub = self.ctx.hub
        hub.navigate.connect(self._navigate)
        hub.outbox_changed.connect(self.refresh_outbox)
        hub.sync_state_changed.connect(self.set_sync_state)
        hub.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        hub.actor_changed.connect(self._update_account_actions)
        self.apply_clerk_layout()
        self._build_shown_panels()
        self._update_titles()

    # ---- status bar ----

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.village_label = QLabel()
        self.clerk_label = QLabel()
        self.sync_label = QLabel(OFFLINE)
        self.sync_label.setObjectName("syncState")
        self.sync_label.setProperty("offline", True)
        self.sync_label.setToolTip("与市级平台的连接状态")
        self.outbox_label = QLabel()
        self.outbox_label.setObjectName("outboxCount")
        self.outbox_label.setToolTip("本机已保存、尚未同步到市级平台的修改")
        for label in (self.village_label, self.clerk_label, self.sync_label, self.outbox_label):
            label.setContentsMargins(10, 0, 10, 0)
            bar.addPermanentWidget(label)
        self.refresh_outbox()

    def _update_titles(self) -> None:
        info = self.ctx.store.village()
        self.village_label.setText(village_caption(self.ctx.store))
        village = info.name if info is not None else "未设置村(社区)"
        self.clerk_label.setText(f"专干：{self.ctx.actor.name}")
        self.setWindowTitle(f"简阳市民政专干业务系统 — {village} — {self.ctx.actor.name}")

    # ---- status bar slots ----

    def refresh_outbox(self) -> None:
        count = quick_reads.pending_changes(self.ctx.store)
        self.outbox_label.setText(f"待同步 {count:,} 条")
        self.outbox_count = count

    def set_sync_state(self, text: str) -> None:
        """Online/offline text (the sync engineer calls this or emits ``hub.sync_state_changed``)."""
        self.sync_label.setText(text)
        set_flag(self.sync_label, "offline", text == OFFLINE)

    # ---- first show ----

    # Panels' ``start()`` (data loading) runs once the window has been painted, so the clerk sees
    # the window first. A window that is never painted (e.g. shown minimised) starts them anyway
    # after START_FALLBACK_MS.
    START_FALLBACK_MS = 1500

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if not self._started and not self._start_scheduled:
            self._start_scheduled = True
            QTimer.singleShot(self.START_FALLBACK_MS, self, self._start_panels)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint and self._start_scheduled and not self._started:
            QTimer.singleShot(0, self, self._start_panels)  # after this paint pass has finished
        return handled

    def _start_panels(self) -> None:
        """After the first paint: load the ORM in a worker, then start the built panels and
        build the others."""
        if self._started or self._warming:
            return
        self._warming = True
        job = self.ctx.workers.submit(self.ctx.store.warm_up)
        job.signals.finished.connect(self._warmed)

    def _warmed(self) -> None:
        """The ORM is loaded (or failed to: the panels then report their own errors)."""
        if self._started:
            return
        self._started = True
        for panel_id, panel in list(self.panels.items()):
            self._start_panel(panel_id, panel)
        QTimer.singleShot(0, self, self._build_next_panel)
        self.ready.emit()

    # ---- closing ----

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.locked:
            event.ignore()
            return
        if not self.confirm_unsaved("退出"):
            event.ignore()
            return
        self._closing = True
        self.save_layout()
        self.idle.stop()
        self.ctx.workers.wait(5000)
        event.accept()
        super().closeEvent(event)
