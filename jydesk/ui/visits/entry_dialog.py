"""记录探访: the quick-entry dialog, generated from the ``visit`` form definition.

Keyboard first: Tab walks the fields in the form's order, arrow keys change choices, Space
ticks boxes, Ctrl+Enter (or Ctrl+S) saves, Esc closes. Defaults: today, this clerk, 入户.
The person's details come from the registry and are shown, not retyped. Findings that need
follow-up become follow-up items (one per line); photos are attached (downscaled copies).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FieldSpec, FieldType, FormDefinition, SectionKind, SectionSpec
from jydesk.store import faults
from jydesk.store import visits as visit_service
from jydesk.store.attachments import IMAGE_SUFFIXES
from jydesk.ui.shell.context import AppContext
from jydesk.ui.widgets import ask
from jydesk.ui.widgets.fields import ChoiceBox, ErrorLabel, FieldBox

REGISTRY_PREFILLS = ("applicant.", "household.", "village.")
LABEL_WIDTH = 104  # px: the same label column in every section


class FieldInput:
    """One form field's input widget: ``value()`` in the form's JSON shape, ``set_value()``."""

    def __init__(self, spec: FieldSpec, widget: QWidget) -> None:
        self.spec = spec
        self.widget = widget

    def value(self) -> Any:
        w = self.widget
        t = self.spec.type
        if isinstance(w, QDateEdit):
            return w.date().toPython().isoformat()  # type: ignore[union-attr]
        if isinstance(w, ChoiceBox):
            return w.value() or None
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText().strip() or None
        if t is FieldType.MULTICHOICE:
            return [b.text() for b in w.findChildren(QCheckBox) if b.isChecked()]
        if isinstance(w, QLineEdit):
            return w.text().strip() or None
        return None

    def set_value(self, value: Any) -> None:
        w = self.widget
        if isinstance(w, QDateEdit):
            if value:
                w.setDate(QDate.fromString(str(value), "yyyy-MM-dd"))
        elif isinstance(w, ChoiceBox):
            w.set_value(str(value) if value else None)
        elif isinstance(w, QCheckBox):
            w.setChecked(value in (True, "true", "是"))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(str(value or ""))
        elif self.spec.type is FieldType.MULTICHOICE:
            chosen = set(value or [])
            for box in w.findChildren(QCheckBox):
                box.setChecked(box.text() in chosen)
        elif isinstance(w, QLineEdit):
            w.setText("" if value is None else str(value))

    def focus_widget(self) -> QWidget:
        if self.spec.type is FieldType.MULTICHOICE:
            boxes = self.widget.findChildren(QCheckBox)
            return boxes[0] if boxes else self.widget
        return self.widget


def make_input(spec: FieldSpec) -> FieldInput:
    """The input widget for one field of the form."""
    t = spec.type
    widget: QWidget
    if t is FieldType.DATE and spec.required:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate.currentDate())
        widget = edit
    elif t is FieldType.CHOICE:
        widget = ChoiceBox(spec.choices, blank=None if spec.required else "（未填）")
    elif t is FieldType.BOOL:
        widget = QCheckBox("是")
    elif t is FieldType.MULTICHOICE:
        widget = QWidget()
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        for choice in spec.choices:
            row.addWidget(QCheckBox(choice))
        row.addStretch(1)
    elif t is FieldType.LONGTEXT:
        text = QPlainTextEdit()
        text.setTabChangesFocus(True)
        text.setFixedHeight(24 * max(spec.layout.lines or 2, 2) + 8)
        widget = text
    else:
        line = QLineEdit()
        if spec.max_length:
            line.setMaxLength(spec.max_length)
        if t is FieldType.DATE:
            line.setPlaceholderText("如 2026-05-20，可不填")
        elif spec.hint:
            line.setPlaceholderText(spec.hint)
        widget = line
    widget.setObjectName(f"field-{spec.key}")
    widget.setAccessibleName(spec.label)
    return FieldInput(spec, widget)


def is_registry_section(section: SectionSpec) -> bool:
    """A section whose fields all come from the registry (shown as the person card instead)."""
    return bool(section.fields) and all(
        (f.prefill or "").startswith(REGISTRY_PREFILLS) for f in section.fields if f.stores_value)


class VisitEntryDialog(QDialog):
    """Record one visit of one person. ``saved(visit_id)`` after a successful save."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, person_id: str, parent: QWidget | None = None, *,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person_id = person_id
        self.today = today or date.today()
        self.visit_id: str | None = None
        self.defn: FormDefinition = visit_service.visit_form()
        self.base = visit_service.new_visit_values(ctx.store, person_id, clerk=ctx.actor.name, today=self.today)
        self.inputs: dict[str, FieldInput] = {}
        self.boxes: dict[str, FieldBox] = {}
        self.photos: list[Path] = []
        self.setObjectName("visitEntryDialog")
        self.setWindowTitle(f"记录探访 — {self.base.get('person_name', '')}")
        self.resize(760, 820)

        layout = QVBoxLayout(self)
        layout.addWidget(self._person_card())
        self.banner = ErrorLabel(self)
        self.banner.setObjectName("formBanner")
        layout.addWidget(self.banner)
        body = QWidget()
        self.body_layout = QVBoxLayout(body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        for section in self.defn.sections:
            if section.kind in (SectionKind.FIELDS,) and not is_registry_section(section):
                self.body_layout.addWidget(self._section_box(section))
        self.body_layout.addWidget(self._follow_up_box())
        self.body_layout.addWidget(self._photo_box())
        self.body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        buttons = QHBoxLayout()
        hint = QLabel("Tab 下一项 · Ctrl+Enter 保存 · Esc 关闭")
        hint.setObjectName("dialogSubtitle")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("取消")
        self.save_button = QPushButton("保存探访记录")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.cancel_button.setAutoDefault(False)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter", QKeySequence.StandardKey.Save):
            QShortcut(QKeySequence(keys), self, self.save)

        for key, field_input in self.inputs.items():
            field_input.set_value(self.base.get(key))
        self._initial = self.values()
        first = self.inputs.get("method") or next(iter(self.inputs.values()), None)
        if first is not None:
            first.focus_widget().setFocus()

    # ---- building ----

    def _person_card(self) -> QWidget:
        b = self.base
        with self.ctx.store.read() as s:
            plan = visit_service.visit_plan(s, self.person_id, self.today)
        title = QLabel(f"{b.get('person_name', '')}　{b.get('person_sex', '')}　{b.get('person_age', '')}岁"
                       f"　<span style='color:#1e5a99'>{plan.label}</span>")
        title.setObjectName("editorHeading")
        title.setTextFormat(Qt.TextFormat.RichText)
        flags = "、".join(b.get("care_flags") or []) or "—"
        details = QLabel(f"住址：{b.get('person_address') or '—'}　　电话：{b.get('person_phone') or '—'}"
                         f"\n关爱类别：{flags}　　等级依据：{plan.assessment.reason}")
        details.setObjectName("dialogSubtitle")
        details.setWordWrap(True)
        card = QWidget()
        box = QVBoxLayout(card)
        box.setContentsMargins(0, 0, 0, 4)
        box.addWidget(title)
        box.addWidget(details)
        return card

    def _section_box(self, section: SectionSpec) -> QGroupBox:
        group = QGroupBox(section.title or "")
        form = QFormLayout(group)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for spec in section.fields:
            if not spec.stores_value or spec.type in (FieldType.PERSON, FieldType.HOUSEHOLD, FieldType.TABLE):
                continue
            field_input = make_input(spec)
            box = FieldBox(field_input.widget)
            self.inputs[spec.key] = field_input
            self.boxes[spec.key] = box
            label = QLabel(("* " if spec.required else "") + spec.label)
            label.setMinimumWidth(LABEL_WIDTH)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setBuddy(field_input.focus_widget())
            form.addRow(label, box)
        return group

    def _follow_up_box(self) -> QGroupBox:
        group = QGroupBox("跟进事项")
        layout = QVBoxLayout(group)
        note = QLabel("勾选“需要跟进”后，每行一项，保存后列入待跟进事项，直到办结。默认取“发现问题”的各行。")
        note.setObjectName("dialogSubtitle")
        note.setWordWrap(True)
        self.follow_up_edit = QPlainTextEdit()
        self.follow_up_edit.setObjectName("field-follow_ups")
        self.follow_up_edit.setTabChangesFocus(True)
        self.follow_up_edit.setFixedHeight(72)
        self.follow_up_edit.setPlaceholderText("例如：联系家庭医生上门测血压")
        self.follow_up_box = FieldBox(self.follow_up_edit)
        layout.addWidget(note)
        layout.addWidget(self.follow_up_box)
        needed = self.inputs.get("follow_up_needed")
        if needed is not None and isinstance(needed.widget, QCheckBox):
            needed.widget.toggled.connect(self._follow_up_toggled)
            self.follow_up_edit.setEnabled(False)
        return group

    def _photo_box(self) -> QGroupBox:
        group = QGroupBox("照片")
        layout = QVBoxLayout(group)
        self.photo_list = QListWidget()
        self.photo_list.setObjectName("photoList")
        self.photo_list.setViewMode(QListWidget.ViewMode.IconMode)
        self.photo_list.setIconSize(QSize(96, 96))
        self.photo_list.setFixedHeight(140)
        self.photo_box = FieldBox(self.photo_list)
        row = QHBoxLayout()
        add = QPushButton("添加照片…")
        add.setAutoDefault(False)
        remove = QPushButton("移除所选")
        remove.setAutoDefault(False)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addWidget(self.photo_box)
        layout.addLayout(row)
        add.clicked.connect(self._choose_photos)
        remove.clicked.connect(self._remove_photo)
        return group

    # ---- behaviour ----

    def _follow_up_toggled(self, checked: bool) -> None:
        self.follow_up_edit.setEnabled(checked)
        if checked and not self.follow_up_edit.toPlainText().strip():
            problems = self.inputs.get("problems")
            if problems is not None:
                self.follow_up_edit.setPlainText(str(problems.value() or ""))

    def _choose_photos(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        files, _ = QFileDialog.getOpenFileNames(self, "选择照片", str(Path.home()), f"图片 ({patterns})")
        self.add_photos([Path(f) for f in files])

    def add_photos(self, paths: list[Path]) -> None:
        for path in paths:
            if path in self.photos:
                continue
            self.photos.append(path)
            item = QListWidgetItem(path.name)
            pixmap = QPixmap(str(path))
            if not pixmap.isNull():
                item.setIcon(QIcon(pixmap.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)))
            item.setToolTip(str(path))
            self.photo_list.addItem(item)

    def _remove_photo(self) -> None:
        row = self.photo_list.currentRow()
        if row >= 0:
            self.photo_list.takeItem(row)
            del self.photos[row]

    def values(self) -> dict[str, Any]:
        """The form's values: registry details plus what the clerk entered."""
        values = dict(self.base)
        for key, field_input in self.inputs.items():
            values[key] = field_input.value()
        return values

    def follow_ups(self) -> list[str]:
        if not self.follow_up_edit.isEnabled():
            return []
        return [line.strip() for line in self.follow_up_edit.toPlainText().splitlines() if line.strip()]

    def is_dirty(self) -> bool:
        return self.values() != self._initial or bool(self.photos) or bool(self.follow_ups())

    def show_errors(self, errors: list[FieldError]) -> None:
        for box in (*self.boxes.values(), self.follow_up_box, self.photo_box):
            box.set_error(None)
        general: list[str] = []
        first: QWidget | None = None
        for error in errors:
            key = error.field.split("[", 1)[0].split(".", 1)[0]
            box = self.boxes.get(key) or {"follow_ups": self.follow_up_box, "photos": self.photo_box}.get(key)
            if box is None:
                general.append(error.message)
                continue
            box.set_error(error.message if not box.message else f"{box.message}；{error.message}")
            if first is None:
                first = self.inputs[key].focus_widget() if key in self.inputs else box.widget
        self.banner.show_message("；".join(general) if general else
                                 (f"有{len(errors)}处需要修改，请查看标红的项目" if errors else None))
        if first is not None:
            first.setFocus()

    def save(self) -> bool:
        """Validate and save; True when the visit was recorded."""
        entry = visit_service.VisitEntry(self.person_id, self.values(), self.follow_ups(), list(self.photos))
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with faults.saving():
                visit_id = visit_service.record_visit(self.ctx.store, self.ctx.actor, entry, today=self.today)
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.visit_id = visit_id
        hub = self.ctx.hub
        hub.record_saved.emit("visit", visit_id)
        hub.outbox_changed.emit()
        hub.status_message.emit(f"已保存{self.base.get('person_name', '')}的探访记录")
        self.saved.emit(visit_id)
        self.accept()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Ctrl+Enter from any field (also when the window manager has not activated the dialog)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.save()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.visit_id is None and self.is_dirty() and ask.choose(
                self, "记录探访", "本次探访记录尚未保存，确定放弃吗？",
                (("discard", "放弃", ask.Role.DestructiveRole), ("cancel", "继续填写", ask.Role.RejectRole)),
                default="cancel") != "discard":
            return
        super().reject()
