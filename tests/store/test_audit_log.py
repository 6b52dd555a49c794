"""Reading the audit log: one record's history (with its members / 办理记录), the filtered
windowed 操作日志 (China-time date range, kinds of several actions, clerk, record), server
entries naming the reviewer, and the chain kept whole by two processes writing at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from jydesk.store import Actor, Store
from jydesk.store.audit import chain
from jydesk.store.audit.events import read_history, record_event, revealed_history
from jydesk.store.audit.log import KINDS, AuditListing, LogFilter, history, utc_bound
from jydesk.store.models import AuditEntry, Case, CaseEvent, Household, Person
from jydesk.store.unit_of_work import SERVER_ACTOR, bulk_insert
from tests.keys import keyed
from tests.store.test_audit_chain import CLERK, number
from tests.store.test_concurrent_writers import _run_two

OTHER = Actor("clerk-2", "王专干")


def _family(store: Store) -> tuple[str, str, str]:
    with store.write(CLERK) as w:
        hh = w.add(Household(address="安象街4组6号", group_no=4))
        head = w.add(Person(name="周大山", id_number=number(1), household_id=hh.id))
        wife = w.add(Person(name="吴桂兰", id_number=number(2), household_id=hh.id))
    with store.write(OTHER) as w:
        w.session.get(Person, wife.id).monthly_income = 800
        w.session.get(Person, head.id).id_number = number(5)
    return hh.id, head.id, wife.id


def test_household_history_has_its_members_with_labels_and_masked_ids(store: Store):
    hh, head, wife = _family(store)
    rows, names = read_history(store, "household", hh)
    assert [r.action for r in rows] == ["create", "create", "create", "update", "update"]
    assert names[wife] == "人员 吴桂兰" and names[hh].startswith("家庭户")
    income = next(r for r in rows if r.record_id == wife and r.action == "update")
    assert income.who == "王专干" and income.summary() == "月收入：（空） → 800"
    changed = next(r for r in rows if r.record_id == head and r.action == "update")
    masked = changed.summary()
    assert number(1) not in masked and number(5) not in masked and f"{number(1)[:6]}********" in masked
    assert number(1) in changed.summary(revealed=True)
    with store.sql() as db:
        assert [r.record_id for r in history(db, "person", head)] == [head, head]


def test_revealed_history_is_audited(store: Store):
    _hh, head, _wife = _family(store)
    rows = revealed_history(store, OTHER, "person", head)
    assert rows[-1].action == "reveal" and rows[-1].who == "王专干" and "修改记录" in rows[-1].detail


def test_case_history_includes_its_events_and_names_the_reviewer(store: Store):
    _hh, head, _wife = _family(store)
    with store.write(CLERK) as w:
        case = w.add(Case(form_code="dibao", applicant_id=head, status="草稿"))
    with store.write(SERVER_ACTOR, origin="server") as w:
        w.session.get(Case, case.id).decided_by = "刘审核"
        bulk_insert(w, CaseEvent, [{"case_id": case.id, "from_status": "审核中", "to_status": "已批准",
                                    "at": datetime(2026, 5, 1), "actor": "张科长（县级）", "note": "同意"}])
    rows, names = read_history(store, "case", case.id)
    assert names[case.id] == "申请 周大山 dibao"
    assert [r.who for r in rows] == ["李专干", "市级平台（张科长（县级））", "市级平台（刘审核）"]  # in write order
    assert rows[1].entity_name == "办理记录" and "新状态：（空） → 已批准" in rows[1].summary()
    with store.sql() as db:
        assert chain.verify(db).ok


def _write_at(store: Store, actor: Actor, action: str, at: datetime) -> None:
    with store.write(actor) as w:
        w.session.add(AuditEntry(at=at, actor_id=actor.id, actor_name=actor.name, action=action))


def _ids(listing: AuditListing) -> list[int]:
    return [r.id for r in listing.page(0, 1000)]


def test_listing_filters_and_orders_newest_first(store: Store):
    base = datetime(2026, 3, 10, 15, 30)  # UTC: 23:30 China time on 10 March
    for i, (actor, action) in enumerate([(CLERK, "login"), (OTHER, "update"), (CLERK, "password_reset"),
                                         (OTHER, "switch_user"), (CLERK, "lock"), (OTHER, "print")]):
        _write_at(store, actor, action, base + timedelta(hours=i))
    everything = AuditListing(store)
    times = [r.at for r in everything.page(0, 1000)]
    assert times == sorted(times, reverse=True) and everything.count() == len(times) == 7  # + the village set-up
    # 修改 covers update and password_reset (a UNION of two ordered arms)
    edits = AuditListing(store, LogFilter(kind="修改", since=date(2026, 3, 10), until=date(2026, 3, 31)))
    assert [r.action for r in edits.page(0, 10)] == ["password_reset", "update"]
    assert [r.action for r in AuditListing(store, LogFilter(kind="登录", since=date(2026, 3, 1))).page(0, 10)] == \
        ["switch_user", "login"]
    # China-time days: 15:30 UTC on 10 March is 23:30 there; 16:30 UTC is already 11 March
    on_10th = AuditListing(store, LogFilter(since=date(2026, 3, 10), until=date(2026, 3, 10)))
    assert [r.action for r in on_10th.page(0, 10)] == ["login"]
    assert on_10th.page(0, 10)[0].at == datetime(2026, 3, 10, 23, 30)
    mine = AuditListing(store, LogFilter(actor_id=OTHER.id, since=date(2026, 3, 1)))
    assert [r.action for r in mine.page(0, 10)] == ["print", "switch_user", "update"]
    paged = AuditListing(store, LogFilter(since=date(2026, 3, 1), until=date(2026, 3, 31)))
    assert [r.id for r in paged.page(1, 2)] == _ids(paged)[1:3]
    paged.prepare()
    assert paged.prepared and paged.count() == 6 and [r.id for r in paged.page(4, 10)] == _ids(paged)[4:]
    assert [r.id for r in paged.rows(batch=2)] == _ids(paged)
    assert utc_bound(date(2026, 3, 11)) == "2026-03-10 16:00:00.000000"


def test_every_kind_has_a_query_that_runs(store: Store):
    record_event(store, CLERK, "backup", "备份到 /media/u盘")
    for kind in KINDS:
        listing = AuditListing(store, LogFilter(kind=kind, actor_id=CLERK.id, since=date(2020, 1, 1),
                                                until=date(2100, 1, 1), record_id=None))
        assert listing.estimate() == listing.count() == len(listing.page(0, 1000))
    assert [r.kind for r in AuditListing(store, LogFilter(kind="备份恢复")).page(0, 5)] == ["备份恢复"]


def test_two_processes_writing_at_once_keep_one_chain(store: Store, data_dir: Path):
    store.close()
    results = _run_two(data_dir, "saves", 150)
    assert all(not r["failures"] for r in results)
    again = keyed(data_dir)
    with again.sql() as db:
        report = chain.verify(db)
        people = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert report.ok and people == 300 and report.checked >= 300
    with again.read() as s:
        ids = list(s.execute(select(AuditEntry.id).order_by(AuditEntry.id)).scalars())
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    again.close()
