"""Shared fixtures: a fresh local store in a temporary data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jydesk.store import Actor, Store
from jydesk.store.installation import set_up_village
from tests.keys import keyed


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """An empty store bound to the default demo village 510185001001."""
    s = keyed(data_dir)
    set_up_village(s, "510185001001", "安象街社区")
    yield s
    s.close()


@pytest.fixture
def clerk() -> Actor:
    return Actor("clerk-1", "李专干")
