"""Starting the desktop app: Qt set-up (zh_CN translations, font, style), first-run set-up or login,
then the main window.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

if TYPE_CHECKING:
    from jydesk.store import Store
    from jydesk.store.crypto import DataKey

log = logging.getLogger(__name__)

APP_NAME = "简阳市民政专干业务系统"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Chinese Qt dialogs, the bundled font and the stylesheet (idempotent)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    if app.property("jydesk_ready"):
        return app
    app.setApplicationName("jydesk")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("jydesk")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    install_translations(app)
    from jydesk.ui.shell.style import apply_style

    apply_style(app)
    app.setProperty("jydesk_ready", True)
    return app


def install_translations(app: QApplication) -> list[QTranslator]:
    """Load Qt's own zh_CN translations (qtbase: standard buttons, file dialogs, context menus)."""
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = []
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, path):
            app.installTranslator(translator)
            loaded.append(translator)
        else:
            log.warning("未找到 Qt 中文翻译 %s（%s）", name, path)
    return loaded


def run_app(data_dir: Path) -> int:
    """The desktop app on ``data_dir``: set-up on first run, login, main window. Exit status.

    The data is encrypted: the login dialog reads only the key slots; the clerk's password
    unwraps the data key, which opens the database. SQLAlchemy and the models are imported in
    a background thread while the clerk types. A data folder from before encryption is
    encrypted first (with progress)."""
    app = create_application()
    from jydesk.ui.shell.single_instance import SingleInstance, raise_visible_windows

    instance = SingleInstance(data_dir)
    if not instance.claim():  # one app per data folder: show the first one instead
        shown = instance.notify_first()
        QMessageBox.information(None, APP_NAME, f"数据文件夹 {data_dir} 已经有一个 jydesk 程序在运行，已切换到那个窗口。"
                                if shown else instance.message)
        return 0
    instance.activate_requested.connect(raise_visible_windows)
    warm: list[threading.Thread] = []
    store: Store | None = None
    try:
        state = _folder_state(data_dir)
        if state == "plain":
            from jydesk.ui.shell.encrypt_dialog import encrypt_old_folder

            if not encrypt_old_folder(data_dir):
                return 1
            state = "locked"
        if state == "no_slots":
            QMessageBox.critical(None, APP_NAME, f"数据文件夹 {data_dir} 缺少密钥文件 keyslots.json，数据无法解密。\n"
                                 "请把备份文件旁的 .keyslots.json 复制为该文件，或用“jydesk restore 备份文件”恢复。")
            return 1
        if state not in ("new", "locked"):
            QMessageBox.critical(None, APP_NAME, state)
            return 1
        actor, username = None, ""
        if state == "new":
            from jydesk.ui.shell.setup_dialog import SetupDialog

            setup = SetupDialog(data_dir)
            after_first_paint(setup, lambda: warm.append(begin_warm_up(None)))
            after_first_paint(setup, instance.listen)
            if setup.exec() != SetupDialog.DialogCode.Accepted or setup.actor is None or setup.store is None:
                return 0
            store, actor, username = setup.store, setup.actor, setup.username
            warm.append(begin_warm_up(store))
        else:
            store, actor, username = _log_in(data_dir, warm, instance)
            if store is None or actor is None:
                return 0
        from jydesk.ui.shell.main_window import MainWindow

        window = MainWindow(store, actor, username=username)
        window.ready.connect(window.offer_drafts)  # drafts are read through the ORM
        window.ready.connect(lambda: _start_checks(window, store))
        after_first_paint(window, instance.listen)
        window.show()
        return app.exec()
    finally:
        for thread in warm:
            thread.join(10)
        if store is not None:
            store.close()
        instance.release()


def _folder_state(data_dir: Path) -> str:
    from jydesk.store.keyslots import KeySlotsError
    from jydesk.store.unlock import folder_state

    try:
        return folder_state(data_dir)
    except KeySlotsError as exc:
        return str(exc)


def _log_in(data_dir: Path, warm: list[threading.Thread], instance: object) -> tuple[Store | None, object, str]:
    """The login dialog over the key slots; a damaged data file is offered the newest good backup."""
    from jydesk.store.keyslots import KeySlots
    from jydesk.ui.shell.login_dialog import LoginDialog

    slots = KeySlots.for_data_dir(data_dir)
    while True:
        login = LoginDialog(None, village=slots.village, data_dir=data_dir)
        # SQLAlchemy and the models load while the clerk types, not before the dialog is painted (same GIL).
        after_first_paint(login, lambda: warm.append(begin_warm_up(None)))
        after_first_paint(login, instance.listen)  # type: ignore[attr-defined]
        if login.exec() != LoginDialog.DialogCode.Accepted:
            return None, None, ""
        if login.damage is None and login.store is not None:
            warm.append(begin_warm_up(login.store))
            return login.store, login.actor, login.username
        from jydesk.ui.backup.checks import offer_restore

        assert login.key is not None
        if not offer_restore(None, data_dir, login.damage or "", login.key):
            return None, None, ""


def open_or_offer_backup(data_dir: Path, key: DataKey) -> Store | None:
    """The store, or None after telling the clerk why not. A damaged or empty data file is never
    replaced: the clerk is offered the newest good backup (and the file is opened again after it)."""
    from jydesk.store import SchemaTooNewError, open_store
    from jydesk.store.database import DB_FILENAME, damage_message

    while True:
        try:
            return open_store(data_dir, key=key)
        except SchemaTooNewError as exc:
            QMessageBox.critical(None, APP_NAME, str(exc))
            return None
        except Exception as exc:  # unreadable folder, damaged file …
            message = damage_message(exc, data_dir / DB_FILENAME)
            if message is None:
                log.exception("打开数据库失败")
                detail = exc.strerror if isinstance(exc, OSError) else "详细原因已写入日志"
                QMessageBox.critical(None, APP_NAME, f"无法打开数据文件夹 {data_dir}（{detail}）。")
                return None
            from jydesk.ui.backup.checks import offer_restore

            if not offer_restore(None, data_dir, message, key):
                return None


def _start_checks(window: QWidget, store: Store) -> None:
    from jydesk.ui.audit.checks import start_chain_check
    from jydesk.ui.backup.checks import start_checks

    start_checks(window, store)
    start_chain_check(window, store, window.ctx.workers)  # type: ignore[attr-defined]


class _FirstPaint(QObject):
    """Calls ``callback`` once, right after the first paint of the watched widget."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self.callback: Callable[[], None] | None = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.callback is not None:
            callback, self.callback = self.callback, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, callback)  # once this paint pass is done
        return False


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``widget`` has been painted for the first time."""
    _FirstPaint(widget, callback)


def begin_warm_up(store: Store | None) -> threading.Thread:
    """Load the ORM and the first services in a background thread (behind the login dialog);
    without a store (before the login has unlocked it) only the modules are imported."""
    thread = threading.Thread(target=_warm_up, args=(store,), name="jydesk-warm-up", daemon=True)
    thread.start()
    return thread


def _warm_up(store: Store | None) -> None:
    try:
        if store is None:
            import importlib

            from jydesk.store.database import WARM_MODULES

            for name in ("sqlalchemy", "jydesk.store.models", "jydesk.store.unit_of_work", *WARM_MODULES):
                importlib.import_module(name)
            return
        store.warm_up()
    except Exception:  # the same failure is met (and shown) where the window needs the ORM
        log.exception("后台加载数据库组件失败")
