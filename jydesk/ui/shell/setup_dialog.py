"""First-run set-up: bind this installation to its village and create the first clerk account.

It also makes the installation's data key (the data is encrypted) and shows the recovery key
once, with a one-page PDF to print for the town office. Without every password and the
recovery key the local data cannot be opened; the dialog says so, and that data already synced
comes back by enrolling a new installation and syncing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.errors import ValidationError
from jydesk.domain.regions import AREA_NAMES, towns
from jydesk.store.actor import Actor
from jydesk.store.database import Store
from jydesk.ui.widgets import ask
from jydesk.ui.widgets.fields import ErrorLabel, FieldBox

LOSS_NOTICE = ("本机数据经过加密。专干密码和恢复密钥全部遗失时，本机数据将无法打开；"
               "已同步到市级平台的数据，可以重新登记一台电脑后同步下载。")


class SetupDialog(QDialog):
    """Two groups: 本村(社区) (skipped when already bound) and 第一位专干账号."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.store: Store | None = None
        self.actor: Actor | None = None
        self.username = ""
        self.recovery_key = ""
        self.setWindowTitle("jydesk — 首次使用设置")
        self.setModal(True)
        self.setMinimumWidth(520)

        title = QLabel("欢迎使用简阳市民政专干业务系统")
        title.setObjectName("dialogTitle")
        intro = QLabel("首次使用前，请设置本机所属的村(社区)，并创建第一个专干账号。\n本机今后登记的所有记录都属于这个村(社区)。\n"
                       + LOSS_NOTICE + "完成设置后会显示一次恢复密钥，请打印交乡镇（街道）保管。")
        intro.setObjectName("dialogSubtitle")
        intro.setWordWrap(True)

        self.town = QComboBox()
        for town in towns():
            self.town.addItem(f"{town.name}（{town.code}）", town.code)
        self.village_name = QLineEdit()
        self.village_name.setPlaceholderText("例如：安象街社区")
        self.village_code = QLineEdit()
        self.village_code.setMaxLength(12)
        self.village_code.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,12}"), self))
        self.village_code.setPlaceholderText("12位统计用区划代码")
        self.area = QComboBox()
        for key, name in AREA_NAMES.items():
            self.area.addItem(name, key)
        self.username_edit = QLineEdit()
        self.username_edit.setPlaceholderText("登录用，例如 zhangsan")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("专干姓名")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("至少6位")
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.boxes = {
            "town": FieldBox(self.town), "village_name": FieldBox(self.village_name),
            "village_code": FieldBox(self.village_code), "area": FieldBox(self.area),
            "username": FieldBox(self.username_edit), "display_name": FieldBox(self.display_name),
            "password": FieldBox(self.password), "password2": FieldBox(self.password2),
        }
        self.village_group = QGroupBox("本村(社区)")
        vform = QFormLayout(self.village_group)
        vform.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        vform.addRow("乡镇(街道)", self.boxes["town"])
        vform.addRow("村(社区)名称", self.boxes["village_name"])
        vform.addRow("村(社区)代码", self.boxes["village_code"])
        vform.addRow("低保标准区域", self.boxes["area"])
        clerk = QGroupBox("第一位专干账号")
        cform = QFormLayout(clerk)
        cform.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        cform.addRow("用户名", self.boxes["username"])
        cform.addRow("姓名", self.boxes["display_name"])
        cform.addRow("密码", self.boxes["password"])
        cform.addRow("确认密码", self.boxes["password2"])
        self.error = ErrorLabel()
        self.ok_button = QPushButton("完成设置")
        self.ok_button.setObjectName("primaryButton")
        self.ok_button.setDefault(True)
        cancel = QPushButton("退出")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.village_group)
        layout.addWidget(clerk)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.town.currentIndexChanged.connect(self._town_changed)
        self.ok_button.clicked.connect(self.finish)
        cancel.clicked.connect(self.reject)
        self._town_changed()
        self.village_name.setFocus()

    def _town_changed(self) -> None:
        code = self.town.currentData() or ""
        current = self.village_code.text()
        if not current or len(current) <= 9 or not current.startswith(code):
            self.village_code.setText(code)

    def _show(self, errors: dict[str, str]) -> None:
        for key, box in self.boxes.items():
            box.set_error(errors.get(key))
        self.error.show_message("请按提示修改后再试" if errors else None)

    def finish(self) -> None:
        from jydesk.domain.regions import validate_village_code
        from jydesk.store.accounts import create_user, password_errors

        errors: dict[str, str] = {}
        code = self.village_code.text().strip()
        if code and not code.startswith(self.town.currentData() or ""):
            errors["village_code"] = "村(社区)代码前9位应与所选乡镇(街道)的代码一致"
        if self.password.text() != self.password2.text():
            errors["password2"] = "两次输入的密码不一致"
        try:  # checked before anything is written: a refused set-up leaves no half-made folder
            validate_village_code(code)
        except ValidationError as exc:
            for e in exc.errors:
                errors.setdefault(e.field, e.message)
        if not self.village_name.text().strip():
            errors["village_name"] = "村(社区)名称不能为空"
        if not self.username_edit.text().strip():
            errors["username"] = "用户名不能为空"
        if not self.display_name.text().strip():
            errors["display_name"] = "姓名不能为空"
        errors.update({e.field: e.message for e in password_errors(self.password.text())})
        if errors:
            self._show(errors)
            return
        from jydesk.store.installation import set_up_village
        from jydesk.store.unlock import create_installation

        made = create_installation(self.data_dir)
        try:
            set_up_village(made.store, code, self.village_name.text(), self.area.currentData())
            actor = create_user(made.store, self.username_edit.text(), self.display_name.text(),
                                self.password.text(), role="admin")
        except ValidationError as exc:
            made.store.close()
            self._show({e.field: e.message for e in exc.errors})
            return
        self.store, self.recovery_key = made.store, made.recovery_key
        self.actor, self.username = actor, self.username_edit.text().strip()
        self.show_recovery_key()
        self.accept()

    def show_recovery_key(self) -> None:
        """The recovery key, once, with 打印 (a PDF for the town office); asked until dismissed."""
        from datetime import date

        from jydesk.printing.recovery import recovery_sheet

        village = self.store.village() if self.store is not None else None
        caption = f"{village.name}（{village.code}）" if village else ""
        while True:
            choice = ask.choose(self, "恢复密钥", f"本机的恢复密钥（只显示这一次）：\n\n{self.recovery_key}\n\n"
                                "所有专干密码都遗失时，凭它才能打开本机数据。请打印后交乡镇（街道）保管，不要存放在本机。\n"
                                + LOSS_NOTICE,
                                (("print", "打印恢复密钥…", ask.Role.ActionRole), ("ok", "已妥善保存", ask.Role.AcceptRole)),
                                default="print")
            if choice != "print":
                return
            target, _ = QFileDialog.getSaveFileName(self, "保存恢复密钥（PDF，打印后请删除此文件）",
                                                    "jydesk-恢复密钥.pdf", "PDF (*.pdf)")
            if target:
                Path(target).write_bytes(recovery_sheet(caption, self.recovery_key, date.today()))
