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

    The login dialog appears before the ORM is loaded (plain ``sqlite3`` reads); SQLAlchemy,
    the models and the first services load in a background thread while the clerk types."""
    app = create_application()
    from jydesk.store.quick_reads import user_count
    from jydesk.ui.shell.single_instance import SingleInstance, raise_visible_windows

    instance = SingleInstance(data_dir)
    if not instance.claim():  # one app per data folder: show the first one instead
        shown = instance.notify_first()
        QMessageBox.information(None, APP_NAME, f"数据文件夹 {data_dir} 已经有一个 jydesk 程序在运行，已切换到那个窗口。"
                                if shown else instance.message)
        return 0
    instance.activate_requested.connect(raise_visible_windows)
    store = open_or_offer_backup(data_dir)
    if store is None:
        instance.release()
        return 1
    warm: list[threading.Thread] = []
    try:
        actor, username = None, ""
        if store.village() is None or user_count(store) == 0:
            from jydesk.ui.shell.setup_dialog import SetupDialog

            setup = SetupDialog(store)
            after_first_paint(setup, lambda: warm.append(begin_warm_up(store)))
            after_first_paint(setup, instance.listen)
            if setup.exec() != SetupDialog.DialogCode.Accepted or setup.actor is None:
                return 0
            actor, username = setup.actor, setup.username
        if actor is None:
            from jydesk.ui.shell.login_dialog import LoginDialog
            from jydesk.ui.shell.main_window import village_caption

            login = LoginDialog(store, village=village_caption(store))
            # The ORM loads while the clerk types, not before the dialog is painted (same GIL).
            after_first_paint(login, lambda: warm.append(begin_warm_up(store)))
            after_first_paint(login, instance.listen)
            if login.exec() != LoginDialog.DialogCode.Accepted or login.actor is None:
                return 0
            actor, username = login.actor, login.username
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
        store.close()
        instance.release()


def open_or_offer_backup(data_dir: Path) -> Store | None:
    """The store, or None after telling the clerk why not. A damaged or empty data file is never
    replaced: the clerk is offered the newest good backup (and the file is opened again after it)."""
    from jydesk.store import SchemaTooNewError, open_store
    from jydesk.store.database import DB_FILENAME, damage_message

    while True:
        try:
            return open_store(data_dir)
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

            if not offer_restore(None, data_dir, message):
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


def begin_warm_up(store: Store) -> threading.Thread:
    """Load the ORM and the first services in a background thread (behind the login dialog)."""
    thread = threading.Thread(target=_warm_up, args=(store,), name="jydesk-warm-up", daemon=True)
    thread.start()
    return thread


def _warm_up(store: Store) -> None:
    try:
        store.warm_up()
    except Exception:  # the same failure is met (and shown) where the window needs the ORM
        log.exception("后台加载数据库组件失败")
