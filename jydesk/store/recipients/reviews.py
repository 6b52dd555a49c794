"""Periodic reviews and proofs of life: who is due (intervals from the city's ``benefit_rule``
reference data), and recording one on its form (forms/review.toml, forms/proof.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from jydesk.domain import benefits as b
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import get_definition
from jydesk.store.models import Person, Recipient, Review
from jydesk.store.unit_of_work import Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jydesk.store.database import Store

#: A household member's death: the household is re-checked within 3 months (2022 notice §1(三)).
DEATH_RECHECK_MONTHS = 3


@dataclass(frozen=True, slots=True)
class DueReview:
    recipient_id: str
    benefit: str
    kind: str  # 复核 / 生存认证
    name: str
    group_no: int | None
    address: str
    last_review: date | None
    due_on: date
    state: b.DueState
    interval_months: int

    @property
    def benefit_name(self) -> str:
        return b.BENEFITS.get(self.benefit, self.benefit)


def benefit_rules(session: Session) -> tuple[dict[str, b.BenefitRule], int]:
    """The review rules per benefit and the longest 渐退期 (the city's records, else the defaults)."""
    from jydesk.store.reference import records

    return b.rules_from(records(session, b.BENEFIT_RULE_KIND))


def _rules(store: Store) -> tuple[dict[str, b.BenefitRule], int]:
    with store.sql() as conn:
        rows = conn.execute("SELECT key, value FROM reference_data WHERE kind = ?", (b.BENEFIT_RULE_KIND,)).fetchall()
    return b.rules_from({k: v for k, v in rows})


def review_kind(store: Store, benefit: str) -> str:
    """复核 or 生存认证: how ``benefit`` is reviewed (the city's rule)."""
    return (_rules(store)[0].get(benefit) or b.BenefitRule(12)).review_kind


#: Candidates in one pass over the covering index ix_recipients_due (no table reads; the last
#: review's date is kept on the row by triggers): live rows whose review month (last review,
#: else the start month, plus the shortest interval of their benefit) is this
#: month or earlier, or whose household had a death; not a person who died or left (their stop
#: is proposed), not a row whose stop waits for the decision. (CROSS JOIN: the few life events
#: first, never a scan of the people.)
_CANDIDATES = """
WITH deaths AS (SELECT m.household_id AS hh, max(e.happened_on) AS day FROM life_events e
                CROSS JOIN persons m ON m.id = e.person_id WHERE e.deleted = 0 AND e.kind = '死亡' GROUP BY m.household_id)
SELECT r.id, r.benefit, r.household_id, r.start_month, r.last_reviewed_on, d.day
FROM recipients r LEFT JOIN deaths d ON d.hh = r.household_id
WHERE r.deleted = 0 AND r.status IN ('在保', '暂停', '渐退')
  AND (CAST(substr(coalesce(r.last_reviewed_on, r.start_month), 1, 4) AS INTEGER) * 12
       + CAST(substr(coalesce(r.last_reviewed_on, r.start_month), 6, 2) AS INTEGER) + {interval} <= :month
       OR d.day IS NOT NULL)
  AND r.id NOT IN (SELECT c.recipient_id FROM benefit_changes c WHERE c.deleted = 0 AND c.decision IS NULL
                   AND c.kind = '停发')
  AND (r.benefit IN ({household}) OR r.person_id NOT IN (SELECT e.person_id FROM life_events e WHERE e.deleted = 0))
"""
_DETAILS = """SELECT r.id, p.name, h.group_no, h.address FROM recipients r JOIN persons p ON p.id = r.person_id
JOIN households h ON h.id = r.household_id WHERE r.id IN ({marks})"""
_MEMBERS = """SELECT m.household_id FROM persons m WHERE m.household_id IN ({marks}) AND m.deleted = 0
AND +m.birth_date > ? AND +m.birth_date <= ? AND coalesce(m.disability_grade, 0) NOT IN (1, 2)
AND coalesce(m.health, '') NOT IN ('重病', '失能')
AND NOT EXISTS (SELECT 1 FROM life_events e WHERE e.person_id = m.id AND e.deleted = 0)"""


def _quoted(values: list[str]) -> str:
    return ",".join("'" + v.replace("'", "''") + "'" for v in values)


def reviews_due(store: Store, *, today: date | None = None, benefit: str | None = None,
                include_later: bool = False) -> list[DueReview]:
    """Register rows whose review (or proof of life) is overdue or due this month, soonest first.
    A person who died or moved out has no further review (their stop is proposed); a household
    benefit is re-checked within 3 months of a member's death (``include_later``: every live row)."""
    today = today or date.today()
    rules, _ = _rules(store)
    shortest = {k: min(r.review_months, r.able_months or r.review_months) for k, r in rules.items()}
    interval = "CASE r.benefit " + " ".join(f"WHEN '{k}' THEN {int(m)}" for k, m in shortest.items()) + " ELSE 12 END"
    month = today.year * 12 + today.month if not include_later else 10 ** 6
    sql = _CANDIDATES.format(interval=interval, household=_quoted(sorted(b.HOUSEHOLD_BENEFITS)))
    args: dict[str, Any] = {"month": month}
    if benefit:
        sql += " AND r.benefit = :benefit"
        args["benefit"] = benefit
    with store.sql() as conn:
        candidates = conn.execute(sql, args).fetchall()
        # members able to work shorten the interval: looked up only where that makes a row due
        able_rows = [c for c in candidates if (rules.get(c[1]) or b.BenefitRule(12)).able_months
                     and b.due_state(b.due_on(c[3], date.fromisoformat(c[4]) if c[4] else None,
                                              rules[c[1]].review_months), today) is b.DueState.LATER]
        able: set[str] = set()
        oldest = date(today.year - 60, today.month, min(today.day, 28)).isoformat()
        youngest = date(today.year - 16, today.month, min(today.day, 28)).isoformat()
        households = sorted({c[2] for c in able_rows})
        for i in range(0, len(households), 500):
            chunk = households[i:i + 500]
            able.update(h for (h,) in conn.execute(_MEMBERS.format(marks=",".join("?" * len(chunk))),
                                                   [*chunk, oldest, youngest]))
        found = []
        for rid, ben, hh, start, last, death in candidates:
            last_day = date.fromisoformat(last) if last else None
            months = b.interval_months(ben, rules, hh in able)
            due = b.due_on(start, last_day, months)
            if death and (last_day is None or last_day < date.fromisoformat(death)):
                due = min(due, b.add_months(date.fromisoformat(death), DEATH_RECHECK_MONTHS))
            state = b.due_state(due, today)
            if state is b.DueState.LATER and not include_later:
                continue
            found.append((rid, ben, last_day, due, state, months))
        details: dict[str, tuple[str, int | None, str]] = {}
        ids = [f[0] for f in found]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for rid, name, group, address in conn.execute(_DETAILS.format(marks=",".join("?" * len(chunk))), chunk):
                details[rid] = (name, group, address or "")
    out = []
    for rid, ben, last_day, due, state, months in found:
        name, group, address = details.get(rid, ("", None, ""))
        kind = (rules.get(ben) or b.BenefitRule(12)).review_kind
        out.append(DueReview(rid, ben, kind, name, group, address, last_day, due, state, months))
    out.sort(key=lambda d: (d.due_on, d.group_no or 0, d.address))
    return out


def new_review_values(store: Store, recipient_id: str, kind: str, *, clerk: str,
                      today: date | None = None) -> dict[str, Any]:
    """The form's defaults for reviewing ``recipient_id``: the person, benefit, amount, today."""
    today = today or date.today()
    with store.read() as s:
        row = s.get(Recipient, recipient_id)
        if row is None or row.deleted:
            raise ValidationError(FieldError("recipient_id", "在保对象不存在或已删除", "missing"))
        person = s.get(Person, row.person_id)
        from jydesk.store.models import Household

        household = s.get(Household, row.household_id)
        values: dict[str, Any] = {
            "person_name": person.name if person else "", "person_id_number": person.id_number if person else None,
            "benefit_name": b.BENEFITS.get(row.benefit), "address": household.address if household else None,
            "reviewed_on": today.isoformat(), "method": "入户", "reviewers": clerk, "outcome": "无变化"}
        if kind == b.REVIEW_KIND:
            values["persons"] = row.persons
            values["amount"] = f"{row.amount:.2f}" if row.amount is not None else None
    village = store.village()
    if village is not None:
        values["village_name"] = village.name
        from jydesk.domain.regions import town_by_code

        town = town_by_code(village.town_code)
        values["town_name"] = town.name if town else None
    return {k: v for k, v in values.items() if v is not None}


def record_review(store: Store, actor: Actor, recipient_id: str, kind: str, values: dict[str, Any], *,
                  today: date | None = None) -> str:
    """Save a review (复核) or proof of life (生存认证) of a register row on its form; ValidationError
    (Chinese, naming each field) and nothing saved if a value is refused."""
    today = today or date.today()
    if kind not in b.REVIEW_KINDS:
        raise ValidationError(FieldError("kind", f"复核类别应为{'或'.join(b.REVIEW_KINDS)}"))
    defn = get_definition(b.REVIEW_FORMS[kind])
    merged = {**new_review_values(store, recipient_id, kind, clerk=actor.name, today=today), **values}
    errors = [e for e in defn.validate(merged) if not (e.field == "reviewed_on" and e.code == "range")]
    day, bad_day = b.past_date(merged.get("reviewed_on"), "reviewed_on", "复核日期", today)
    if bad_day:
        errors.append(bad_day)
    if errors:
        raise ValidationError(errors)
    clean = defn.normalise(merged)
    data = {k: v for k, v in clean.items() if k not in ("reviewed_on", "outcome") and v not in (None, "", [])}
    with store.write(actor) as w:
        row = w.session.get(Recipient, recipient_id)
        if row is None or row.deleted:
            raise ValidationError(FieldError("recipient_id", "在保对象不存在或已删除", "missing"))
        review = w.add(Review(recipient_id=row.id, person_id=row.person_id, kind=kind, form_code=defn.code,
                              reviewed_on=day, outcome=clean.get("outcome"), data=data))
        return str(review.id)


def review_print_values(store: Store, review_id: str) -> tuple[Any, dict[str, Any]]:
    """The form definition and values of a recorded review, to print it (复核表 / 生存认证记录)."""
    with store.read() as s:
        review = s.get(Review, review_id)
        if review is None or review.deleted:
            raise ValidationError(FieldError("review_id", "复核记录不存在或已删除", "missing"))
        values = {**(review.data or {}), "reviewed_on": review.reviewed_on.isoformat(), "outcome": review.outcome}
        return get_definition(review.form_code), values
