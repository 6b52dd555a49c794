"""Fixtures for UI tests (reusable by every panel's tests).

- ``demo_dir``      a fresh data folder holding a small demo village (copied from one built
                    once per session: 40 households, seed 3, clerk demo / jydesk-demo).
- ``demo_store``    that folder opened as a Store (closed after the test).
- ``demo_actor``    the demo clerk as an Actor (no argon2 check: fast).
- ``main_window``   a shown, logged-in MainWindow over ``demo_store``; questions the window
                    would ask in a modal box are answered through ``answers`` (see below).
- ``answers``       a list of keys that ``jydesk.ui.widgets.ask.choose`` returns in order
                    (e.g. ``answers.extend(["discard"])``); asking with none queued fails the test.

Run with QT_QPA_PLATFORM=offscreen (set below if unset).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from jydesk.store import Actor, Store
from jydesk.store.demo import DEMO_PASSWORD, DEMO_USERNAME, generate
from tests.keys import keyed

DEMO_HOUSEHOLDS = 40
DEMO_SEED = 3
__all__ = ["DEMO_PASSWORD", "DEMO_USERNAME"]


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-template")
    store = keyed(folder)
    try:
        generate(store, DEMO_HOUSEHOLDS, DEMO_SEED)
    finally:
        store.close()
    return folder


@pytest.fixture
def demo_dir(_demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(_demo_template, target)
    return target


@pytest.fixture
def demo_store(demo_dir: Path) -> Iterator[Store]:
    store = keyed(demo_dir)
    yield store
    store.close()


def actor_for(store: Store, username: str) -> Actor:
    from sqlalchemy import select

    from jydesk.store.models import User

    with store.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        return Actor(user.id, user.display_name)


@pytest.fixture
def demo_actor(demo_store: Store) -> Actor:
    return actor_for(demo_store, DEMO_USERNAME)


@pytest.fixture(scope="session")
def app_styled(qapp):  # type: ignore[no-untyped-def]
    """The QApplication with jydesk's translations, font and stylesheet."""
    from jydesk.ui.shell.app import create_application

    return create_application()


class _Answers(list):
    """Keys to answer questions with, in order; ``asked`` records the questions."""

    asked: list[str]


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> _Answers:
    from jydesk.ui.widgets import ask

    queued = _Answers()
    queued.asked = []
    asked = queued.asked

    def fake_choose(parent, title, text, buttons, **_kw):  # type: ignore[no-untyped-def]
        asked.append(f"{title}: {text}")
        if not queued:
            pytest.fail(f"unexpected question: {title}: {text}")
        answer = queued.pop(0)
        assert answer in [b[0] for b in buttons], (answer, buttons)
        return answer

    monkeypatch.setattr(ask, "choose", fake_choose)
    return queued


@pytest.fixture
def main_window(qtbot, app_styled, demo_store: Store, demo_actor: Actor, answers):  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_store, demo_actor)
    yield window
    close_quietly(window)


def open_window(qtbot, store: Store, actor: Actor, username: str = DEMO_USERNAME):  # type: ignore[no-untyped-def]
    """A shown MainWindow that pytest-qt closes quietly at the end of the test."""
    from jydesk.ui.shell.main_window import MainWindow

    window = MainWindow(store, actor, username=username)
    qtbot.addWidget(window, before_close_func=_quiet)
    window.show()
    qtbot.waitExposed(window)
    return window


def _quiet(window) -> None:  # type: ignore[no-untyped-def]
    """Drop unsaved input (no 'save changes?' question), unlock, stop the idle timer and workers."""
    for panel in window.panels.values():
        if panel.has_unsaved_changes():
            panel.discard_changes()
    if window.locked:
        window.unlock()
    window.idle.stop()
    window.ctx.workers.wait(5000)


def close_quietly(window) -> None:  # type: ignore[no-untyped-def]
    _quiet(window)
    window.close()


# ---- no exception may escape a Qt slot --------------------------------------------------------
# pytest-qt replaces sys.excepthook around each test's setup, call and teardown and fails the test
# if an exception reached it (PySide hands exceptions raised in slots, timers and event handlers to
# sys.excepthook and carries on). That must stay on for every UI test: turning it off (ini option or
# marker qt_no_exception_capture) is refused here. Uncaught exceptions of Python threads (workers)
# fail the test too.


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ui = [i for i in items if f"{os.sep}tests{os.sep}ui{os.sep}" in str(i.path)]
    if ui and config.getini("qt_no_exception_capture"):
        raise pytest.UsageError("UI tests must run with pytest-qt's exception capture (qt_no_exception_capture is set)")
    for item in ui:
        if item.get_closest_marker("qt_no_exception_capture"):
            raise pytest.UsageError(f"{item.nodeid}: qt_no_exception_capture is not allowed in UI tests")


@pytest.fixture(autouse=True)
def _no_exception_escapes_a_thread() -> Iterator[None]:
    import sys
    import threading

    assert sys.excepthook is not sys.__excepthook__, "pytest-qt's exception capture is not active"
    escaped: list[str] = []
    previous = threading.excepthook

    def record(args: threading.ExceptHookArgs) -> None:
        escaped.append(f"{getattr(args.thread, 'name', '?')}: {args.exc_type.__name__}: {args.exc_value}")
        previous(args)

    threading.excepthook = record
    try:
        yield
    finally:
        threading.excepthook = previous
    assert not escaped, f"exceptions escaped background threads: {escaped}"
