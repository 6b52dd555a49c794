"""One running app per data folder: the first holds the folder's lock (shared with the long CLI
writers, ``jydesk.store.instance_lock``) and listens on a local socket; a second start finds the
lock taken, asks the first to come to the front through that socket, and says so.

QtNetwork (about 14 ms of imports) loads after the first paint: ``listen()`` is called then."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget

from jydesk.store.instance_lock import FolderInUseError, InstanceLock

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE = b"raise\n"


def server_name(data_dir: Path) -> str:
    """The local socket's name for ``data_dir`` (one per folder and user)."""
    import hashlib

    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"jydesk-{digest}"


def bring_to_front(widget: QWidget) -> None:
    if widget.isMinimized():
        widget.showNormal()
    widget.setWindowState((widget.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    widget.raise_()
    widget.activateWindow()


def raise_visible_windows() -> None:
    """The app's visible top-level windows to the front, a modal dialog (login) last so it has focus."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    modal = app.activeModalWidget()
    for widget in app.topLevelWidgets():
        if widget.isVisible() and widget is not modal and widget.isWindow():
            bring_to_front(widget)
    if modal is not None:
        bring_to_front(modal)


class SingleInstance(QObject):
    """``claim()`` the folder; ``activate_requested`` fires when a second start asks for the window."""

    activate_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.lock = InstanceLock(data_dir, "程序窗口")
        self.server: QLocalServer | None = None
        self.message = ""

    @property
    def name(self) -> str:
        return server_name(self.data_dir)

    def claim(self) -> bool:
        """True if this is the first app on the folder; else ask the first to show itself."""
        try:
            self.lock.acquire()
        except FolderInUseError as exc:
            self.message = str(exc)
            return False
        return True

    def listen(self) -> None:
        """Answer later starts (call after the first paint)."""
        from PySide6.QtNetwork import QLocalServer

        if self.server is not None or not self.lock.held:
            return
        QLocalServer.removeServer(self.name)  # a socket file left by a crashed app
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        self.server.listen(self.name)

    def notify_first(self, timeout_ms: int = 1000) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(RAISE)
        ok = socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return ok

    def _on_connection(self) -> None:
        assert self.server is not None
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(self._read)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket | None = None) -> None:
        socket = socket or self.sender()  # type: ignore[assignment]
        if socket is not None and bytes(socket.readAll().data()).startswith(RAISE.strip()):
            self.activate_requested.emit()

    def release(self) -> None:
        if self.server is not None:
            self.server.close()  # the server and its sockets go with this object
        self.lock.release()
