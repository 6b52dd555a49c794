"""What the printed 花名册 and the monthly 公布 list: the register rows paid in a month (after
every decision: a 减发 takes its new amount, a 停发 drops the row, a 渐退期 runs to its end)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from jydesk.domain import benefits as b

if TYPE_CHECKING:
    from jydesk.store.database import Store


@dataclass(frozen=True, slots=True)
class PaidRow:
    benefit: str
    name: str
    id_number: str
    group_no: int | None
    address: str
    persons: int
    amount: Decimal
    start_month: str | None
    status: str
    taper_end_month: str | None
    household_id: str


def paid_rows(store: Store, month: str, benefit: str | None = None) -> list[PaidRow]:
    """Rows paid in ``month`` (YYYY-MM), by benefit, 组 and address."""
    b.month_start(month)  # ValueError if not a month
    sql = ("SELECT r.benefit, p.name, p.id_number, h.group_no, h.address, r.persons, r.amount, r.start_month, "
           "r.status, r.taper_end_month, r.stop_month, r.household_id FROM recipients r "
           "JOIN persons p ON p.id = r.person_id JOIN households h ON h.id = r.household_id WHERE r.deleted = 0")
    args: list[str] = []
    if benefit:
        sql += " AND r.benefit = ?"
        args.append(benefit)
    order = list(b.BENEFITS)
    out = []
    with store.sql() as conn:
        for ben, name, idn, group, address, persons, amount, start, status, taper, stop, hh in conn.execute(sql, args):
            if b.paid_in(status, taper, start, stop, month):
                out.append(PaidRow(ben, name, idn, group, address or "", persons or 1,
                                   Decimal(str(amount or 0)).quantize(Decimal("0.01")), start,
                                   b.status_in(status, taper, month), taper, hh))
    out.sort(key=lambda r: (order.index(r.benefit) if r.benefit in order else 99, r.group_no or 0, r.address, r.name))
    return out


#: Never posted: 事实无人抚养儿童 are not publicised, to protect the child (民发〔2019〕62号).
NOT_PUBLISHED = frozenset({"wuren"})


def notice_rows(store: Store, month: str) -> list[PaidRow]:
    """The rows of the monthly 公布 (every benefit paid that month except those never publicised)."""
    return [r for r in paid_rows(store, month) if r.benefit not in NOT_PUBLISHED]
