"""统计 lines of the register: recipients and money per benefit and month, reviews due and
overdue, proofs of life (生存认证) done in the month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from jydesk.domain import benefits as b
from jydesk.store.recipients.reviews import reviews_due
from jydesk.store.recipients.roll import paid_rows

if TYPE_CHECKING:
    from jydesk.store.database import Store


@dataclass(frozen=True, slots=True)
class StatLine:
    benefit: str
    persons: int
    households: int
    amount: Decimal
    due: int  # reviews due this month
    overdue: int
    proofs_done: int  # 生存认证 recorded in the month
    reviews_done: int  # 复核 recorded in the month

    @property
    def name(self) -> str:
        return b.BENEFITS.get(self.benefit, self.benefit)


def statistics(store: Store, month: str | None = None, *, today: date | None = None) -> list[StatLine]:
    """One line per benefit with a register, for ``month`` (this month by default)."""
    today = today or date.today()
    month = month or b.month_of(today)
    rows = paid_rows(store, month)
    due = reviews_due(store, today=today) if month == b.month_of(today) else []
    done: dict[tuple[str, str], int] = {}
    with store.sql() as conn:
        for benefit, kind, n in conn.execute(
                "SELECT r.benefit, v.kind, count(*) FROM reviews v JOIN recipients r ON r.id = v.recipient_id "
                "WHERE v.deleted = 0 AND substr(v.reviewed_on, 1, 7) = ? GROUP BY r.benefit, v.kind", (month,)):
            done[(benefit, kind)] = n
    lines = []
    for benefit in b.BENEFITS:
        mine = [r for r in rows if r.benefit == benefit]
        lines.append(StatLine(benefit, sum(r.persons for r in mine), len({r.household_id for r in mine}),
                              sum((r.amount for r in mine), Decimal("0")),
                              sum(1 for d in due if d.benefit == benefit and d.state is b.DueState.DUE),
                              sum(1 for d in due if d.benefit == benefit and d.state is b.DueState.OVERDUE),
                              done.get((benefit, b.PROOF_KIND), 0), done.get((benefit, b.REVIEW_KIND), 0)))
    return lines
