"""Editor of one household member: inline validation, facts derived from the ID number, care tier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from itertools import pairwise

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from jydesk.domain import idnumber
from jydesk.domain.care import CARE_FLAGS, PLAN_RULE, TIER_FREQUENCY, TIER_NAMES, Tier, assess
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.registry import DISABILITY_TYPES, EMPLOYMENT, HEALTH, RELATIONS
from jydesk.store.registry import MemberForm, check_member
from jydesk.ui.widgets.fields import ChoiceBox, FieldBox, line_edit

GRADES = (("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级"))
TEXT_FIELDS = ("name", "phone", "disability_cert_no", "monthly_income", "note")
CHOICE_FIELDS = ("relation", "health", "employment", "disability_type", "disability_grade")


class PersonForm(QWidget):
    """Edits a :class:`MemberForm`. Emits ``changed`` on every edit; errors appear beside fields.

    Saved members' ID numbers are shown masked until 显示 is pressed; ``reveal`` is called
    then (it writes the audit entry and returns the number) before the field becomes editable.
    """

    changed = Signal()

    def __init__(self, reveal: Callable[[str], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reveal = reveal
        self._member = MemberForm()
        self.weekly_rule = PLAN_RULE  # who is visited weekly: set from the city's rule by the editor
        self._masked = False
        self._loading = False
        self._touched: set[str] = set()
        self._external: dict[str, str] = {}  # errors from the save attempt (duplicates …)

        self.name = line_edit("姓名", 40)
        self.id_number = line_edit("18位身份证号", 18)
        self.id_number.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9xX]{0,18}"), self))
        self.reveal_button = QPushButton("显示")
        self.reveal_button.setToolTip("显示完整身份证号（将记入审计日志）")
        self.reveal_button.setObjectName("revealButton")
        self.derived = QLabel()
        self.derived.setObjectName("derivedInfo")
        self.relation = ChoiceBox(RELATIONS)
        self.phone = line_edit("11位手机号或固定电话", 20)
        self.health = ChoiceBox(HEALTH)
        self.employment = ChoiceBox(EMPLOYMENT)
        self.monthly_income = line_edit("元/月", 12)
        self.monthly_income.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,7}(\.\d{0,2})?"), self))
        self.disability_type = ChoiceBox(DISABILITY_TYPES, blank="无")
        self.disability_grade = ChoiceBox(GRADES, blank="无")
        self.disability_cert_no = line_edit("残疾证号", 30)
        self.note = line_edit("备注", 500)
        self.flag_boxes = {flag: QCheckBox(flag) for flag in CARE_FLAGS}
        self.tier = QLabel()
        self.tier.setObjectName("derivedInfo")

        self.boxes: dict[str, FieldBox] = {
            "name": FieldBox(self.name),
            "id_number": FieldBox(self.id_number, self.reveal_button),
            "relation": FieldBox(self.relation),
            "phone": FieldBox(self.phone),
            "health": FieldBox(self.health),
            "employment": FieldBox(self.employment),
            "monthly_income": FieldBox(self.monthly_income),
            "disability_type": FieldBox(self.disability_type),
            "disability_grade": FieldBox(self.disability_grade),
            "disability_cert_no": FieldBox(self.disability_cert_no),
            "note": FieldBox(self.note),
        }
        flags = QWidget()
        flag_grid = QGridLayout(flags)
        flag_grid.setContentsMargins(0, 0, 0, 0)
        flag_grid.setHorizontalSpacing(14)
        for i, box in enumerate(self.flag_boxes.values()):
            flag_grid.addWidget(box, i // 5, i % 5)
        self.boxes["care_flags"] = FieldBox(flags)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        rows: list[tuple[tuple[str, str], ...]] = [
            (("姓名", "name"), ("与户主关系", "relation")),
            (("身份证号", "id_number"),),
            (("联系电话", "phone"), ("健康状况", "health")),
            (("就业状况", "employment"), ("月收入(元)", "monthly_income")),
            (("残疾类别", "disability_type"), ("残疾等级", "disability_grade")),
            (("残疾证号", "disability_cert_no"),),
            (("关爱标记", "care_flags"),),
            (("备注", "note"),),
        ]
        self.labels: dict[str, QLabel] = {}
        r = 0
        for row in rows:
            for col, (label, key) in enumerate(row):
                caption = QLabel(label)
                caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                caption.setObjectName("fieldCaption")
                caption.setBuddy(self.boxes[key].widget)
                self.labels[key] = caption
                grid.addWidget(caption, r, col * 2)
                span = 3 if len(row) == 1 else 1
                grid.addWidget(self.boxes[key], r, col * 2 + 1, 1, span)
            r += 1
            if row[0][1] == "id_number":
                grid.addWidget(self.derived, r, 1, 1, 3)
                r += 1
            if row[0][1] == "care_flags":
                grid.addWidget(self.tier, r, 1, 1, 3)
                r += 1

        for key in TEXT_FIELDS:
            edit: QLineEdit = getattr(self, key)
            edit.textEdited.connect(lambda _t, k=key: self._edited(k))
            edit.editingFinished.connect(lambda k=key: self._touch(k))
        self.id_number.textEdited.connect(lambda _t: self._edited("id_number"))
        self.id_number.editingFinished.connect(lambda: self._touch("id_number"))
        for key in CHOICE_FIELDS:
            choice: ChoiceBox = getattr(self, key)
            choice.edited.connect(lambda k=key: self._edited(k, touch=True))
        for box in self.flag_boxes.values():
            box.toggled.connect(lambda _c: self._edited("care_flags", touch=True))
        self.reveal_button.clicked.connect(self.reveal)
        self.tab_chain: list[QWidget] = [
            self.name, self.relation, self.id_number, self.reveal_button, self.phone, self.health,
            self.employment, self.monthly_income, self.disability_type, self.disability_grade,
            self.disability_cert_no, *self.flag_boxes.values(), self.note]
        for first, second in pairwise(self.tab_chain):
            QWidget.setTabOrder(first, second)
        self.set_member(MemberForm(), masked=False)

    # ---- loading and reading ----

    def set_member(self, member: MemberForm, *, masked: bool, touched: bool = False) -> None:
        """Show a member; ``masked`` hides a saved ID number until 显示 is pressed."""
        self._loading = True
        try:
            self._member = replace(member, care_flags=list(member.care_flags))
            self._masked = masked and bool(member.id_number)
            self._external.clear()
            self._touched = set(self.boxes) if touched else set()
            for key in TEXT_FIELDS:
                getattr(self, key).setText(getattr(member, key) or "")
            for key in CHOICE_FIELDS:
                getattr(self, key).set_value(getattr(member, key))
            for flag, box in self.flag_boxes.items():
                box.setChecked(flag in member.care_flags)
            self._show_id()
        finally:
            self._loading = False
        self._validate()

    def _show_id(self) -> None:
        number = self._member.id_number
        self.id_number.setReadOnly(self._masked)
        self.id_number.setText(idnumber.mask(number) if self._masked else number)
        self.reveal_button.setVisible(self._masked)

    def member(self) -> MemberForm:
        """The member as currently entered."""
        m = self._member
        for key in TEXT_FIELDS:
            setattr(m, key, getattr(self, key).text())
        if not self._masked:
            m.id_number = idnumber.normalise(self.id_number.text())
        for key in CHOICE_FIELDS:
            setattr(m, key, getattr(self, key).value())
        m.care_flags = [flag for flag, box in self.flag_boxes.items() if box.isChecked()]
        return replace(m, care_flags=list(m.care_flags))

    @property
    def masked(self) -> bool:
        return self._masked

    def reveal(self) -> bool:
        """显示: ask for the full number (audited) and make the field editable."""
        if not self._masked or not self._member.id:
            return False
        number = self._reveal(self._member.id)
        if number is None:
            return False
        self._masked = False
        self._member.id_number = number
        self._show_id()
        self.id_number.setFocus()
        return True

    # ---- validation ----

    def _touch(self, key: str) -> None:
        if key not in self._touched:
            self._touched.add(key)
            self._validate()

    def _edited(self, key: str, *, touch: bool = False) -> None:
        if self._loading:
            return
        self._external.pop(key, None)
        if touch or key != "id_number" or len(self.id_number.text()) >= 18:
            self._touched.add(key)
        self._validate()
        self.changed.emit()

    def touch_all(self) -> None:
        self._touched = set(self.boxes)
        self._validate()

    def set_external_errors(self, errors: list[FieldError]) -> None:
        """Errors found when saving (e.g. a duplicate ID number): shown until that field is edited."""
        self._external = {}
        for e in errors:
            self._external.setdefault(e.field, e.message)
        self.touch_all()

    def errors(self) -> dict[str, str]:
        """Field -> message of every current problem, touched or not."""
        found: dict[str, str] = {}
        for e in check_member(self.member()):
            found.setdefault(e.field, e.message)
        for key, message in self._external.items():
            found.setdefault(key, message)
        return found

    def _validate(self) -> None:
        errors = self.errors()
        for key, box in self.boxes.items():
            box.set_error(errors.get(key) if key in self._touched else None)
        self._update_derived(errors)

    def _update_derived(self, errors: dict[str, str]) -> None:
        member = self.member()
        today = date.today()
        try:
            parsed = idnumber.parse(member.id_number, today=today)
        except ValidationError:
            parsed = None
        if parsed is None:
            self.derived.setText("出生日期、性别、年龄将根据身份证号自动生成" if "id_number" not in errors
                                 or "id_number" not in self._touched else "")
            age = None
        else:
            age = parsed.age_on(today)
            self.derived.setText(f"出生日期：{parsed.birth_date:%Y年%m月%d日}　　性别：{parsed.sex}　　年龄：{age}岁")
        grade = int(member.disability_grade) if member.disability_grade.isdigit() else None
        result = assess(member.care_flags, age, disability_grade=grade, rule=self.weekly_rule)
        if result.tier == Tier.NONE:
            self.tier.setText("探访等级：不在探访范围（60周岁以上且有关爱标记的老人需定期探访）")
        else:
            self.tier.setText(f"探访等级：{TIER_NAMES[result.tier]}（{TIER_FREQUENCY[result.tier]}探访）——{result.reason}")

    def focus_first_error(self) -> None:
        errors = self.errors()
        for key in self.boxes:
            if key in errors:
                self.boxes[key].widget.setFocus()
                return


def derived_summary(member: MemberForm) -> tuple[str, str]:
    """(sex, age) text for tables, from the ID number; empty when it is not valid yet."""
    try:
        parsed = idnumber.parse(member.id_number)
    except ValidationError:
        return "", ""
    return parsed.sex, str(parsed.age_on(date.today()))

