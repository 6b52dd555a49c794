"""A hypothesis state machine: two devices of one village make random edits and sync through
random faults and restarts; at the end the server holds exactly what the clerks did.

Checked at the end (after syncing until quiet, the clerk settling every conflict):
- nothing lost or doubled: the server has exactly the people the clerks created, once each,
  and every batch id it stored is one the devices formed;
- both devices and the server agree on every field;
- every final value is one a clerk wrote, and every device's last value for a field is either
  the final one, kept in a conflict the clerk saw, or knowingly replaced by the other clerk.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from jydesk.store.models import Person
from jydesk.store.sync_models import SyncConflict
from sync.client import SyncError, state
from sync.client.outbox import BatchLimits
from sync.client.resolve import open_conflicts, resolve_conflict
from tests.keys import keyed
from tests.sync.client_helpers import CLERK, Device, new_device
from tests.sync.faults import FaultyTransport

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)
FIELDS = ("phone", "note")
FAULTS = ("none", "none", "none", "lost_ack", "error500", "offline", "crash_after_ack")
SMALL = BatchLimits(max_changes=3)


class Crash(Exception):
    """The process dies after the server answered, before the local commit."""


def _rule(fault: str):
    def rule(request: httpx.Request, n: int) -> str | None:
        if fault == "offline":
            return "drop_before"
        if request.url.path.endswith("/batches"):
            if fault == "lost_ack" and n == 1:
                return "drop_after"
            if fault == "error500":
                return "500"
        return None
    return rule


def make_machine(server, root: Path) -> type[RuleBasedStateMachine]:
    counter = itertools.count(1)

    class TwoClerks(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            village = server.new_village()
            folder = Path(tempfile.mkdtemp(dir=root))
            self.devices = {name: new_device(server, folder / name, village) for name in ("A", "B")}
            self.village = village
            self.people: list[str] = []
            self.created: set[str] = set()
            self.writes: list[tuple[str, str, str, object, object]] = []  # device, pid, field, old, new
            self.last: dict[tuple[str, str, str], object] = {}  # (device, pid, field) -> last value written
            self.batch_ids: set[str] = set()
            for _ in range(2):  # two people both clerks already have
                self.add_person("A")
            for d in self.devices.values():
                d.sync(after_response=lambda b, _r: self.batch_ids.add(b))

        def teardown(self) -> None:
            for d in getattr(self, "devices", {}).values():
                d.close()

        # -- what the clerks do ---------------------------------------------------------------

        @rule(who=st.sampled_from("AB"))
        def add_person(self, who: str) -> None:
            d = self.devices[who]
            pid = d.add_person(name=f"人{next(counter)}")
            self.people.append(pid)
            self.created.add(pid)

        @rule(who=st.sampled_from("AB"), index=st.integers(0, 50), field=st.sampled_from(FIELDS))
        def edit(self, who: str, index: int, field: str) -> None:
            d = self.devices[who]
            pid = self.people[index % len(self.people)]
            person = d.get(Person, pid)
            if person is None:  # not on this device yet
                return
            n = next(counter)
            value = f"139{n:08d}" if field == "phone" else f"{who}的备注{n}"
            old = getattr(person, field)
            d.edit(Person, pid, **{field: value})
            self.writes.append((who, pid, field, old, value))
            self.last[(who, pid, field)] = value

        @rule(index=st.integers(0, 50), field=st.sampled_from(FIELDS))
        def both_edit(self, index: int, field: str) -> None:
            """Both clerks change the same field before either syncs (a conflict in the making)."""
            self.edit("A", index, field)
            self.edit("B", index, field)

        @rule(who=st.sampled_from("AB"), fault=st.sampled_from(FAULTS))
        def sync(self, who: str, fault: str) -> None:
            d = self.devices[who]
            crash = fault == "crash_after_ack"

            def hook(batch_id, _result):
                self.batch_ids.add(batch_id)
                if crash:
                    raise Crash
            transport = FaultyTransport(_rule("none" if fault == "crash_after_ack" else fault))
            try:
                with httpx.Client(transport=transport) as http:
                    d.sync(http=http, limits=SMALL, after_response=hook)
            except (SyncError, Crash):
                pass
            self._remember_batches(d)
            if fault == "crash_after_ack":
                self.restart(who)

        @rule(who=st.sampled_from("AB"))
        def restart(self, who: str) -> None:
            d = self.devices[who]
            d.store.close()
            d.store = keyed(d.folder)

        def _remember_batches(self, d: Device) -> None:
            from jydesk.store.models import OutboxEntry

            with d.store.read() as s:
                self.batch_ids |= {b for (b,) in s.execute(select(OutboxEntry.batch_id)) if b}

        @invariant()
        def outbox_never_loses_unsent_people(self) -> None:
            for d in getattr(self, "devices", {}).values():
                with d.store.read() as s:
                    local = {p for (p,) in s.execute(select(Person.id))}
                assert local <= self.created

        # -- the end ------------------------------------------------------------------------

        def settle(self) -> None:
            for _ in range(6):
                for who, d in self.devices.items():
                    d.sync(limits=SMALL, after_response=lambda b, _r: self.batch_ids.add(b))
                    for c in open_conflicts(d.store):
                        resolve_conflict(d.store, c.id, "local" if who == "A" else "server", CLERK)
                if all(d.outbox_count() == 0 and not open_conflicts(d.store) for d in self.devices.values()):
                    for d in self.devices.values():
                        d.sync(limits=SMALL, after_response=lambda b, _r: self.batch_ids.add(b))
                    return
            raise AssertionError("devices did not settle")

        def check(self) -> None:
            self.settle()
            ids = {r.id for r in self._server_people()}
            assert ids == self.created
            assert server.count(village_code=self.village, entity="person") == len(self.created)
            device_ids = {state.credentials(d.store).device_id for d in self.devices.values()}
            stored = set()
            for device_id in device_ids:
                with server.db.read() as conn:
                    from sqlalchemy import text

                    stored |= {b for (b,) in conn.execute(text("SELECT batch_id FROM batches WHERE device_id = :d"),
                                                           {"d": device_id})}
            assert stored <= self.batch_ids
            final = {r.id: r.fields for r in self._server_people()}
            for d in self.devices.values():
                with d.store.read() as s:
                    for p in s.execute(select(Person)).scalars():
                        for field in (*FIELDS, "name"):
                            assert getattr(p, field) == final[p.id].get(field), (field, p.id)
            conflict_values: set[object] = set()
            for d in self.devices.values():
                with d.store.read() as s:
                    for c in s.execute(select(SyncConflict)).scalars():
                        conflict_values |= {c.local_value, c.server_value}
            written = {(pid, f): set() for (_, pid, f, _, _) in self.writes}
            for _, pid, f, _, new in self.writes:
                written[(pid, f)].add(new)
            for (pid, f), values in written.items():
                assert final[pid].get(f) in values, (pid, f)
            for (who, pid, f), value in self.last.items():
                if final[pid].get(f) == value or value in conflict_values:
                    continue
                replaced = any(w != who and p == pid and fld == f and old == value
                               for w, p, fld, old, _ in self.writes)
                assert replaced, f"{who} 的 {f}={value} 丢失"

        def _server_people(self) -> list:
            from sqlalchemy import select as sel

            from sync.server.models import Record

            t = Record.__table__.c
            with server.db.read() as conn:
                return conn.execute(sel(t.id, t.fields).where(t.village_code == self.village,
                                                                t.entity == "person")).all()

    return TwoClerks


def test_two_clerks_random_edits_faults_and_restarts(server, tmp_path: Path) -> None:
    machine = make_machine(server, tmp_path)

    class Checked(machine):  # type: ignore[misc, valid-type]
        def teardown(self) -> None:
            try:
                if getattr(self, "devices", None):
                    self.check()
            finally:
                super().teardown()

    run_state_machine_as_test(Checked, settings=settings(
        max_examples=8, stateful_step_count=16, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    shutil.rmtree(tmp_path, ignore_errors=True)
