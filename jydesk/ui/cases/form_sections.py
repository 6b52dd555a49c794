"""The body of the application-form editor, generated from the form definition: one group box
per section with its inputs in a two-column grid, then the server-owned decision and the
办理记录, read-only."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from jydesk.domain.forms import FieldType, FormDefinition, SectionKind
from jydesk.store.cases import CaseDetail
from jydesk.ui.cases.field_inputs import REF_TYPES, FieldInput, make_input
from jydesk.ui.cases.members_table import TableInput

PER_CAPITA = "per_capita_income"
DECISION_FIELDS = (("decision", "审批结果"), ("decision_amount", "批准金额（元/月）"),
                   ("decision_start_month", "起始月份"), ("decision_on", "审批日期"),
                   ("decided_by", "审批人"), ("decision_reason", "理由/说明"))


def add_sections(layout: QVBoxLayout, defn: FormDefinition,
                 on_change: Callable[[str], None]) -> tuple[dict[str, FieldInput], QLabel | None]:
    """Add a group box per section of ``defn`` that has village-stored fields; returns the inputs
    by field key and the label beside 月人均收入 for the 低保 standard (None if the form has none)."""
    inputs: dict[str, FieldInput] = {}
    standard_label: QLabel | None = None
    for section in defn.sections:
        fields = [f for f in section.fields if f.stores_value and f.type not in REF_TYPES]
        if not fields or section.kind in (SectionKind.TEXT, SectionKind.SIGNATURE):
            continue
        title = section.title or ("表头" if section.kind is SectionKind.HEADER else "")
        group = QGroupBox(title)
        grid = QGridLayout(group)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        row, col = 0, 0
        for spec in fields:
            widget = TableInput(spec, on_change) if spec.type is FieldType.TABLE else make_input(spec, on_change)
            inputs[spec.key] = widget
            label = QLabel(spec.label + (f"（{spec.unit}）" if spec.unit else "") + ("＊" if spec.required else ""))
            label.setObjectName("fieldCaption")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            wide = spec.type in (FieldType.TABLE, FieldType.LONGTEXT, FieldType.MULTICHOICE)
            if wide and col:
                row, col = row + 1, 0
            grid.addWidget(label, row, col)
            extra: QWidget | None = None
            if spec.key == PER_CAPITA:
                extra = standard_label = QLabel()
                standard_label.setObjectName("derivedInfo")
                standard_label.setWordWrap(True)
            if wide:
                grid.addWidget(widget.box, row, 1, 1, 3)
                row, col = row + 1, 0
            elif extra is not None:
                holder = QWidget()
                h = QHBoxLayout(holder)
                h.setContentsMargins(0, 0, 0, 0)
                h.addWidget(widget.box, 1)
                h.addWidget(extra, 2)
                grid.addWidget(holder, row, 1, 1, 3)
                row, col = row + 1, 0
            else:
                grid.addWidget(widget.box, row, col + 1)
                col += 2
                if col >= 4:
                    row, col = row + 1, 0
        layout.addWidget(group)
    return inputs, standard_label


def decision_box() -> tuple[QGroupBox, dict[str, QLabel]]:
    """The 审批结果 box (filled in by the town/city, shown after sync) and its value labels."""
    box = QGroupBox("审批结果（由乡镇/市级审核人员办理，同步后显示，本机不能修改）")
    grid = QGridLayout(box)
    labels: dict[str, QLabel] = {}
    for i, (key, label) in enumerate(DECISION_FIELDS):
        caption = QLabel(label)
        caption.setObjectName("fieldCaption")
        value = QLabel("—")
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(caption, i // 2, (i % 2) * 2)
        grid.addWidget(value, i // 2, (i % 2) * 2 + 1)
        labels[key] = value
    return box, labels


def show_decision(labels: dict[str, QLabel], case: CaseDetail) -> None:
    for key, label in labels.items():
        value = getattr(case, key)
        label.setText("—" if value in (None, "") else (f"{value:.2f}" if isinstance(value, Decimal) else str(value)))


def events_text(case: CaseDetail) -> str:
    """The 办理记录: one line per status change."""
    return "\n".join(
        f"{e.at:%Y-%m-%d %H:%M}  {e.actor}  {(e.from_status + ' → ') if e.from_status else ''}{e.to_status}"
        + (f"  {e.note}" if e.note else "") for e in case.events) or "（无）"
