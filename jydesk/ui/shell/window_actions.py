"""The main window's commands (a mixin of ``MainWindow``): actions with their shortcuts, the
menus, the toolbar, and what the commands do (save, find, 添加成员, 自动锁定时间, accounts …)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QMessageBox, QToolBar

from jydesk.store import quick_reads
from jydesk.ui.shell.docking import WindowParts
from jydesk.ui.shell.panel_base import Panel


class WindowActions(WindowParts):
    """Actions (``act_*``), menus (``view_menu``: a toggle per dock) and ``toolbar``."""

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
            from jydesk.ui.shell.icons import icon as make_icon

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
        self.act_backup = self._action("备份…", self.backup_data, tip="把数据备份到自选的文件夹（如U盘）")
        self.act_restore = self._action("恢复…", self.restore_data, tip="用备份文件恢复数据（现有数据另行保留）")
        self.act_audit_log = self._action("操作日志…", self.open_audit_log, tip="查看、筛选、导出全部操作记录（管理员）")
        hub.show_history.connect(self.show_history)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        file_menu.addActions([self.act_new, self.act_save])
        file_menu.addSeparator()
        file_menu.addActions([self.act_backup, self.act_restore])
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
        tools.addAction(self.act_audit_log)
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
        admin = quick_reads.is_admin(self.ctx.store, self.ctx.actor.id)
        self.act_accounts.setVisible(admin)
        self.act_audit_log.setVisible(admin)

    def manage_accounts(self) -> None:
        from jydesk.store.accounts import is_admin
        from jydesk.ui.accounts.dialogs import AccountsDialog

        if self.locked:
            return
        if not is_admin(self.ctx.store, self.ctx.actor.id):
            self.statusBar().showMessage("只有管理员可以管理专干账号", 5000)
            self._update_account_actions()
            return
        dialog = AccountsDialog(self.ctx.store, self.ctx.actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exec()

    def open_audit_log(self) -> QDialog | None:
        """工具 → 操作日志… (administrators only)."""
        from jydesk.ui.audit.log_dialog import AuditLogDialog

        if self.locked:
            return None
        if not quick_reads.is_admin(self.ctx.store, self.ctx.actor.id):
            self.statusBar().showMessage("只有管理员可以查看操作日志", 5000)
            self._update_account_actions()
            return None
        dialog = AuditLogDialog(self.ctx.store, self.ctx.actor, self.ctx.workers, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_history(self, entity: str, record_id: str, title: str = "") -> QDialog | None:
        """修改记录 of one record (from a list's or an editor's menu)."""
        from jydesk.ui.audit.history_dialog import HistoryDialog

        if self.locked:
            return None
        if not record_id:
            self.statusBar().showMessage("没有可查看修改记录的记录（例如该人员还没有探访记录）", 5000)
            return None
        dialog = HistoryDialog(self.ctx.store, self.ctx.actor, entity, record_id, title, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def change_password(self) -> None:
        from jydesk.ui.accounts.dialogs import ChangePasswordDialog

        if self.locked:
            return
        dialog = ChangePasswordDialog(self.ctx.store, self.ctx.actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if dialog.exec() == ChangePasswordDialog.DialogCode.Accepted:
            self.statusBar().showMessage("密码已修改，下次登录和解锁请使用新密码", 5000)

    def backup_data(self) -> None:
        from jydesk.ui.backup.actions import backup_to_folder

        if not self.locked and (target := backup_to_folder(self, self.ctx.store)) is not None:
            from jydesk.store.audit.events import try_record_event

            try_record_event(self.ctx.store, self.ctx.actor, "backup", f"备份到 {target}")

    def restore_data(self) -> None:
        from jydesk.ui.backup.actions import restore_in_running_app

        if not self.locked:
            restore_in_running_app(self, self.ctx.store, any(p.has_unsaved_changes() for p in self.panels.values()),
                                   actor=self.ctx.actor)

    def about(self) -> None:
        box = self.about_box()
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.exec()

    def about_box(self) -> QMessageBox:
        """帮助 → 关于: what the program is, and the facts of ``jydesk.about`` (versions, server, 本机编号)."""
        from html import escape

        from jydesk.about import about_lines, gather

        rows = "".join(f"<tr><td>{escape(label)}</td><td>&nbsp;&nbsp;{escape(text)}</td></tr>"
                       for label, text in about_lines(gather(self.ctx.store)))
        box = QMessageBox(QMessageBox.Icon.NoIcon, "关于 jydesk",
                          "<b>简阳市民政专干业务系统（jydesk）</b><br>"
                          "村(社区)民政专干离线业务桌面端：家庭户与人员登记、救助申请、探访记录、表格打印，"
                          f"并分批同步到市级平台。<br><br><table>{rows}</table>",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("about")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # versions can be copied
        return box
