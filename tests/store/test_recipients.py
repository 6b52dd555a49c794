"""The 在保对象 register, reviews due, recording a review and a proof of life, proposing changes
and life events over a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import select

from jydesk.domain import benefits as b
from jydesk.domain.errors import ValidationError
from jydesk.domain.idnumber import check_digit
from jydesk.store import Actor, Store
from jydesk.store.models import BenefitChange, Household, OutboxEntry, Person, Review
from jydesk.store.recipients.changes import changes_of, propose_change, record_life_event
from jydesk.store.recipients.register import RegisterFilter, RegisterListing, import_recipient, totals
from jydesk.store.recipients.reviews import record_review, reviews_due

TODAY = date(2026, 5, 13)
_seq = count(1)


def _id_number(birth: date) -> str:
    first17 = f"510185{birth:%Y%m%d}{(next(_seq) * 2 + 1) % 1000:03d}"
    return first17 + check_digit(first17)


def household(store: Store, *members: tuple[str, date], group: int = 1) -> list[str]:
    with store.write() as w:
        hh = w.add(Household(address=f"{members[0][0]}家", group_no=group, residence="农村"))
        ids = [w.add(Person(household_id=hh.id, name=n, id_number=_id_number(d), relation="本人")).id
               for n, d in members]
        w.flush()
        return ids


def test_register_totals_and_filters(store: Store, clerk: Actor) -> None:
    a = household(store, ("王大", date(1950, 1, 1)), ("王二", date(1952, 1, 1)), group=1)
    c = household(store, ("赵老", date(1940, 3, 1)), group=2)
    r1 = import_recipient(store, clerk, person_id=a[0], benefit="dibao", amount="1200", start_month="2025-01")
    import_recipient(store, clerk, person_id=c[0], benefit="gaoling", amount="100.50", start_month="2024-06")
    import_recipient(store, clerk, person_id=c[0], benefit="tekun", amount="900", start_month="2026-07")  # not yet
    t = totals(store, month="2026-05")
    assert (t.persons, t.households, t.amount) == (3, 2, Decimal("1300.50"))
    assert t.by[("dibao", 1)] == (2, 1, Decimal("1200"))
    rows = RegisterListing(store, RegisterFilter(group_no=1)).page(0, 50)
    assert [(r.id, r.persons, r.benefit_name) for r in rows] == [(r1, 2, "低保")]
    assert RegisterListing(store, RegisterFilter(benefit="gaoling")).count() == 1
    with pytest.raises(ValidationError) as bad:
        import_recipient(store, clerk, person_id=a[1], benefit="dibao", amount="-3", start_month="2025-13")
    assert {e.field for e in bad.value.errors} == {"amount", "start_month"}


def test_reviews_due_record_review_and_proof(store: Store, clerk: Actor) -> None:
    worker = household(store, ("李壮", date(1990, 1, 1)), ("李妈", date(1950, 1, 1)))  # able to work: 6 months
    old = household(store, ("周老", date(1940, 1, 1)))
    r_dibao = import_recipient(store, clerk, person_id=worker[0], benefit="dibao", amount="800", start_month="2025-11")
    r_old = import_recipient(store, clerk, person_id=old[0], benefit="gaoling", amount="100", start_month="2025-05")
    due = {d.recipient_id: d for d in reviews_due(store, today=TODAY)}
    assert due[r_dibao].due_on == date(2026, 5, 1) and due[r_dibao].state is b.DueState.DUE
    assert due[r_dibao].interval_months == 6
    assert due[r_old].kind == "生存认证" and due[r_old].state is b.DueState.DUE
    record_review(store, clerk, r_dibao, "复核", {"reviewed_on": "2026-05-10", "outcome": "无变化"}, today=TODAY)
    with pytest.raises(ValidationError) as bad:
        record_review(store, clerk, r_old, "生存认证", {"method": "微信"}, today=TODAY)
    assert bad.value.errors[0].field == "method"
    record_review(store, clerk, r_old, "生存认证", {"method": "视频"}, today=TODAY)
    assert reviews_due(store, today=TODAY) == []
    later = {d.recipient_id: d for d in reviews_due(store, today=TODAY, include_later=True)}
    assert later[r_dibao].due_on == date(2026, 11, 10) and later[r_old].due_on == date(2027, 5, 13)
    with store.read() as s:
        proof = s.execute(select(Review).where(Review.recipient_id == r_old)).scalar_one()
        assert proof.data["method"] == "视频" and proof.form_code == "proof"
        assert s.execute(select(OutboxEntry).where(OutboxEntry.record_id == proof.id)).scalar_one()


def test_propose_reduction_rules(store: Store, clerk: Actor) -> None:
    p = household(store, ("钱一", date(1960, 1, 1)))
    rid = import_recipient(store, clerk, person_id=p[0], benefit="dibao", amount="800", start_month="2025-01")
    with pytest.raises(ValidationError) as bad:
        propose_change(store, clerk, rid, "减发", "收入增加", proposed_amount="900", today=TODAY)
    assert bad.value.errors[0].field == "proposed_amount"
    with pytest.raises(ValidationError):
        propose_change(store, clerk, rid, "恢复", "误操作", today=TODAY)  # not suspended
    with pytest.raises(ValidationError) as bad:
        propose_change(store, clerk, rid, "停发", "收入超标", taper_months=13, today=TODAY)
    assert bad.value.errors[0].field == "taper_months"
    cid = propose_change(store, clerk, rid, "减发", "子女务工收入增加", proposed_amount="500", source="复核",
                         today=TODAY)
    with pytest.raises(ValidationError):
        propose_change(store, clerk, rid, "暂停", "再来一次", today=TODAY)  # one pending at a time
    assert [(c.id, c.state) for c in changes_of(store, rid)] == [(cid, "待审批")]
    rows = RegisterListing(store).page(0, 10)
    assert rows[0].pending == "减发"


def test_death_proposes_stopping_every_benefit_and_closes_household(store: Store, clerk: Actor) -> None:
    alone = household(store, ("孙老", date(1938, 2, 2)))
    pair = household(store, ("吴夫", date(1945, 1, 1)), ("吴妻", date(1947, 1, 1)))
    r1 = import_recipient(store, clerk, person_id=alone[0], benefit="gaoling", amount="100", start_month="2024-01")
    r2 = import_recipient(store, clerk, person_id=alone[0], benefit="tekun", amount="900", start_month="2024-01")
    r3 = import_recipient(store, clerk, person_id=pair[0], benefit="dibao", amount="1000", start_month="2026-01")
    result = record_life_event(store, clerk, alone[0], "死亡", "2026-05-01", "家属告知", today=TODAY)
    stops = {c.recipient_id for c in changes_of(store, pending_only=True) if c.kind == "停发"}
    assert stops == {r1, r2} and len(result.proposed) == 2 and result.household_closed
    with store.read() as s:
        person = s.get(Person, alone[0])
        assert person.visit_tier_override == "none" and "死亡" in person.visit_tier_override_reason
        from jydesk.domain.visits import IsoWeek
        from jydesk.store.visits import due_list

        assert alone[0] not in {i.person_id for i in due_list(s, IsoWeek.of(TODAY), TODAY)}  # visits end
    assert {d.recipient_id for d in reviews_due(store, today=TODAY, include_later=True)} == {r3}
    # a household benefit: one member dies, the other remains -> re-check within 3 months, no stop
    r = record_life_event(store, clerk, pair[0], "死亡", "2026-05-02", "死亡证明", today=TODAY)
    assert r.proposed == [] and not r.household_closed
    due = {d.recipient_id: d for d in reviews_due(store, today=TODAY, include_later=True)}
    assert due[r3].due_on == date(2026, 8, 2)
    r = record_life_event(store, clerk, pair[1], "迁出", "2026-05-03", "户籍迁出证明", today=TODAY)
    assert len(r.proposed) == 1 and r.household_closed
    with pytest.raises(ValidationError):
        record_life_event(store, clerk, pair[1], "死亡", "2026-05-04", "x", today=TODAY)  # already recorded
    with pytest.raises(ValidationError) as bad:
        record_life_event(store, clerk, alone[0], "失踪", "2099-01-01", " ", today=TODAY)
    assert {e.field for e in bad.value.errors} == {"kind", "happened_on", "source"}
    with store.read() as s:
        assert s.execute(select(BenefitChange).where(BenefitChange.source == "迁出")).scalar_one().recipient_id == r3


def test_write_path_refuses_a_bad_change(store: Store, clerk: Actor) -> None:
    p = household(store, ("丁一", date(1960, 1, 1)))
    rid = import_recipient(store, clerk, person_id=p[0], benefit="dibao", amount="800", start_month="2025-01")
    with pytest.raises(ValidationError) as bad, store.write(clerk) as w:
        w.add(BenefitChange(recipient_id=rid, kind="增发", reason="x", status_before="在保", amount_before=800,
                            proposed_amount=700, proposed_on=TODAY))
    assert bad.value.errors[0].field == "proposed_amount"


def test_statistics_per_benefit(store: Store, clerk: Actor) -> None:
    from jydesk.store.recipients.stats import statistics

    a = household(store, ("甲老", date(1940, 1, 1)))
    c = household(store, ("乙家", date(1960, 1, 1)), ("乙子", date(1990, 6, 1)))
    r1 = import_recipient(store, clerk, person_id=a[0], benefit="gaoling", amount="100", start_month="2025-05")
    import_recipient(store, clerk, person_id=c[0], benefit="dibao", amount="900", start_month="2025-01")
    record_review(store, clerk, r1, "生存认证", {"method": "电话", "reviewed_on": "2026-05-03"}, today=TODAY)
    lines = {x.benefit: x for x in statistics(store, "2026-05", today=TODAY)}
    assert (lines["gaoling"].persons, lines["gaoling"].amount, lines["gaoling"].proofs_done) == (1, Decimal("100"), 1)
    assert (lines["dibao"].persons, lines["dibao"].households, lines["dibao"].overdue) == (2, 1, 1)  # 6-monthly
    assert lines["gaoling"].due == 0 and lines["tekun"].persons == 0
