"""A button that stays disabled for a countdown after failed password attempts (login and unlock)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QPushButton


class WaitCountdown(QObject):
    """Disables ``button`` for N seconds, showing 请等待 N 秒, then restores its text."""

    def __init__(self, button: QPushButton, text: str) -> None:
        super().__init__(button)
        self.button = button
        self.text = text
        self.remaining = 0
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

    def start(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self.remaining = int(seconds + 0.999)
        self.button.setEnabled(False)
        self._tick()
        self.timer.start()

    def _tick(self) -> None:
        if self.remaining <= 0:
            self.timer.stop()
            self.button.setEnabled(True)
            self.button.setText(self.text)
            return
        self.button.setText(f"请等待 {self.remaining} 秒")
        self.remaining -= 1
