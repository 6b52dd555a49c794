"""The 在保对象 register: windowed rows with filters, totals per benefit and 组, and imported current
recipients. Rows of approved cases come from the city server, which makes them when a reviewer
approves (``sync.server.benefit_review.add_recipient``)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jydesk.domain import benefits as b
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.store.models import Person, Recipient
from jydesk.store.unit_of_work import Actor

if TYPE_CHECKING:
    from jydesk.store.database import Store


@dataclass(frozen=True, slots=True)
class RegisterFilter:
    benefit: str | None = None
    group_no: int | None = None
    status: str | None = None  # None: 在保, 暂停 and 渐退 (not 停保)
    text: str = ""


@dataclass(frozen=True, slots=True)
class RegisterRow:
    id: str
    benefit: str
    name: str
    id_number: str
    group_no: int | None
    address: str
    persons: int
    amount: Decimal | None
    start_month: str | None
    status: str
    taper_end_month: str | None
    source: str
    pending: str | None  # the kind of a change waiting for the decision (停发 …)
    person_id: str
    household_id: str

    @property
    def benefit_name(self) -> str:
        return b.BENEFITS.get(self.benefit, self.benefit)


@dataclass(slots=True)
class Totals:
    """人数, 户数, 月金额 of the rows paid (在保 and 渐退)."""

    persons: int = 0
    households: int = 0
    amount: Decimal = Decimal("0")
    rows: int = 0
    by: dict[tuple[str, int | None], tuple[int, int, Decimal]] = field(default_factory=dict)


_JOINED = """
FROM recipients r JOIN persons p ON p.id = r.person_id JOIN households h ON h.id = r.household_id
WHERE r.deleted = 0"""
_ALONE = """
FROM recipients r WHERE r.deleted = 0"""
_PENDING = ("(SELECT c.kind FROM benefit_changes c WHERE c.recipient_id = r.id AND c.deleted = 0 "
            "AND c.decision IS NULL ORDER BY c.proposed_on DESC LIMIT 1)")
_COLUMNS = ("SELECT r.id, r.benefit, p.name, p.id_number, h.group_no, h.address, r.persons, r.amount, "
            f"r.start_month, r.status, r.taper_end_month, r.source, {_PENDING}, r.person_id, r.household_id "
            "FROM recipients r JOIN persons p ON p.id = r.person_id JOIN households h ON h.id = r.household_id ")
#: The register's order: benefit, then household (registration order), so count and pages walk
#: the covering index ix_recipients_list without reading the table or joining 100k people.
ORDER = " ORDER BY r.benefit, r.household_id, r.id"


def _where(f: RegisterFilter) -> tuple[str, list[Any]]:
    """The FROM … WHERE of a filter: the register alone unless 组 or text needs the people."""
    sql, args = (_JOINED if f.group_no is not None or f.text.strip() else _ALONE), []
    if f.benefit:
        sql += " AND r.benefit = ?"
        args.append(f.benefit)
    if f.status:
        sql += " AND r.status = ?"
        args.append(f.status)
    else:
        sql += " AND r.status <> '停保'"
    if f.group_no is not None:
        sql += " AND h.group_no = ?"
        args.append(f.group_no)
    if f.text.strip():
        sql += " AND (p.name LIKE ? OR h.address LIKE ? OR p.id_number LIKE ?)"
        like = f"%{f.text.strip()}%"
        args += [like, like, like]
    return sql, args


class RegisterListing:
    """count + pages of the register for the windowed model: the page's keys from the index,
    then its rows (with names and addresses) by id."""

    def __init__(self, store: Store, filt: RegisterFilter | None = None) -> None:
        self.store = store
        self.filter = filt or RegisterFilter()

    def count(self) -> int:
        sql, args = _where(self.filter)
        with self.store.sql() as conn:
            return int(conn.execute("SELECT count(*) " + sql, args).fetchone()[0])

    def page(self, offset: int, limit: int) -> list[RegisterRow]:
        sql, args = _where(self.filter)
        with self.store.sql() as conn:
            ids = [r[0] for r in conn.execute(f"SELECT r.id {sql}{ORDER} LIMIT ? OFFSET ?", [*args, limit, offset])]
            if not ids:
                return []
            rows = {r[0]: r for r in conn.execute(_COLUMNS + f"WHERE r.id IN ({','.join('?' * len(ids))})", ids)}
        return [_row(rows[i]) for i in ids if i in rows]


def _row(r: Any) -> RegisterRow:
    return RegisterRow(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6] or 1,
                       Decimal(str(r[7])).quantize(Decimal("0.01")) if r[7] is not None else None,
                       r[8], r[9], r[10], r[11], r[12], r[13], r[14])


def totals(store: Store, filt: RegisterFilter | None = None, *, month: str | None = None) -> Totals:
    """人数, 户数 and 月金额 of the rows paid in ``month`` (this month by default), per (benefit, 组)."""
    month = month or b.month_of(date.today())
    sql, args = _where(filt or RegisterFilter())
    joined = "JOIN households h" in sql
    query = (f"SELECT r.benefit, {'h.group_no' if joined else 'NULL'}, r.household_id, r.persons, r.amount, "
             f"r.status, r.taper_end_month, r.start_month, r.stop_month {sql}")
    out = Totals()
    households: set[str] = set()
    per: dict[tuple[str, int | None], tuple[set[str], int, Decimal]] = {}
    with store.sql() as conn:
        rows = conn.execute(query, args).fetchall()
        if not joined and rows:  # 组 of the paid households only, by id
            groups = _groups_of(conn, sorted({r[2] for r in rows}))
            rows = [(r[0], groups.get(r[2]), *r[2:]) for r in rows]
        for benefit, group, hh, persons, amount, status, taper_end, start, stop in rows:
            if not b.paid_in(status, taper_end, start, stop, month):
                continue
            money = Decimal(str(amount or 0))
            out.rows += 1
            out.persons += persons or 1
            out.amount += money
            households.add(hh)
            hhs, n, total = per.setdefault((benefit, group), (set(), 0, Decimal("0")))
            hhs.add(hh)
            per[(benefit, group)] = (hhs, n + (persons or 1), total + money)
    out.households = len(households)
    out.by = {k: (n, len(hhs), total) for k, (hhs, n, total) in sorted(per.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))}
    return out


def _groups_of(conn: sqlite3.Connection, households: list[str]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for i in range(0, len(households), 500):
        chunk = households[i:i + 500]
        out.update(conn.execute(f"SELECT id, group_no FROM households WHERE id IN ({','.join('?' * len(chunk))})",
                                chunk).fetchall())
    return out


def import_recipient(store: Store, actor: Actor, *, person_id: str, benefit: str, amount: Any, start_month: str,
                     persons: int | None = None, status: str = b.RecipientStatus.ACTIVE.value,
                     note: str | None = None) -> str:
    """Register a current recipient brought in from the old records (source 导入), e.g. by the
    Excel import; ValidationError naming the field if something is wrong."""
    errors = []
    if benefit not in b.BENEFITS:
        errors.append(FieldError("benefit", f"保障类别应为{'、'.join(b.BENEFITS.values())}之一"))
    try:
        money = b.amount_value(amount)
    except b.BenefitError as exc:
        errors.append(FieldError("amount", str(exc)))
    try:
        b.month_start(start_month)
    except (ValueError, AttributeError):
        errors.append(FieldError("start_month", f"起始月份“{start_month}”应写成 YYYY-MM"))
    if status not in {s.value for s in b.RecipientStatus}:
        errors.append(FieldError("status", f"保障状态“{status}”不正确"))
    if persons is not None and not 1 <= persons <= 50:
        errors.append(FieldError("persons", "保障人数应为 1 到 50"))
    if errors:
        raise ValidationError(errors)
    with store.write(actor) as w:
        person = w.session.get(Person, person_id)
        if person is None or person.deleted or not person.household_id:
            raise ValidationError(FieldError("person_id", "人员不存在、已删除或不属于任何户"))
        if persons is None:
            persons = _members(w.session, person.household_id) if benefit in b.HOUSEHOLD_BENEFITS else 1
        row = w.add(Recipient(benefit=benefit, household_id=person.household_id, person_id=person.id,
                              persons=persons, amount=money, start_month=start_month, status=status,
                              source="导入", note=note))
        return str(row.id)


def _members(session: Any, household_id: str) -> int:
    from sqlalchemy import func, select

    return int(session.execute(select(func.count()).select_from(Person).where(
        Person.household_id == household_id, Person.deleted.is_(False))).scalar_one()) or 1


def groups(store: Store) -> list[int]:
    with store.sql() as conn:
        try:
            return [r[0] for r in conn.execute(
                "SELECT DISTINCT group_no FROM households WHERE group_no IS NOT NULL ORDER BY group_no")]
        except sqlite3.Error:
            return []


__all__ = ["RegisterFilter", "RegisterListing", "RegisterRow", "Totals", "groups", "import_recipient", "totals"]
