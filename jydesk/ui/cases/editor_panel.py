"""申请表: the panel editing one application (:class:`CaseEditorPanel`, ``case_form``).

The editor (generated from the form definition) is built when a case is first opened;
drafts go to the drafts table 5 s after the last keystroke (and on lock/close) so a crash
loses nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox

from jydesk.ui.printing.preview_panel import NAV_KEY as PREVIEW_KEY  # a light module now
from jydesk.ui.printing.support import PrintRequest, print_requests
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import EditorPanel, NavEntry

if TYPE_CHECKING:  # imported where used: not needed before the window is shown
    from jydesk.store import cases as svc
    from jydesk.store import registry
    from jydesk.ui.cases.editor import CaseEditor
else:
    svc = lazy_module("jydesk.store.cases")
    registry = lazy_module("jydesk.store.registry")

log = logging.getLogger(__name__)

CASE_FORM_KEY = "case_form"
DRAFT_KIND = "case"


class CaseEditorPanel(EditorPanel):
    panel_id = "case_form"
    title = "申请表"
    area = "right"
    tab_with = "detail"
    stretch = 5
    nav_entries = (NavEntry(CASE_FORM_KEY, "当前申请表", "救助申请", 32),)

    placeholder_text = "在“案件”列表中双击一份申请打开；\n或点“新建申请”。"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._editor: CaseEditor | None = None  # built when a case is first opened (see ``editor``)
        ctx.hub.open_case.connect(self.open_case)
        ctx.hub.record_saved.connect(self._saved_elsewhere)
        self._emitting = False

    @property
    def editor(self) -> CaseEditor:
        """The form editor, built on first use (it is hidden until a case is opened)."""
        if self._editor is None:
            from jydesk.ui.cases.editor import CaseEditor

            editor = CaseEditor(self.ctx)
            self.stack.addWidget(editor)
            editor.edited.connect(self.draft_timer.start)
            editor.saved.connect(self._after_save)
            editor.moved.connect(self._after_move)
            editor.print_requested.connect(self._print)
            self._editor = editor
        return self._editor

    @property
    def case_id(self) -> str | None:
        editor = self._editor
        return editor.case.id if editor is not None and editor.case is not None \
            and self.stack.currentWidget() is editor else None

    def open_case(self, case_id: str, overlay: dict[str, Any] | None = None) -> bool:
        if self.case_id == case_id and overlay is None:
            return True
        if not self.confirm_leave():
            return False
        if overlay is None:
            overlay = self._stored_draft(case_id)
        try:
            self.editor.open_case(case_id, overlay)
        except svc.CaseNotFound:
            QMessageBox.warning(self, "打开申请", "该申请已不存在（可能已删除）")
            return False
        except KeyError as exc:
            QMessageBox.warning(self, "打开申请", f"找不到申请表定义：{exc}")
            return False
        if overlay:
            self.editor.banner.show_message("已恢复上次未保存的录入内容，请核对后保存")
        self.stack.setCurrentWidget(self.editor)
        return True

    def _draft_key(self, case_id: str) -> str:
        return registry.draft_id(self.ctx.actor.id, DRAFT_KIND, case_id)

    def _stored_draft(self, case_id: str) -> dict[str, Any] | None:
        key = self._draft_key(case_id)
        for draft in registry.list_drafts(self.ctx.store, self.ctx.actor.id):
            if draft.id == key:
                values = draft.payload.get("values")
                return values if isinstance(values, dict) else None
        return None

    def confirm_leave(self, question: str | None = None) -> bool:
        return super().confirm_leave(question or "当前申请表有尚未保存的修改，是否保存？")

    # ---- Panel hooks ----

    def has_unsaved_changes(self) -> bool:
        return self.case_id is not None and self.editor.is_dirty()

    def unsaved_summary(self) -> str:
        return self.editor.heading.text()

    def save(self) -> bool:
        if self.case_id is None or not self.editor.is_dirty():
            return True
        ok = self.editor.save()
        if not ok:
            self.save_draft()
        return ok

    def discard_changes(self) -> None:
        self.draft_timer.stop()
        case_id = self.case_id
        if case_id is not None:
            self._drop_draft(case_id)
            self.editor.open_case(case_id)

    def save_draft(self) -> None:
        self.draft_timer.stop()
        case_id = self.case_id
        if case_id is None or not self.editor.is_dirty():
            return
        try:
            registry.save_draft(self.ctx.store, self.ctx.actor, self._draft_key(case_id), DRAFT_KIND,
                                {"case_id": case_id, "values": self.editor.values()})
        except Exception:
            log.exception("保存申请草稿失败")

    def restore_draft(self, kind: str, key: str, payload: dict) -> bool:
        if kind != DRAFT_KIND or not payload.get("case_id"):
            return False
        return self.open_case(str(payload["case_id"]), overlay=payload.get("values") or {})

    def clear_for_other_clerk(self) -> None:
        self.draft_timer.stop()
        self.stack.setCurrentWidget(self.placeholder)

    def show_entry(self, key: str) -> None:
        if self._editor is None or self._editor.case is None:
            self.stack.setCurrentWidget(self.placeholder)

    # ---- after saving, moving, printing ----

    def _drop_draft(self, case_id: str) -> None:
        try:
            registry.discard_draft(self.ctx.store, self.ctx.actor, self._draft_key(case_id))
        except Exception:
            log.exception("删除申请草稿失败")

    def _after_save(self, case_id: str) -> None:
        self.draft_timer.stop()
        if self.editor.is_dirty():
            self.save_draft()  # input that could not be stored stays in the draft
        else:
            self._drop_draft(case_id)
        self._emit_saved(case_id)

    def _after_move(self, case_id: str, _status: str) -> None:
        self._drop_draft(case_id)
        self._emit_saved(case_id)

    def _emit_saved(self, case_id: str) -> None:
        self._emitting = True
        try:
            self.ctx.hub.record_saved.emit("case", case_id)
        finally:
            self._emitting = False
        self.ctx.hub.outbox_changed.emit()

    def _saved_elsewhere(self, entity: str, record_id: str) -> None:
        if self._emitting or entity != "case" or record_id != self.case_id or self.editor.is_dirty():
            return
        try:
            self.editor.open_case(record_id)
        except svc.CaseNotFound:
            self.stack.setCurrentWidget(self.placeholder)

    def _print(self, case_id: str, companion: str) -> None:
        case = self.editor.case
        if case is None:
            return
        if companion:
            from jydesk.domain.forms import get_definition

            title = f"{get_definition(companion).title} · {case.applicant_name}"
        else:
            title = f"{svc.form_title(case.form_code)} · {case.applicant_name}"
        self.ctx.hub.navigate.emit(PREVIEW_KEY)
        print_requests(self.ctx).requested.emit(PrintRequest(title, (case_id,), form_code=companion or None))
