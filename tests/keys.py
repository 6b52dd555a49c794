"""Keys for tests: one fixed data key, so every test database is SQLCipher like a real one."""

from __future__ import annotations

from pathlib import Path

from jydesk.store import Store, open_store
from jydesk.store.crypto import DataKey
from jydesk.store.keyslots import KeySlots

TEST_KEY = DataKey(bytes(range(32)))


def keyed(data_dir: Path | str, **kwargs) -> Store:  # type: ignore[no-untyped-def]
    """``open_store`` with the test key."""
    return open_store(data_dir, key=TEST_KEY, **kwargs)


def add_demo_login(data_dir: Path | str, username: str = "demo", password: str = "jydesk-demo") -> None:
    """Give ``username`` a key slot for the test key (the account itself must exist or follow)."""
    slots = KeySlots.for_data_dir(Path(data_dir))
    slots.put(username, password, TEST_KEY)
    slots.save()
