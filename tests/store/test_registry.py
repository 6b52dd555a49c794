"""Registry services: windowed listings, household save in one transaction, reveal, drafts, settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jydesk.domain.errors import ValidationError
from jydesk.domain.idnumber import check_digit
from jydesk.store import Actor, Store
from jydesk.store import listings as lst
from jydesk.store import registry as reg
from jydesk.store.demo import generate
from jydesk.store.models import AuditEntry, Household, OutboxEntry, Person
from jydesk.store.registry import FormRejected, HouseholdForm, MemberForm
from tests.keys import keyed

CLERK = Actor("clerk-0001-0000-0000-000000000001", "测试专干")


def number(birth: str, seq: int) -> str:
    first17 = f"110105{birth}{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("registry-template")
    store = keyed(folder)
    generate(store, 30, seed=5)
    store.close()
    return folder


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    shutil.copytree(template, tmp_path / "data")
    s = keyed(tmp_path / "data")
    yield s
    s.close()


def family() -> HouseholdForm:
    return HouseholdForm(address="简城街道安象街社区4组6号", group_no="4", phone="13800138000", members=[
        MemberForm(name="周大山", id_number=number("19560301", 11), relation="本人", care_flags=["空巢"],
                   monthly_income="850.5"),
        MemberForm(name="吴桂兰", id_number=number("19580712", 22), relation="配偶", disability_type="视力",
                   disability_grade="3"),
        MemberForm(name="周小红", id_number=number("20090101", 42), relation="女"),
    ])


def tally(store: Store) -> tuple[int, int]:
    with store.read() as s:
        return (s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
                s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one())


# ---- listings ----

@pytest.mark.parametrize("sort", list(lst.PERSON_SORTS))
def test_person_listing_pages_agree_before_and_after_prepare(store: Store, sort: str) -> None:
    plain = lst.PersonListing(store, sort)
    total = plain.count()
    with store.read() as s:
        assert total == s.execute(select(func.count()).select_from(Person).where(Person.deleted.is_(False))
                                  ).scalar_one()
    by_offset = [r.id for start in range(0, total, 7) for r in plain.page(start, 7)]
    prepared = lst.PersonListing(store, sort)
    prepared.prepare()
    assert prepared.prepared and prepared.count() == total
    by_rowid = [r.id for start in range(0, total, 7) for r in prepared.page(start, 7)]
    assert by_offset == by_rowid and len(set(by_rowid)) == total
    descending = lst.PersonListing(store, sort, descending=True)
    descending.prepare()
    assert [r.id for r in descending.page(0, total)] == by_rowid[::-1]


def test_person_listing_sorted_by_name_and_skips_deleted(store: Store) -> None:
    listing = lst.PersonListing(store, "name")
    rows = listing.page(0, 10_000)
    assert [r.name for r in rows] == sorted(r.name for r in rows)
    victim = rows[0]
    with store.write(CLERK) as w:
        w.delete(w.session.get(Person, victim.id))
    again = lst.PersonListing(store, "name")
    assert again.count() == len(rows) - 1 and victim.id not in {r.id for r in again.page(0, 10_000)}


@pytest.mark.parametrize("sort", list(lst.HOUSEHOLD_SORTS))
def test_household_listing_pages_and_member_counts(store: Store, sort: str) -> None:
    listing = lst.HouseholdListing(store, sort)
    rows = listing.page(0, 1000)
    assert len(rows) == listing.count() == 30
    listing.prepare()
    assert [r.id for r in listing.page(0, 1000)] == [r.id for r in rows]
    with store.read() as s:
        sizes = dict(s.execute(select(Person.household_id, func.count()).group_by(Person.household_id)).all())
    assert all(r.members == sizes[r.id] and r.head_name for r in rows)


def test_unknown_sort_key_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        lst.PersonListing(store, "id; DROP TABLE persons")


def test_search_people_and_households(store: Store) -> None:
    with store.read() as s:
        person = s.execute(select(Person).limit(1)).scalar_one()
    with store.sql() as db:
        found = lst.search_persons(db, person.name)
        assert person.id in {r.id for r in found}
        households = lst.search_households(db, person.id_number[-6:])
        assert [h.id for h in households] == [person.household_id]
        assert lst.search_persons(db, "") == []


# ---- saving households ----

def test_save_new_household_writes_rows_audit_and_outbox_once(store: Store) -> None:
    audits, outbox = tally(store)
    saved = reg.save_household(store, CLERK, family())
    assert saved.id and all(m.id for m in saved.members)
    assert tally(store) == (audits + 4, outbox + 4)
    loaded = reg.load_household(store, saved.id)
    assert [m.name for m in loaded.members] == ["周大山", "吴桂兰", "周小红"]
    assert loaded.members[0].monthly_income == "850.5" and loaded.members[1].disability_grade == "3"
    with store.read() as s:
        hh = s.get(Household, saved.id)
        assert hh.head_person_id == saved.members[0].id and hh.group_no == 4
        actors = set(s.execute(select(AuditEntry.actor_name).where(AuditEntry.record_id == hh.id)).scalars())
    assert actors == {"测试专干"}

    assert reg.save_household(store, CLERK, loaded) is not None  # nothing changed: nothing written
    assert tally(store) == (audits + 4, outbox + 4)


def test_update_and_remove_members(store: Store) -> None:
    saved = reg.save_household(store, CLERK, family())
    form = reg.load_household(store, saved.id)
    form.members[1].phone = "13912345678"
    removed = form.members.pop(2)
    audits, outbox = tally(store)
    reg.save_household(store, CLERK, form)
    assert tally(store) == (audits + 2, outbox + 2)
    with store.read() as s:
        assert s.get(Person, removed.id).deleted is True
        assert s.get(Person, form.members[1].id).phone == "13912345678"
        ops = s.execute(select(OutboxEntry.op).where(OutboxEntry.record_id == removed.id)
                        .order_by(OutboxEntry.id)).scalars().all()
    assert ops == ["upsert", "delete"]
    assert [m.name for m in reg.load_household(store, saved.id).members] == ["周大山", "吴桂兰"]


@pytest.mark.parametrize(("change", "where", "text"), [
    (lambda f: f.members.clear(), "general", "至少"),
    (lambda f: setattr(f.members[1], "relation", "本人"), "general", "本人"),
    (lambda f: setattr(f.members[2], "id_number", f.members[0].id_number), "member:2", "重复"),
    (lambda f: setattr(f.members[1], "id_number", f.members[1].id_number[:17] + "0"
                       if f.members[1].id_number[-1] != "0" else f.members[1].id_number[:17] + "1"),
     "member:1", "校验位"),
    (lambda f: setattr(f.members[0], "phone", "12345"), "member:0", "联系电话"),
    (lambda f: setattr(f, "address", "  "), "household", "家庭住址"),
    (lambda f: setattr(f, "group_no", "200"), "household", "组号"),
])
def test_bad_forms_are_refused_with_the_place_of_each_error(store: Store, change, where: str, text: str) -> None:  # type: ignore[no-untyped-def]
    form = family()
    change(form)
    before = tally(store)
    with pytest.raises(FormRejected) as caught:
        reg.save_household(store, CLERK, form)
    rejected = caught.value
    if where == "general":
        messages = [e.message for e in rejected.general]
    elif where == "household":
        messages = [e.message for e in rejected.household]
    else:
        messages = [e.message for e in rejected.members[int(where.split(":")[1])]]
    assert any(text in m for m in messages), messages
    assert any(text in line for line in rejected.describe(form))
    assert isinstance(rejected, ValidationError)
    assert tally(store) == before


def test_id_number_registered_in_another_household_is_refused(store: Store) -> None:
    with store.read() as s:
        taken = s.execute(select(Person).limit(1)).scalar_one()
    form = family()
    form.members[2].id_number = taken.id_number
    with pytest.raises(FormRejected) as caught:
        reg.save_household(store, CLERK, form)
    assert taken.name in caught.value.members[2][0].message


def test_delete_household_marks_household_and_members(store: Store) -> None:
    saved = reg.save_household(store, CLERK, family())
    reg.delete_household(store, CLERK, saved.id)
    with store.read() as s:
        assert s.get(Household, saved.id).deleted
        assert all(s.get(Person, m.id).deleted for m in saved.members)
    with pytest.raises(LookupError):
        reg.load_household(store, saved.id)
    assert saved.id not in {r.id for r in lst.HouseholdListing(store).page(0, 1000)}


# ---- reveal, drafts, settings ----

def test_reveal_is_audited(store: Store) -> None:
    with store.read() as s:
        person = s.execute(select(Person).limit(1)).scalar_one()
    assert reg.reveal_id_number(store, CLERK, person.id) == person.id_number
    with store.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "reveal")).scalar_one()
    assert (entry.record_id, entry.actor_id) == (person.id, CLERK.id)
    with pytest.raises(LookupError):
        reg.reveal_id_number(store, CLERK, "no-such-person")


def test_drafts_are_per_clerk(store: Store) -> None:
    other = Actor("clerk-0002-0000-0000-000000000002", "另一位")
    key = reg.draft_id(CLERK.id, "household", "new-1")
    reg.save_draft(store, CLERK, key, "household", {"form": family().to_payload()})
    reg.save_draft(store, CLERK, key, "household", {"form": {"address": "改过"}})
    assert [d.payload for d in reg.list_drafts(store, CLERK.id)] == [{"form": {"address": "改过"}}]
    assert reg.list_drafts(store, other.id) == []
    restored = HouseholdForm.from_payload(family().to_payload())
    assert restored == family()
    reg.discard_draft(store, CLERK, key)
    assert reg.list_drafts(store, CLERK.id) == []


def test_settings_and_lock_minutes(store: Store) -> None:
    assert reg.get_setting(store, CLERK.id, "dock_layout") is None
    reg.set_bytes_setting(store, CLERK, "dock_layout", b"\x00\x01layout")
    assert reg.get_bytes_setting(store, CLERK.id, "dock_layout") == b"\x00\x01layout"
    reg.set_setting(store, CLERK, "dock_layout", None)
    assert reg.get_bytes_setting(store, CLERK.id, "dock_layout") is None
    assert reg.lock_minutes(store) == 15
    reg.set_lock_minutes(store, CLERK, 5)
    assert reg.lock_minutes(store) == 5
    with pytest.raises(ValidationError):
        reg.set_lock_minutes(store, CLERK, 0)
    assert reg.pending_changes(store) > 0
