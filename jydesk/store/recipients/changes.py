"""Proposed changes of the register (增发/减发/停发/暂停/恢复, with 渐退期) and life events: a
person's death or moving out proposes stopping every benefit of that person, ends their visits
(探访等级 set to 不在探访范围 with the reason) and reviews, and closes a household whose members
have all died or left. Changes go to the city server; reviewers decide them there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from jydesk.domain import benefits as b
from jydesk.domain.care import Tier
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.store.models import BenefitChange, Household, LifeEvent, Person, Recipient
from jydesk.store.unit_of_work import Actor, Writer

if TYPE_CHECKING:
    from jydesk.store.database import Store


@dataclass(frozen=True, slots=True)
class ChangeRow:
    id: str
    recipient_id: str
    kind: str
    reason: str
    source: str | None
    proposed_amount: Decimal | None
    taper_months: int | None
    proposed_on: date
    decision: str | None
    decision_amount: Decimal | None
    effective_month: str | None
    decision_reason: str | None

    @property
    def state(self) -> str:
        return self.decision or b.PENDING


def _max_taper(w: Writer) -> int:
    from jydesk.store.recipients.reviews import benefit_rules

    return benefit_rules(w.session)[1]


def _pending(w: Writer, recipient_id: str) -> BenefitChange | None:
    return w.session.execute(select(BenefitChange).where(
        BenefitChange.recipient_id == recipient_id, BenefitChange.deleted.is_(False),
        BenefitChange.decision.is_(None))).scalars().first()


def _propose(w: Writer, row: Recipient, kind: str, reason: str, source: str | None, *, today: date,
             proposed_amount: Any = None, taper_months: int | None = None, source_id: str | None = None) -> str:
    fields = {"kind": kind, "reason": (reason or "").strip(), "source": source, "status_before": row.status,
              "amount_before": f"{row.amount:.2f}" if row.amount is not None else None,
              "proposed_amount": proposed_amount, "taper_months": taper_months or None}
    errors = b.check_change(fields, _max_taper(w))
    if row.deleted:
        errors.append(FieldError("recipient_id", "在保对象已删除"))
    if not errors and _pending(w, row.id) is not None:
        errors.append(FieldError("recipient_id", "该在保对象已有待审批的变更申请，请等审批后再提出"))
    if errors:
        raise ValidationError(errors)
    amount = b.amount_value(proposed_amount, "proposed_amount") if kind in (b.ChangeKind.RAISE, b.ChangeKind.REDUCE) else None
    change = w.add(BenefitChange(recipient_id=row.id, kind=kind, reason=fields["reason"], source=source,
                                 source_id=source_id, status_before=row.status, amount_before=row.amount,
                                 proposed_amount=amount, taper_months=taper_months or None, proposed_on=today))
    return str(change.id)


def propose_change(store: Store, actor: Actor, recipient_id: str, kind: str, reason: str, *,
                   source: str | None = b.ChangeSource.OTHER.value, proposed_amount: Any = None,
                   taper_months: int | None = None, source_id: str | None = None,
                   today: date | None = None) -> str:
    """Propose a change of one register row; ValidationError (Chinese, naming the field) if the
    rules refuse it. It syncs to the city server, where a reviewer decides it."""
    today = today or date.today()
    with store.write(actor) as w:
        row = w.session.get(Recipient, recipient_id)
        if row is None:
            raise ValidationError(FieldError("recipient_id", "在保对象不存在", "missing"))
        return _propose(w, row, kind, reason, source, today=today, proposed_amount=proposed_amount,
                        taper_months=taper_months, source_id=source_id)


def changes_of(store: Store, recipient_id: str | None = None, *, pending_only: bool = False) -> list[ChangeRow]:
    with store.read() as s:
        stmt = select(BenefitChange).where(BenefitChange.deleted.is_(False))
        if recipient_id:
            stmt = stmt.where(BenefitChange.recipient_id == recipient_id)
        if pending_only:
            stmt = stmt.where(BenefitChange.decision.is_(None))
        rows = s.execute(stmt.order_by(BenefitChange.proposed_on, BenefitChange.id)).scalars().all()
        return [ChangeRow(c.id, c.recipient_id, c.kind, c.reason, c.source, c.proposed_amount, c.taper_months,
                          c.proposed_on, c.decision, c.decision_amount, c.effective_month, c.decision_reason)
                for c in rows]


@dataclass(frozen=True, slots=True)
class LifeEventResult:
    event_id: str
    proposed: list[str]  # ids of the stop proposals made
    household_closed: bool


def record_life_event(store: Store, actor: Actor, person_id: str, kind: str, happened_on: date | str,
                      source: str, *, note: str | None = None, today: date | None = None) -> LifeEventResult:
    """Record a death or a move out of the village: proposes stopping every benefit paid to the
    person (a household benefit only when nobody else is left; otherwise the household is
    re-checked within 3 months), ends the person's visits and reviews, closes the household
    when every member has died or left."""
    today = today or date.today()
    errors = []
    if kind not in {k.value for k in b.LifeEventKind}:
        errors.append(FieldError("kind", "人员变动应为死亡或迁出"))
    day, bad_day = b.past_date(happened_on, "happened_on", "发生日期", today)
    if bad_day:
        errors.append(bad_day)
    if not (source or "").strip():
        errors.append(FieldError("source", "请填写信息来源（如 死亡证明、家属告知、户籍迁出证明）"))
    if errors:
        raise ValidationError(errors)
    with store.write(actor) as w:
        person = w.session.get(Person, person_id)
        if person is None or person.deleted:
            raise ValidationError(FieldError("person_id", "人员不存在或已删除", "missing"))
        if w.session.execute(select(LifeEvent.id).where(LifeEvent.person_id == person_id,
                                                        LifeEvent.deleted.is_(False))).first():
            raise ValidationError(FieldError("person_id", f"{person.name} 已登记过死亡或迁出"))
        event = w.add(LifeEvent(person_id=person.id, kind=kind, happened_on=day, source=source.strip(), note=note))
        w.flush()
        gone = _gone_members(w, person.household_id) if person.household_id else set()
        living = _members(w, person.household_id) - gone if person.household_id else set()
        proposed = []
        source_kind = b.ChangeSource.DEATH.value if kind == b.LifeEventKind.DEATH else b.ChangeSource.MOVED.value
        rows = w.session.execute(select(Recipient).where(Recipient.deleted.is_(False), Recipient.status.in_(
            [s.value for s in b.LIVE]))).scalars().all()
        for row in rows:
            mine = row.person_id == person.id
            if row.benefit in b.HOUSEHOLD_BENEFITS:
                if row.household_id != person.household_id or living:
                    continue
            elif not mine:
                continue
            pending = _pending(w, row.id)
            if pending is not None and pending.kind == b.ChangeKind.STOP:
                continue
            reason = f"{person.name}{kind}（{day.isoformat()}，{source.strip()}）"
            if pending is None:
                proposed.append(_propose(w, row, b.ChangeKind.STOP.value, reason, source_kind, today=today,
                                         source_id=str(event.id)))
            else:  # a change already waits: the stop is proposed alongside (the reviewer decides both)
                proposed.append(str(w.add(BenefitChange(
                    recipient_id=row.id, kind=b.ChangeKind.STOP.value, reason=reason, source=source_kind,
                    source_id=str(event.id), status_before=row.status, amount_before=row.amount,
                    proposed_on=today)).id))
        person.visit_tier_override = Tier.NONE.value
        person.visit_tier_override_reason = f"已{kind}（{day.isoformat()}）"
        closed = False
        if person.household_id and not living:
            household = w.session.get(Household, person.household_id)
            if household is not None and household.closed_on is None:
                household.closed_on = day
                closed = True
        return LifeEventResult(str(event.id), proposed, closed)


def _members(w: Writer, household_id: str) -> set[str]:
    return set(w.session.execute(select(Person.id).where(Person.household_id == household_id,
                                                         Person.deleted.is_(False))).scalars())


def _gone_members(w: Writer, household_id: str) -> set[str]:
    return set(w.session.execute(select(LifeEvent.person_id).join(Person, Person.id == LifeEvent.person_id).where(
        Person.household_id == household_id, LifeEvent.deleted.is_(False))).scalars())
