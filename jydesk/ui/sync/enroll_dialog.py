"""登记本机: bind this installation to the city server with a one-time code (server address + code).

The exchange runs in a worker (a slow link must not freeze the window); the answer — or the
Chinese reason it failed — appears in the dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from jydesk.ui.shell.context import AppContext
from jydesk.ui.widgets import ask


def run_enroll(store: Any, server: str, code: str, device_name: str | None, village_name: str | None,
               replace: bool = False) -> Any:
    from sync.client import enroll

    return enroll(store, server, code, device_name=device_name, village_name=village_name, replace=replace)


class EnrollDialog(QDialog):
    """Server address and one-time code; ``result_enrollment`` is set when it worked."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_enrollment: Any = None
        self.setWindowTitle("登记本机到市级平台")
        from sync.client import state

        values = state.read_all(ctx.store)
        self.server = QLineEdit(values.get(state.SERVER_URL) or "")
        self.server.setPlaceholderText("如 https://mz.example.gov.cn")
        self.code = QLineEdit()
        self.code.setPlaceholderText("如 ABCD-EFGH-JKMN")
        self.device_name = QLineEdit()
        self.device_name.setPlaceholderText("默认：本机计算机名")
        self.village_name = QLineEdit()
        form = QFormLayout()
        form.addRow("服务器地址(&S)", self.server)
        form.addRow("登记码(&C)", self.code)
        form.addRow("本机名称", self.device_name)
        self.needs_village = ctx.store.village_code() is None
        if self.needs_village:
            form.addRow("村(社区)名称", self.village_name)
        hint = QLabel("登记码由市民政局发放，只能使用一次。登记后本机的修改会自动同步到市级平台。")
        hint.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("enrollMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登记")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(460, 0)
        self.enrolled_as = values.get(state.DEVICE_ID) if values.get(state.DEVICE_SECRET) else None

    def submit(self) -> None:
        server, code = self.server.text().strip(), self.code.text().strip()
        if not server:
            self._show("请填写服务器地址", self.server)
            return
        if not code:
            self._show("请填写登记码", self.code)
            return
        if self.needs_village and not self.village_name.text().strip():
            self._show("请填写本村(社区)名称", self.village_name)
            return
        if self.enrolled_as and not ask.confirm(
                self, "重新登记", f"本机已登记为设备 {self.enrolled_as}。\n\n重新登记后将使用新的设备编号，"
                "原设备编号会在服务器上停用。确定重新登记吗？", yes="重新登记"):
            return
        self.buttons.setEnabled(False)
        self.message.setText("正在登记……")
        job = self.ctx.workers.submit(run_enroll, self.ctx.store, server, code,
                                      self.device_name.text().strip() or None,
                                      self.village_name.text().strip() or None, bool(self.enrolled_as))
        job.signals.result.connect(self._done)
        job.signals.error.connect(self._failed)

    def _show(self, text: str, widget: QWidget | None = None) -> None:
        self.message.setText(text)
        if widget is not None:
            widget.setFocus()

    def _done(self, enrollment: Any) -> None:
        self.result_enrollment = enrollment
        self.buttons.setEnabled(True)
        self.message.setText(f"登记成功：{enrollment.town_name}，村(社区)代码 {enrollment.village_code}")
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        from sync.client import SyncError

        self.buttons.setEnabled(True)
        text = exc.message if isinstance(exc, SyncError) else getattr(exc, "message", None) or f"登记失败：{exc}"
        self._show(text)
