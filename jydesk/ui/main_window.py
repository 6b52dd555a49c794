"""The main window: qtads docks built from ``panels.PANELS``, menus, status bar, lock, clerk switch.

Build it without a login (tests, benchmarks)::

    window = MainWindow(store, actor, username="demo")
    window.show()

Per-clerk state lives in ``user_settings``: ``dock_layout`` (qtads state), ``dock_panels``
(which panels that state knew, so panels added by a later version still appear) and
``window_geometry``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import PySide6QtAds as ads
from PySide6.QtCore import QByteArray, QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QWidget,
)

from jydesk.domain.regions import town_by_code
from jydesk.store import quick_reads
from jydesk.store.actor import Actor
from jydesk.store.database import Store
from jydesk.ui.context import AppContext
from jydesk.ui.dialogs import ask
from jydesk.ui.editors.fields import set_flag
from jydesk.ui.lock import IdleWatcher, LockOverlay
from jydesk.ui.panels import PANELS, Panel

if TYPE_CHECKING:
    from jydesk.store.registry import DraftInfo

log = logging.getLogger(__name__)

LAYOUT_KEY = "dock_layout"
LAYOUT_PANELS_KEY = "dock_panels"
GEOMETRY_KEY = "window_geometry"
AREAS = {
    "left": ads.DockWidgetArea.LeftDockWidgetArea,
    "right": ads.DockWidgetArea.RightDockWidgetArea,
    "center": ads.DockWidgetArea.CenterDockWidgetArea,
    "top": ads.DockWidgetArea.TopDockWidgetArea,
    "bottom": ads.DockWidgetArea.BottomDockWidgetArea,
}
AREA_ORDER = ("left", "center", "right", "top", "bottom")
OFFLINE = "离线"


def village_caption(store: Store) -> str:
    """简阳市 射洪坝街道 安象街社区（510185002001）."""
    village = store.village()
    if village is None:
        return "未设置村(社区)"
    town = town_by_code(village.town_code)
    return f"简阳市 {town.name if town else ''} {village.name}（{village.code}）"


def _configure_ads() -> None:
    M = ads.CDockManager
    M.setConfigFlag(M.eConfigFlag.OpaqueSplitterResize, True)
    M.setConfigFlag(M.eConfigFlag.FocusHighlighting, True)
    M.setConfigFlag(M.eConfigFlag.AllTabsHaveCloseButton, False)
    M.setConfigFlag(M.eConfigFlag.DockAreaHasCloseButton, True)
    M.setConfigFlag(M.eConfigFlag.DockAreaHasUndockButton, True)
    M.setConfigFlag(M.eConfigFlag.DockAreaHasTabsMenuButton, True)
    M.setConfigFlag(M.eConfigFlag.DockAreaDynamicTabsMenuButtonVisibility, True)
    M.setConfigFlag(M.eConfigFlag.EqualSplitOnInsertion, False)
    M.setConfigFlag(M.eConfigFlag.XmlCompressionEnabled, True)


class MainWindow(QMainWindow):
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

        _configure_ads()
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

    # ---- panels and layout ----

    def _build_panels(self, classes: Sequence[type[Panel]]) -> None:
        """Default layout: columns left | center | right (each area's panels tabbed together),
        then full-width top/bottom rows; ``tab_with`` puts a panel beside a named one.

        Docks are made for every panel, but a panel itself is built when its dock is first
        shown, when it is asked for (``panel()``, navigation, drafts), or in the background
        after the first paint: the window paints with only the panels the clerk sees."""
        columns: dict[str, ads.CDockAreaWidget] = {}
        ordered = sorted(classes, key=lambda c: AREA_ORDER.index(c.area))
        for cls in ordered:
            self.panel_classes[cls.panel_id] = cls
            dock = ads.CDockWidget(self.dock_manager, cls.title)
            dock.setObjectName(cls.panel_id)  # the key qtads uses in saved layouts
            dock.setWidget(QWidget())  # replaced by the panel when it is built
            dock.setFeature(ads.CDockWidget.DockWidgetFeature.DockWidgetDeleteOnClose, False)
            dock.setMinimumSizeHintMode(ads.CDockWidget.eMinimumSizeHintMode.MinimumSizeHintFromDockWidget)
            dock.toggleViewAction().setText(cls.title)
            target = self.docks.get(cls.tab_with or "")
            if target is not None and target.dockAreaWidget() is not None:
                self.dock_manager.addDockWidgetTabToArea(dock, target.dockAreaWidget())
            elif cls.area in columns:
                self.dock_manager.addDockWidgetTabToArea(dock, columns[cls.area])
            else:
                side = {"left": "left", "top": "top", "bottom": "bottom"}.get(cls.area, "right")
                columns[cls.area] = self.dock_manager.addDockWidget(AREAS[side], dock)
            self.docks[cls.panel_id] = dock
        for area_widget in columns.values():
            area_widget.setCurrentIndex(0)
        weights = {columns[a]: max(c.stretch for c in ordered if c.area == a) for a in columns}
        self._apply_stretch(weights)
        for cls in ordered:
            if not cls.visible_by_default:
                self.docks[cls.panel_id].toggleView(False)

    def _build_shown_panels(self) -> None:
        """Build the panels the current layout shows; the others follow when first shown."""
        for panel_id, dock in self.docks.items():
            if panel_id not in self.panels and not dock.isClosed() and dock.isCurrentTab():
                self.ensure_panel(panel_id)
            if panel_id not in self.panels:
                dock.visibilityChanged.connect(self._dock_shown)

    def _dock_shown(self, visible: bool) -> None:
        dock = self.sender()
        if visible and isinstance(dock, ads.CDockWidget):
            self.ensure_panel(dock.objectName())

    def ensure_panel(self, panel_id: str) -> Panel:
        """The panel ``panel_id``, built now if it was not yet (its ``start()`` runs too when
        the window has started)."""
        panel = self.panels.get(panel_id)
        if panel is not None:
            return panel
        cls = self.panel_classes[panel_id]
        started = time.perf_counter()
        panel = cls(self.ctx)
        self.build_ms[panel_id] = (time.perf_counter() - started) * 1000
        self.panels[panel_id] = panel
        dock = self.docks[panel_id]
        placeholder = dock.takeWidget()
        dock.setWidget(panel)
        if placeholder is not None:
            placeholder.deleteLater()
        panel.raise_requested.connect(lambda d=dock: self._raise_dock(d))
        if panel_id == "navigation" and hasattr(panel, "set_entries"):
            panel.set_entries([e for c in self.panel_classes.values() for e in c.nav_entries])
        if self._started:
            self._start_panel(panel_id, panel)
        return panel

    def _build_next_panel(self) -> None:
        """Build the remaining panels one per event-loop turn, so the window stays responsive."""
        missing = [pid for pid in self.panel_classes if pid not in self.panels]
        if not missing or self._closing:
            return
        self.ensure_panel(missing[0])
        if len(missing) > 1:
            QTimer.singleShot(0, self, self._build_next_panel)

    def _apply_stretch(self, weights: dict[ads.CDockAreaWidget, int]) -> None:
        """Share the width of the columns' splitter by the panels' ``stretch`` weights."""
        if not weights:
            return
        splitter = next(iter(weights)).parentWidget()
        if not isinstance(splitter, QSplitter) or splitter.orientation() != Qt.Orientation.Horizontal:
            return
        per: list[int] = []
        for i in range(splitter.count()):
            widget = splitter.widget(i)
            per.append(max((w for area, w in weights.items() if widget is area or widget.isAncestorOf(area)),
                           default=1))
        unit = max(self.width(), 1200) / sum(per)
        splitter.setSizes([int(w * unit) for w in per])

    def panel(self, panel_id: str) -> Panel:
        return self.ensure_panel(panel_id)

    def apply_clerk_layout(self) -> None:
        """Restore the logged-in clerk's saved layout (else the default)."""
        store, uid = self.ctx.store, self.ctx.actor.id
        geometry = quick_reads.get_bytes_setting(store, uid, GEOMETRY_KEY)
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        state = quick_reads.get_bytes_setting(store, uid, LAYOUT_KEY)
        if not state:
            if self._layout_changed:  # another clerk's layout is showing
                self.reset_layout()
            return
        if not self.dock_manager.restoreState(QByteArray(state)):
            self.reset_layout()
            return
        self._layout_changed = True
        known = set((quick_reads.get_setting(store, uid, LAYOUT_PANELS_KEY) or "").split(","))
        for panel_id, dock in self.docks.items():
            if panel_id not in known and self.panel_classes[panel_id].visible_by_default:
                dock.toggleView(True)  # a panel newer than the saved layout

    def save_layout(self) -> None:
        from jydesk.store import registry

        store, actor = self.ctx.store, self.ctx.actor
        try:
            registry.set_bytes_setting(store, actor, LAYOUT_KEY, bytes(self.dock_manager.saveState().data()))
            registry.set_setting(store, actor, LAYOUT_PANELS_KEY, ",".join(self.docks))
            registry.set_bytes_setting(store, actor, GEOMETRY_KEY, bytes(self.saveGeometry().data()))
        except Exception:
            log.exception("保存窗口布局失败")

    def reset_layout(self) -> None:
        self._layout_changed = False
        self.dock_manager.restoreState(self._default_state)
        for panel_id, dock in self.docks.items():
            dock.toggleView(self.panel_classes[panel_id].visible_by_default)

    def _raise_dock(self, dock: ads.CDockWidget) -> None:
        if dock.isClosed():
            dock.toggleView(True)
        dock.setAsCurrentTab()

    def _navigate(self, key: str) -> None:
        for panel_id, cls in self.panel_classes.items():
            if any(e.key == key for e in cls.nav_entries):
                panel = self.ensure_panel(panel_id)
                self._raise_dock(self.docks[panel_id])
                panel.show_entry(key)
                return

    # ---- actions, menus, toolbar ----

    def _action(self, text: str, slot, shortcut: QKeySequence | str | QKeySequence.StandardKey | None = None, *,
                tip: str = "", icon: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip}（{QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)}）"
                              if shortcut else tip)
        if icon is not None:
            from jydesk.ui.icons import icon as make_icon

            action.setIcon(make_icon(icon))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        hub = self.ctx.hub
        self.act_new = self._action("新建户", lambda: hub.new_record.emit("household"), "Ctrl+N",
                                    tip="登记一户新家庭", icon="new-household")
        self.act_save = self._action("保存", self.save_current, QKeySequence.StandardKey.Save,
                                     tip="保存当前修改", icon="save")
        self.act_find = self._action("查找", self.focus_search, QKeySequence.StandardKey.Find,
                                     tip="搜索居民或家庭户", icon="search")
        self.act_lock = self._action("锁定", self.lock, "Ctrl+L", tip="立即锁定窗口", icon="lock")
        self.act_switch = self._action("切换专干…", self.switch_clerk, tip="换另一位专干登录")
        self.act_quit = self._action("退出", self.close, "Ctrl+Q", tip="退出程序")
        self.act_reset = self._action("恢复默认布局", self.reset_layout, tip="把各面板放回默认位置")
        self.act_lock_minutes = self._action("自动锁定时间…", self.ask_lock_minutes, tip="设置闲置多久后自动锁定")
        self.act_about = self._action("关于 jydesk", self.about)
        self.act_accounts = self._action("专干账号…", self.manage_accounts, tip="新增专干、重置密码、停用账号（管理员）")
        self.act_change_password = self._action("修改密码…", self.change_password, tip="修改当前专干自己的登录密码")
        self.act_add_member = self._action("添加成员", self._add_member, "Ctrl+M", tip="在当前户添加一名成员",
                                           icon="person-add")
        self.act_discard = self._action("放弃修改", self._discard_current, tip="放弃当前户尚未保存的修改")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        file_menu.addActions([self.act_new, self.act_save])
        file_menu.addSeparator()
        file_menu.addActions([self.act_lock, self.act_switch])
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu("编辑(&E)")
        edit_menu.addActions([self.act_find, self.act_add_member, self.act_discard])
        self.view_menu = bar.addMenu("视图(&V)")
        for panel_id, dock in self.docks.items():
            action = dock.toggleViewAction()
            action.setObjectName(f"toggle-{panel_id}")
            self.view_menu.addAction(action)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.act_reset)
        tools = bar.addMenu("工具(&T)")
        tools.addAction(self.act_lock_minutes)
        tools.addSeparator()
        tools.addActions([self.act_accounts, self.act_change_password])
        self._update_account_actions()
        help_menu = bar.addMenu("帮助(&H)")
        help_menu.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        bar = QToolBar("常用")
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(20, 20))
        bar.addActions([self.act_new, self.act_add_member, self.act_save])
        bar.addSeparator()
        bar.addAction(self.act_find)
        bar.addSeparator()
        bar.addAction(self.act_lock)
        self.addToolBar(bar)
        self.toolbar = bar

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

    # ---- commands ----

    def _focused_panel(self) -> Panel | None:
        focus = QApplication.focusWidget()
        for panel in self.panels.values():
            if focus is not None and (panel is focus or panel.isAncestorOf(focus)):
                return panel
        return None

    def save_current(self) -> bool:
        """Ctrl+S: save the focused panel's input, else every panel with unsaved input."""
        if self.locked:
            return False
        focused = self._focused_panel()
        if focused is not None and focused.has_unsaved_changes():
            return focused.save()
        ok = True
        for panel in self.panels.values():
            if panel.has_unsaved_changes():
                ok = panel.save() and ok
        return ok

    def focus_search(self) -> None:
        if self.locked:
            return
        for panel_id, cls in self.panel_classes.items():
            if cls.focus_search is not Panel.focus_search:
                self._raise_dock(self.docks[panel_id])
                if self.ensure_panel(panel_id).focus_search():
                    return

    def _detail(self) -> Panel | None:
        return self.panels.get("detail")

    def _add_member(self) -> None:
        detail = self._detail()
        editor = getattr(detail, "_editor", None)
        if editor is not None and detail is not None and detail.stack.currentWidget() is editor:  # type: ignore[attr-defined]
            editor.add_member()

    def _discard_current(self) -> None:
        detail = self._detail()
        if detail is not None and detail.has_unsaved_changes():
            detail.editor.ask_discard()  # type: ignore[attr-defined]

    def ask_lock_minutes(self) -> None:
        from jydesk.store import registry

        low, high = registry.LOCK_MINUTES_RANGE
        minutes, ok = QInputDialog.getInt(self, "自动锁定时间", "闲置多少分钟后自动锁定窗口：",
                                          self.lock_minutes, low, high, 1)
        if not ok:
            return
        registry.set_lock_minutes(self.ctx.store, self.ctx.actor, minutes)
        self.lock_minutes = minutes
        self.idle.set_timeout(minutes * 60_000)
        self.statusBar().showMessage(f"已设置：闲置 {minutes} 分钟后自动锁定", 5000)

    def _update_account_actions(self) -> None:
        """专干账号… only for administrators; everyone may change their own password."""
        self.act_accounts.setVisible(quick_reads.is_admin(self.ctx.store, self.ctx.actor.id))

    def manage_accounts(self) -> None:
        from jydesk.store.accounts import is_admin
        from jydesk.ui.accounts_dialog import AccountsDialog

        if self.locked:
            return
        if not is_admin(self.ctx.store, self.ctx.actor.id):
            self.statusBar().showMessage("只有管理员可以管理专干账号", 5000)
            self._update_account_actions()
            return
        dialog = AccountsDialog(self.ctx.store, self.ctx.actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exec()

    def change_password(self) -> None:
        from jydesk.ui.accounts_dialog import ChangePasswordDialog

        if self.locked:
            return
        dialog = ChangePasswordDialog(self.ctx.store, self.ctx.actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if dialog.exec() == ChangePasswordDialog.DialogCode.Accepted:
            self.statusBar().showMessage("密码已修改，下次登录和解锁请使用新密码", 5000)

    def about(self) -> None:
        QMessageBox.about(self, "关于 jydesk",
                          "<b>简阳市民政专干业务系统（jydesk）</b><br>"
                          "村(社区)民政专干离线业务桌面端：家庭户与人员登记、救助申请、探访记录、表格打印，"
                          "并分批同步到市级平台。")

    # ---- unsaved input ----

    def unsaved_panels(self) -> list[Panel]:
        return [p for p in self.panels.values() if p.has_unsaved_changes()]

    def confirm_unsaved(self, action: str) -> bool:
        """Ask about unsaved input before closing/switching. True to go on."""
        pending = self.unsaved_panels()
        if not pending:
            return True
        names = "\n".join(f"· {p.title}：{p.unsaved_summary()}" for p in pending)
        answer = ask.save_discard_cancel(self, f"以下内容尚未保存：\n{names}\n\n{action}前是否保存？")
        if answer == "save":
            return all(p.save() for p in pending)
        if answer == "discard":
            for p in pending:
                p.discard_changes()
            return True
        return False

    def save_drafts(self) -> None:
        for panel in self.panels.values():
            if panel.has_unsaved_changes():
                panel.save_draft()

    def pending_drafts(self) -> list[DraftInfo]:
        from jydesk.store import registry

        return registry.list_drafts(self.ctx.store, self.ctx.actor.id)

    def restore_latest_draft(self) -> bool:
        """Reopen the clerk's most recent draft in the panel that owns its kind."""
        drafts = self.pending_drafts()
        if not drafts:
            return False
        draft = drafts[-1]
        for panel_id in self.panel_classes:
            if self.ensure_panel(panel_id).restore_draft(draft.kind, draft.id, draft.payload):
                self._raise_dock(self.docks[panel_id])
                return True
        return False

    def offer_drafts(self) -> None:
        """After login: offer to restore input left unsaved by a crash or a power cut."""
        drafts = self.pending_drafts()
        if not drafts:
            return
        latest = drafts[-1]
        when = latest.updated_at.strftime("%Y-%m-%d %H:%M") if latest.updated_at else ""
        answer = ask.choose(
            self, "恢复未保存的录入",
            f"发现 {len(drafts)} 份上次未保存的录入内容（最近一份：{when}）。\n是否恢复最近一份继续编辑？",
            (("restore", "恢复", ask.Role.AcceptRole), ("drop", "丢弃", ask.Role.DestructiveRole),
             ("later", "稍后", ask.Role.RejectRole)), default="restore")
        if answer == "restore":
            self.restore_latest_draft()
        elif answer == "drop":
            from jydesk.store import registry

            for draft in drafts:
                registry.discard_draft(self.ctx.store, self.ctx.actor, draft.id)

    # ---- lock and clerk switch ----

    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        self.idle.pause()
        self.save_drafts()
        self.save_layout()
        modal = QApplication.activeModalWidget()
        if modal is not None and hasattr(modal, "reject"):
            modal.reject()  # e.g. a box showing a full ID number must not stay on screen
        self._floating_hidden = [w for w in self.dock_manager.floatingWidgets() if w.isVisible()]
        for widget in self._floating_hidden:
            widget.hide()
        self._set_interactive(False)
        self.overlay.show_for(f"{self.ctx.actor.name}（{self.ctx.username}）" if self.ctx.username
                              else self.ctx.actor.name, self.lock_minutes)
        self.ctx.hub.locked_changed.emit(True)

    def _set_interactive(self, enabled: bool) -> None:
        self.dock_manager.setEnabled(enabled)
        self.menuBar().setEnabled(enabled)
        self.toolbar.setEnabled(enabled)
        for action in self.actions():
            action.setEnabled(enabled)

    def try_unlock(self, password: str) -> bool:
        from jydesk.store.accounts import authenticate

        result = authenticate(self.ctx.store, self.ctx.username, password)
        if not result.ok or result.actor is None or result.actor.id != self.ctx.actor.id:
            self.overlay.show_error(result.message or "用户名或密码错误", result.wait_seconds)
            return False
        self.unlock()
        return True

    def unlock(self) -> None:
        self.overlay.hide()
        self._set_interactive(True)
        for widget in self._floating_hidden:
            widget.show()
        self._floating_hidden = []
        self.locked = False
        self.idle.resume()
        self.ctx.hub.locked_changed.emit(False)

    def switch_clerk(self) -> bool:
        """Log another clerk in (from the menu, or from the lock screen). True if someone logged in."""
        from jydesk.ui.dialogs.login import LoginDialog

        if not self.locked and not self.confirm_unsaved("切换专干"):
            return False
        self.save_drafts()
        self.save_layout()
        dialog = LoginDialog(self.ctx.store, self, village=self.village_label.text(), purpose="切换专干")
        self.idle.pause()
        accepted = dialog.exec() == LoginDialog.DialogCode.Accepted and dialog.actor is not None
        if not accepted:
            if not self.locked:
                self.idle.resume()
            return False
        self.set_clerk(dialog.actor, dialog.username)  # type: ignore[arg-type]
        return True

    def set_clerk(self, actor: Actor, username: str) -> None:
        """Make ``actor`` the logged-in clerk: their layout, their drafts, their name on every write."""
        same = actor.id == self.ctx.actor.id
        if not same:
            for panel in self.panels.values():
                panel.clear_for_other_clerk()
        self.ctx.actor, self.ctx.username = actor, username
        if self.locked:
            self.unlock()
        else:
            self.idle.resume()
        if not same:
            self.apply_clerk_layout()
            self._update_titles()
            for panel in self.panels.values():
                panel.on_actor_changed()
            self.ctx.hub.actor_changed.emit()
            QTimer.singleShot(0, self, self.offer_drafts)

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

    def _start_panel(self, panel_id: str, panel: Panel) -> None:
        try:
            panel.start()
        except Exception:
            log.exception("面板 %s 启动失败", panel_id)

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
