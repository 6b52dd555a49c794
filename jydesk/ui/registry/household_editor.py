"""Editor of one household and its members; saved as a whole through ``registry.save_household``."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.registry import RESIDENCES
from jydesk.store import faults, registry
from jydesk.store.reference import weekly_rule
from jydesk.store.registry import FormRejected, HouseholdForm, MemberForm
from jydesk.ui.registry.household_members import MembersTable
from jydesk.ui.registry.person_form import PersonForm
from jydesk.ui.shell.context import AppContext
from jydesk.ui.widgets import ask
from jydesk.ui.widgets.fields import ChoiceBox, ErrorLabel, FieldBox, line_edit, set_flag

HOUSEHOLD_TEXT = ("address", "group_no", "phone", "note")


class HouseholdEditor(QWidget):
    """Household fields, the members table and the selected member's form.

    ``dirty_changed(bool)`` fires when unsaved input appears or goes; ``saved(household_id)``
    after a successful save.
    """

    dirty_changed = Signal(bool)
    saved = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._form = HouseholdForm()
        self._baseline: dict = HouseholdForm().to_payload()
        self._current = -1
        self._revealed: set[str] = set()
        self._member_errors: dict[int, list[FieldError]] = {}
        self._loading = False
        self._dirty = False
        self.new_key = ""  # draft key part of a household not saved yet

        self.heading = QLabel()
        self.heading.setObjectName("editorHeading")
        self.state = QLabel()
        self.state.setObjectName("editorState")
        self.save_button = QPushButton("保存")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setToolTip("保存本户及全部成员（Ctrl+S）")
        self.discard_button = QPushButton("放弃修改")
        self.banner = ErrorLabel()
        self.banner.setObjectName("formBanner")

        self.address = line_edit("乡镇(街道)、村(社区)、组、门牌号", 200)
        self.group_no = line_edit("1-99", 2)
        self.group_no.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,2}"), self))
        self.group_no.setMaximumWidth(70)
        self.residence = ChoiceBox(RESIDENCES, blank=None)
        self.phone = line_edit("户联系电话", 20)
        self.note = line_edit("备注", 500)
        self.household_boxes: dict[str, FieldBox] = {
            "address": FieldBox(self.address), "group_no": FieldBox(self.group_no),
            "residence": FieldBox(self.residence), "phone": FieldBox(self.phone), "note": FieldBox(self.note),
        }

        self.members = MembersTable()
        self.add_member_button = QPushButton("添加成员")
        self.add_member_button.setToolTip("添加一名家庭成员（Ctrl+M）")
        self.remove_member_button = QPushButton("移除成员")

        self.person = PersonForm(self._reveal)
        self.member_box = QGroupBox("成员信息")

        self._build_layout()
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.ask_discard)
        for key in HOUSEHOLD_TEXT:
            getattr(self, key).textEdited.connect(lambda _t, k=key: self._household_edited(k))
        self.residence.edited.connect(lambda: self._household_edited("residence"))
        self.members.currentCellChanged.connect(lambda row, _c, _pr, _pc: self._select_member(row))
        self.add_member_button.clicked.connect(self.add_member)
        self.remove_member_button.clicked.connect(self.remove_member)
        self.person.changed.connect(self._member_edited)
        chain = [self.address, self.group_no, self.residence, self.phone, self.note, self.members,
                 self.add_member_button, self.remove_member_button, *self.person.tab_chain,
                 self.discard_button, self.save_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._update_state()

    def _build_layout(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.heading)
        head.addStretch(1)
        head.addWidget(self.state)
        head.addSpacing(8)
        head.addWidget(self.discard_button)
        head.addWidget(self.save_button)

        hh_box = QGroupBox("户信息")
        grid = QGridLayout(hh_box)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        placements = (("家庭住址", "address", 0, 0, 3), ("组", "group_no", 1, 0, 1),
                      ("城乡类别", "residence", 1, 2, 1), ("联系电话", "phone", 2, 0, 1), ("备注", "note", 2, 2, 1))
        for caption, key, row, col, span in placements:
            label = QLabel(caption)
            label.setObjectName("fieldCaption")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            label.setBuddy(self.household_boxes[key].widget)
            grid.addWidget(label, row, col)
            grid.addWidget(self.household_boxes[key], row, col + 1, 1, span)

        members_box = QGroupBox("家庭成员")
        mlay = QVBoxLayout(members_box)
        mlay.addWidget(self.members)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_member_button)
        buttons.addWidget(self.remove_member_button)
        buttons.addStretch(1)
        mlay.addLayout(buttons)

        play = QVBoxLayout(self.member_box)
        play.addWidget(self.person)

        body = QWidget()
        blay = QVBoxLayout(body)
        blay.setContentsMargins(0, 0, 4, 0)
        blay.addWidget(self.banner)
        blay.addWidget(hh_box)
        blay.addWidget(members_box)
        blay.addWidget(self.member_box)
        blay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 6, 8)
        outer.addLayout(head)
        outer.addWidget(scroll, 1)

    # ---- loading ----

    def load(self, form: HouseholdForm, *, baseline: HouseholdForm | None = None, member: int = 0,
             revealed: set[str] | None = None, new_key: str = "") -> None:
        """Show a form; ``baseline`` is what is saved (differs from ``form`` for a restored draft)."""
        self._loading = True
        try:
            self._form = HouseholdForm.from_payload(form.to_payload())
            self._baseline = (baseline or form).to_payload()
            self._revealed = set(revealed or ())
            self._member_errors = {}
            self.new_key = new_key or (self.new_key if not form.id else "")
            self.banner.show_message(None)
            for key in HOUSEHOLD_TEXT:
                getattr(self, key).setText(getattr(self._form, key))
            self.residence.set_value(self._form.residence or "农村")
            for box in self.household_boxes.values():
                box.set_error(None)
            self._current = -1
            self._fill_members()
        finally:
            self._loading = False
        self._select_member(min(member, len(self._form.members) - 1))
        self._update_state()

    def open_household(self, household_id: str, person_id: str | None = None) -> None:
        self.person.weekly_rule = weekly_rule(self.ctx.store)
        form = registry.load_household(self.ctx.store, household_id)
        index = next((i for i, m in enumerate(form.members) if person_id and m.id == person_id), 0)
        self.load(form, member=index)

    def new_household(self) -> None:
        from jydesk.domain.ids import new_id

        self.person.weekly_rule = weekly_rule(self.ctx.store)
        form = HouseholdForm(members=[MemberForm(relation=registry.HEAD_RELATION)])
        self.load(form, new_key=new_id())
        self.address.setFocus()

    def form(self) -> HouseholdForm:
        """The household as currently entered (a copy)."""
        self._pull_member()
        return HouseholdForm.from_payload(self._form.to_payload())

    @property
    def household_id(self) -> str | None:
        return self._form.id

    @property
    def current_member(self) -> int:
        return self._current

    @property
    def revealed(self) -> set[str]:
        return set(self._revealed)

    def is_empty_new(self) -> bool:
        return self._form.id is None and not self._dirty

    # ---- members ----

    def _fill_members(self) -> None:
        self.members.fill(self._form.members, self._revealed, self._member_errors)

    def _fill_row(self, row: int, member: MemberForm) -> None:
        self.members.fill_row(row, member, self._revealed, self._member_errors)

    def _select_member(self, row: int) -> None:
        if row == self._current and row >= 0:
            return
        self._pull_member()
        self._current = row
        has = 0 <= row < len(self._form.members)
        self.member_box.setEnabled(has)
        self.remove_member_button.setEnabled(has)
        if has:
            member = self._form.members[row]
            masked = member.id is not None and member.id not in self._revealed
            self.person.set_member(member, masked=masked, touched=row in self._member_errors)
            if row in self._member_errors:
                self.person.set_external_errors(self._member_errors[row])
            self.member_box.setTitle(f"成员信息 — {member.name or f'第{row + 1}位成员'}")
            if self.members.currentRow() != row:
                self.members.blockSignals(True)
                self.members.selectRow(row)
                self.members.blockSignals(False)
        else:
            self.person.set_member(MemberForm(), masked=False)
            self.member_box.setTitle("成员信息")

    def _pull_member(self) -> None:
        if 0 <= self._current < len(self._form.members):
            self._form.members[self._current] = self.person.member()

    def _member_edited(self) -> None:
        if self._loading or not 0 <= self._current < len(self._form.members):
            return
        member = self.person.member()
        self._form.members[self._current] = member
        if not self.person.masked and member.id:
            self._revealed.add(member.id)
        self._member_errors.pop(self._current, None)
        self._fill_row(self._current, member)
        self.member_box.setTitle(f"成员信息 — {member.name or f'第{self._current + 1}位成员'}")
        self._update_state()

    def select_member(self, index: int) -> None:
        self._select_member(index)

    def add_member(self) -> None:
        self._pull_member()
        relation = "" if self._form.members else registry.HEAD_RELATION
        self._form.members.append(MemberForm(relation=relation))
        self._fill_members()
        self._current = -1
        self._select_member(len(self._form.members) - 1)
        self.person.name.setFocus()
        self._update_state()

    def remove_member(self) -> None:
        row = self._current
        if not 0 <= row < len(self._form.members):
            return
        member = self.person.member()
        question = f"将“{member.name}”从本户移除？\n保存后该成员记录标记为已删除（可在审计日志中查到）。"
        if member.id and not ask.confirm(self, "移除成员", question, yes="移除"):
            return
        del self._form.members[row]
        self._member_errors = {(i if i < row else i - 1): e for i, e in self._member_errors.items() if i != row}
        self._current = -1
        self._fill_members()
        self._select_member(min(row, len(self._form.members) - 1))
        self._update_state()

    def _reveal(self, person_id: str) -> str | None:
        try:
            number = registry.reveal_id_number(self.ctx.store, self.ctx.actor, person_id)
        except LookupError as exc:
            QMessageBox.warning(self, "显示身份证号", str(exc))
            return None
        self._revealed.add(person_id)
        if 0 <= self._current < len(self._form.members):
            self._fill_row(self._current, self._form.members[self._current])
        return number

    # ---- household fields ----

    def _household_edited(self, key: str) -> None:
        if self._loading:
            return
        for k in HOUSEHOLD_TEXT:
            setattr(self._form, k, getattr(self, k).text())
        self._form.residence = self.residence.value() or "农村"
        errors = {e.field: e.message for e in registry.check_household_fields(self._form)}
        box = self.household_boxes[key]
        box.set_error(errors.get(key))
        for other, obox in self.household_boxes.items():
            if other != key and obox.message and other not in errors:
                obox.set_error(None)
        self._update_state()

    # ---- state ----

    def is_dirty(self) -> bool:
        return self._dirty

    def _update_state(self) -> None:
        if not self._loading:
            self._pull_member()
        dirty = self._form.to_payload() != self._baseline
        heads = [m for m in self._form.members if m.relation == registry.HEAD_RELATION]
        head = heads[0].name if heads and heads[0].name else ""
        if self._form.id is None:
            title = "新建户" + (f" — 户主 {head}" if head else "")
        else:
            title = f"户主 {head or '（未指定）'}"
        self.heading.setText(f"{title}　共{len(self._form.members)}人")
        self.state.setText("● 有未保存的修改" if dirty else ("已保存" if self._form.id else ""))
        set_flag(self.state, "dirty", dirty)
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    # ---- saving ----

    def save(self) -> bool:
        """Save the household and all members (one transaction). False and errors shown if refused."""
        form = self.form()
        try:
            with faults.saving():
                saved = registry.save_household(self.ctx.store, self.ctx.actor, form)
        except FormRejected as rejected:
            self._show_rejection(rejected, form)
            return False
        except ValidationError as exc:  # a storage fault: the input stays, the banner says what to do
            self.banner.show_message(exc.message)
            return False
        self.load(saved, member=max(self._current, 0), revealed=self._revealed)
        self.saved.emit(saved.id or "")
        return True

    def _show_rejection(self, rejected: FormRejected, form: HouseholdForm) -> None:
        self._member_errors = dict(rejected.members)
        household = {e.field: e.message for e in rejected.household}
        for key, box in self.household_boxes.items():
            box.set_error(household.get(key))
        self.members.blockSignals(True)
        for row, member in enumerate(form.members):
            self._fill_row(row, member)
        self.members.blockSignals(False)
        lines = rejected.describe(form)
        self.banner.show_message("未保存：" + "；".join(lines))
        if rejected.members:
            first = min(rejected.members)
            if first != self._current:
                self._select_member(first)
            else:
                self.person.set_external_errors(rejected.members[first])
            self.person.focus_first_error()
        elif household:
            next(self.household_boxes[k] for k in self.household_boxes if k in household).widget.setFocus()

    def ask_discard(self) -> None:
        if not self._dirty:
            return
        if ask.confirm(self, "放弃修改", "放弃本户尚未保存的修改？", yes="放弃修改"):
            self.discard()

    def discard(self) -> None:
        """Go back to the saved state (or an empty new household)."""
        if self._form.id:
            self.open_household(self._form.id)
        else:
            self.load(HouseholdForm.from_payload(self._baseline))

    def baseline(self) -> HouseholdForm:
        return HouseholdForm.from_payload(self._baseline)

