"""Reference records on the device: the city's holidays, standards and visit rule replace the
shipped defaults; a record this version cannot read is ignored (logged), never a crash."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from jydesk.domain.care import Tier
from jydesk.domain.idnumber import check_digit
from jydesk.store import cases as svc
from jydesk.store.database import Store
from jydesk.store.models import Household, Person
from jydesk.store.reference import visit_policy
from jydesk.store.sync_models import ReferenceRecord
from jydesk.store.visits import visit_plan


def _put(store: Store, kind: str, key: str, value: str, version: int = 1) -> None:
    with store.write() as w:
        row = w.session.get(ReferenceRecord, (kind, key))
        if row is None:
            w.session.add(ReferenceRecord(kind=kind, key=key, value=value, version=version, source="测试"))
        else:
            row.value, row.version = value, version


def test_city_records_replace_the_defaults_and_bad_ones_are_ignored(store: Store) -> None:
    assert 2027 not in svc.work_calendar(store).years
    _put(store, "holidays", "2027", json.dumps([["2027-02-08", "春节", False]]))
    cal = svc.work_calendar(store)
    assert 2027 in cal.years and not cal.is_working_day(date(2027, 2, 8))
    _put(store, "holidays", "2028", "not json")
    _put(store, "holidays", "2029", json.dumps([["2029-02-05", "调休", True]]))  # a Monday: refused
    _put(store, "standard", "dibao:jianyang:2026-01-01", json.dumps({"amount": "1000", "source": "测试"}))
    _put(store, "standard", "dibao:jianyang:2027-01-01", json.dumps({"amount": "-1", "source": "测试"}))
    cal = svc.work_calendar(store)
    assert 2028 not in cal.years and 2029 not in cal.years
    assert svc.case_standard(store, "dibao", date(2027, 6, 1)).amount == Decimal(1000)  # type: ignore[union-attr]
    _put(store, "visit_policy", "weekly", json.dumps({"min_age": "x"}))
    with store.read() as s:
        assert visit_policy(s)["min_age"] == 60  # unreadable: the plan's rule


def test_visit_rule_from_the_city_applies_at_once(store: Store) -> None:
    first17 = "51018519500101001"
    with store.write() as w:
        hh = w.add(Household(address="幸福路1号", group_no=1, residence="农村"))
        p = w.add(Person(household_id=hh.id, name="赵大爷", id_number=first17 + check_digit(first17),
                         relation="本人", care_flags=["失能"]))
        w.flush()
        pid = p.id
    on = date(2026, 12, 2)
    with store.read() as s:
        assert visit_plan(s, pid, on).tier is Tier.FOCUS  # 失能 is not in the plan's weekly group
    _put(store, "visit_policy", "weekly", json.dumps({"min_age": 60, "any_of": ["失能"]}))
    with store.read() as s:
        plan = visit_plan(s, pid, on)
    assert plan.tier is Tier.HIGH and "失能" in plan.assessment.reason
