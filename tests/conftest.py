"""Shared fixtures: a fresh local store in a temporary data folder (SQLCipher under
``tests.keys.TEST_KEY``, with a key slot for the demo clerk), and the demo login in
``JYDESK_USER``/``JYDESK_PASSWORD`` for command-line runs; platform folders point into the
test's temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jydesk.store import Actor, Store
from jydesk.store.demo import DEMO_PASSWORD, DEMO_USERNAME
from jydesk.store.installation import set_up_village
from tests.keys import add_demo_login, keyed


@pytest.fixture(autouse=True)
def _clerk_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JYDESK_USER", DEMO_USERNAME)
    monkeypatch.setenv("JYDESK_PASSWORD", DEMO_PASSWORD)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """An empty store bound to the default demo village 510185001001."""
    s = keyed(data_dir)
    add_demo_login(data_dir)
    set_up_village(s, "510185001001", "安象街社区")
    yield s
    s.close()


@pytest.fixture
def clerk() -> Actor:
    return Actor("clerk-1", "李专干")
