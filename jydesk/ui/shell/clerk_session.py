"""The clerk's session in the main window (a mixin of ``MainWindow``): unsaved input and drafts,
the inactivity lock, and switching to another clerk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from jydesk.store.actor import Actor
from jydesk.ui.shell.docking import WindowParts
from jydesk.ui.shell.panel_base import Panel
from jydesk.ui.widgets import ask

if TYPE_CHECKING:
    from jydesk.store.registry import DraftInfo


class ClerkSession(WindowParts):
    """``locked`` while the overlay asks for the password; drafts keep input across a lock,
    a clerk switch or a crash."""

    _floating_hidden: list[QWidget]

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
        from jydesk.store.audit.events import try_record_event

        try_record_event(self.ctx.store, self.ctx.actor, "lock", "锁定窗口")
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
        from jydesk.ui.shell.login_dialog import LoginDialog

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
            from jydesk.store.audit.events import try_record_event

            try_record_event(self.ctx.store, actor, "switch_user", f"由 {self.ctx.actor.name} 切换为 {actor.name}")
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
