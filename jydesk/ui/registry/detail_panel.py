"""详情: the household editor panel (opens what the lists select; new household with Ctrl+N)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import EditorPanel

if TYPE_CHECKING:  # the editor and the registry service are loaded on first use
    from jydesk.store import registry
    from jydesk.ui.registry.household_editor import HouseholdEditor
else:
    registry = lazy_module("jydesk.store.registry")

log = logging.getLogger(__name__)

DRAFT_KIND = "household"


class DetailPanel(EditorPanel):
    panel_id = "detail"
    title = "详情"
    area = "right"
    stretch = 5

    placeholder_text = "在列表中选择一户或一人查看、修改；\n按 Ctrl+N 新建户。"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._editor: HouseholdEditor | None = None  # built on first use: ~100 widgets, not needed at start
        self._draft_key: str | None = None
        self._emitting = False

        ctx.hub.open_record.connect(self.open_record)
        ctx.hub.new_record.connect(self.new_record)
        ctx.hub.record_saved.connect(self._saved_elsewhere)

    @property
    def editor(self) -> HouseholdEditor:
        if self._editor is None:
            from jydesk.ui.registry.household_editor import HouseholdEditor

            editor = HouseholdEditor(self.ctx)
            self.stack.addWidget(editor)
            editor.saved.connect(self._after_save)
            editor.dirty_changed.connect(self._dirty_changed)
            editor.person.changed.connect(self.draft_timer.start)
            for key in ("address", "group_no", "phone", "note"):
                getattr(editor, key).textEdited.connect(lambda _t: self.draft_timer.start())
            self._editor = editor
        return self._editor

    # ---- opening ----

    def open_record(self, entity: str, record_id: str) -> None:
        if entity not in ("household", "person"):
            return
        person_id = record_id if entity == "person" else None
        household_id = record_id if entity == "household" else registry.household_of_person(self.ctx.store, record_id)
        if household_id is None:
            return
        if self._editor is not None and self.stack.currentWidget() is self._editor \
                and self._editor.household_id == household_id:
            if person_id:
                index = next((i for i, m in enumerate(self.editor.form().members) if m.id == person_id), -1)
                if index >= 0:
                    self.editor.select_member(index)
            self.bring_to_front()
            return
        if not self.confirm_leave():
            return
        try:
            self.editor.open_household(household_id, person_id)
        except LookupError as exc:
            QMessageBox.warning(self, "打开户信息", str(exc))
            return
        self._draft_key = None
        self.stack.setCurrentWidget(self.editor)
        self.bring_to_front()

    def new_record(self, entity: str) -> None:
        if entity != "household" or not self.confirm_leave():
            return
        self.editor.new_household()
        self._draft_key = None
        self.stack.setCurrentWidget(self.editor)
        self.bring_to_front()
        self.editor.address.setFocus()

    def confirm_leave(self, question: str | None = None) -> bool:
        return super().confirm_leave(question or "当前户有尚未保存的修改，是否保存？")

    # ---- Panel hooks ----

    def has_unsaved_changes(self) -> bool:
        return self._editor is not None and self._editor.is_dirty()

    def unsaved_summary(self) -> str:
        return self.editor.heading.text()

    def save(self) -> bool:
        if not self.has_unsaved_changes():
            return True
        return self.editor.save()

    def discard_changes(self) -> None:
        self.draft_timer.stop()
        if self._editor is None:
            return
        self._drop_draft()
        self._editor.discard()

    def clear_for_other_clerk(self) -> None:
        self.draft_timer.stop()
        self._draft_key = None
        if self._editor is not None:
            self._editor.load(registry.HouseholdForm())
        self.stack.setCurrentWidget(self.placeholder)

    def current_draft_key(self) -> str:
        key = self.editor.household_id or self.editor.new_key or "new"
        return registry.draft_id(self.ctx.actor.id, DRAFT_KIND, key)

    def save_draft(self) -> None:
        self.draft_timer.stop()
        if not self.has_unsaved_changes():
            return
        key = self.current_draft_key()
        payload = {"form": self.editor.form().to_payload(), "member": self.editor.current_member,
                   "revealed": sorted(self.editor.revealed), "new_key": self.editor.new_key}
        try:
            registry.save_draft(self.ctx.store, self.ctx.actor, key, DRAFT_KIND, payload)
        except Exception:
            log.exception("保存草稿失败")
            return
        self._draft_key = key

    def restore_draft(self, kind: str, key: str, payload: dict) -> bool:
        if kind != DRAFT_KIND:
            return False
        form = registry.HouseholdForm.from_payload(payload.get("form", {}))
        baseline: registry.HouseholdForm | None = None
        if form.id:
            try:
                baseline = registry.load_household(self.ctx.store, form.id)
            except LookupError:
                form.id = None  # deleted meanwhile: keep the input as a new household
        if baseline is None:
            baseline = registry.HouseholdForm(members=[])
        self.editor.load(form, baseline=baseline, member=int(payload.get("member") or 0),
                         revealed=set(payload.get("revealed") or ()), new_key=payload.get("new_key") or "")
        self._draft_key = key
        self.stack.setCurrentWidget(self.editor)
        self.bring_to_front()
        return True

    # ---- after saving ----

    def _after_save(self, household_id: str) -> None:
        self.draft_timer.stop()
        self._drop_draft()
        self._emitting = True
        try:
            self.ctx.hub.record_saved.emit("household", household_id)
        finally:
            self._emitting = False
        self.ctx.hub.outbox_changed.emit()
        self.ctx.hub.status_message.emit("已保存本户信息")

    def _drop_draft(self) -> None:
        keys = {self._draft_key, self.current_draft_key()} - {None}
        for key in keys:
            try:
                registry.discard_draft(self.ctx.store, self.ctx.actor, key)  # type: ignore[arg-type]
            except Exception:
                log.exception("删除草稿失败")
        self._draft_key = None

    def _dirty_changed(self, dirty: bool) -> None:
        if not dirty:
            self.draft_timer.stop()

    def _saved_elsewhere(self, entity: str, record_id: str) -> None:
        if self._emitting or self._editor is None:
            return
        if entity == "household" and record_id == self.editor.household_id and not self.editor.is_dirty():
            try:
                self.editor.open_household(record_id)
            except LookupError:
                self.stack.setCurrentWidget(self.placeholder)
