"""Keys for tests: one fixed data key, so every test database is SQLCipher like a real one.

- ``TEST_KEY``        the data key of every test data folder;
- ``keyed(dir)``      ``open_store`` with it;
- ``db_connect(p)``   a raw connection to a test database file (instead of ``sqlite3.connect``);
- ``add_demo_login``  a key slot for the demo clerk (cheap argon2 parameters: tests only), so
                      command-line runs log in with ``JYDESK_USER``/``JYDESK_PASSWORD`` (set for
                      every test by ``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jydesk.store import Store, open_store
from jydesk.store.crypto import DataKey
from jydesk.store.keyslots import KeySlots

TEST_KEY = DataKey(bytes(range(32)))
DEMO_USERNAME, DEMO_PASSWORD = "demo", "jydesk-demo"  # jydesk.store.demo's (not imported: no SQLAlchemy)
CHEAP = (1, 8, 1)


def keyed(data_dir: Path | str, **kwargs: Any) -> Store:
    """``open_store`` with the test key; a folder without key slots gets the demo clerk's."""
    store = open_store(data_dir, key=kwargs.pop("key", TEST_KEY), **kwargs)
    if not (Path(data_dir) / "keyslots.json").exists():
        add_demo_login(data_dir)
    return store


def db_connect(path: Path | str, key: DataKey = TEST_KEY, **kwargs: Any) -> Any:
    """A ``sqlcipher3`` connection to a test database (used like ``sqlite3.connect``)."""
    from sqlcipher3 import dbapi2

    conn = dbapi2.connect(str(path), **kwargs)
    conn.execute(key.pragma)
    return conn


def folder_key(data_dir: Path | str, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> DataKey:
    """The data key of a folder made by the command line (``demo-data``: a random key)."""
    key = KeySlots.for_data_dir(Path(data_dir)).unlock(username, password)
    assert key is not None, f"no slot of {username} opens {data_dir}"
    return key


def add_demo_login(data_dir: Path | str, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> None:
    """Give ``username`` a key slot for the test key (cheap argon2: tests only)."""
    slots = KeySlots.for_data_dir(Path(data_dir))
    slots.put(username, password, TEST_KEY, cost=CHEAP)
    slots.save()
