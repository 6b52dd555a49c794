"""Restoring an older backup loses and doubles nothing on the server (real server on loopback,
``jydesk backup`` / ``jydesk restore`` as real processes): a batch already sent keeps its id and
is answered from the server's record, and the device pulls from the backup's cursor, so what it
lost since the backup comes back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jydesk.store.models import Person
from sync.client import state
from sync.client.outbox import form_batches
from sync.client.resolve import open_conflicts, rejected_changes
from tests.keys import keyed
from tests.sync.client_helpers import new_device


def _jydesk(folder: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "jydesk", "--data-dir", str(folder), *args], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_restoring_an_older_backup_neither_loses_nor_doubles_anything(server, tmp_path: Path) -> None:
    a = new_device(server, tmp_path / "a", server.new_village())
    hid = a.add_household()
    p1 = a.add_person(hid, name="张一")
    p2 = a.add_person(hid, name="张二")
    a.sync()
    p3 = a.add_person(hid, name="张三")
    (sent_batch,) = form_batches(a.store)  # the batch id is fixed in the outbox before the backup
    backup = tmp_path / "before.sqlite3"
    _jydesk(a.folder, "backup", "-o", str(backup))
    a.sync()  # the server applies that batch after the backup was taken
    p4 = a.add_person(hid, name="张四")
    a.edit(Person, p1, name="张一一")
    a.sync()
    device_id = state.credentials(a.store).device_id
    batches = server.scalar("SELECT count(*) FROM batches WHERE device_id = :d", d=device_id)
    people_before = server.scalar("SELECT count(*) FROM records WHERE entity = 'person' AND village_code = :v",
                                  v=a.village)
    a.store.close()

    out = _jydesk(a.folder, "restore", str(backup))
    assert "原数据库已保留为" in out
    a.store = keyed(a.folder)
    assert a.get(Person, p4) is None and a.get(Person, p1).name == "张一"  # the backup's state
    assert a.outbox_count() > 0
    summary = a.sync()

    assert summary.pushed.get("applied", 0) + summary.pushed.get("replayed", 0) >= 1
    assert server.scalar("SELECT count(*) FROM batches WHERE device_id = :d", d=device_id) == batches
    assert server.scalar("SELECT count(*) FROM batches WHERE batch_id = :b", b=sent_batch) == 1
    assert server.scalar("SELECT count(*) FROM records WHERE entity = 'person' AND village_code = :v",
                         v=a.village) == people_before == 4
    assert server.record("person", p3).revision == 1  # applied once, not twice
    assert server.record("person", p1).revision == 2
    assert a.get(Person, p4) is not None and a.get(Person, p4).name == "张四"  # lost since the backup: back
    assert a.get(Person, p1).name == "张一一" and a.get(Person, p2).name == "张二"
    assert a.outbox_count() == 0
    assert open_conflicts(a.store) == [] and rejected_changes(a.store) == []
    a.close()
