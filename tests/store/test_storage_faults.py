"""Storage faults (real SQLite faults, not mocks) are recognised and told in Chinese."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from jydesk.domain.errors import ValidationError
from jydesk.store.database import Store
from jydesk.store.faults import STORAGE_CODE, FaultKind, classify, saving
from jydesk.store.installation import set_up_village
from jydesk.store.models import Person
from tests.keys import db_connect, keyed
from tests.store.storage_faults import storage_fault
from tests.sync.client_helpers import CLERK, id_number


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = keyed(tmp_path)
    set_up_village(s, "510185001001", "安象街社区")
    yield s
    s.close()


def _add_people(store: Store, n: int = 1) -> None:
    for _ in range(n):
        with store.write(CLERK) as w:
            w.add(Person(name="张三", id_number=id_number(), note="备注" * 800))


@pytest.mark.parametrize(("kind", "expected", "words"), [
    ("full", FaultKind.FULL, "磁盘空间不足"),
    ("read_only", FaultKind.READ_ONLY, "只读"),
    ("locked", FaultKind.LOCKED, "占用"),
])
def test_a_real_fault_during_a_save_is_classified_and_the_store_recovers(store: Store, kind: str,
                                                                         expected: FaultKind, words: str) -> None:
    with storage_fault(store, kind), pytest.raises(ValidationError) as info, saving():
        _add_people(store, 200)
    error = info.value.errors[0]
    assert error.code == STORAGE_CODE and words in error.message and "未能保存" in error.message
    assert classify(info.value.__cause__).kind is expected  # type: ignore[union-attr]
    assert not re.search(r"[A-Za-z]{3,}", error.message)  # no English
    _add_people(store)  # the cause is gone: saving works again


def test_a_damaged_file_is_recognised(tmp_path: Path) -> None:

    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    from jydesk.store.connection import DatabaseError

    with pytest.raises(DatabaseError) as info:
        db_connect(path).execute("SELECT * FROM sqlite_master").fetchall()
    assert classify(info.value).kind is FaultKind.DAMAGED  # type: ignore[union-attr]


@pytest.mark.parametrize(("code", "kind"), [(errno.ENOSPC, FaultKind.FULL), (errno.EROFS, FaultKind.READ_ONLY),
                                            (errno.EIO, FaultKind.IO)])
def test_os_errors_of_files_are_classified(code: int, kind: FaultKind) -> None:
    try:
        try:
            raise OSError(code, "boom")
        except OSError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        assert classify(exc).kind is kind  # type: ignore[union-attr]


def test_other_errors_are_not_storage_faults_and_pass_through() -> None:
    assert classify(KeyError("x")) is None
    with pytest.raises(KeyError), saving():
        raise KeyError("x")
