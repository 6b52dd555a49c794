"""The holiday table behind the working-day calendar of case deadlines: list, set, remove and
seed the shipped official schedules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.workdays import CalendarDay, WorkCalendar, shipped_holidays
from jydesk.store.database import Store
from jydesk.store.models import Holiday, SyncState
from jydesk.store.reference import city_holidays
from jydesk.store.unit_of_work import Actor

HOLIDAY_SEED_KEY = "seed.holidays"


def work_calendar(store: Store) -> WorkCalendar:
    """The working-day calendar: per year, the city's schedule if it sent one; else the local
    holiday table (the clerk's days), on top of the shipped schedule while that year is not
    seeded into the table. Known years: shipped, seeded, the city's, and years the clerk entered."""
    with store.read() as s:
        return calendar_in(s)


def calendar_in(session: Session) -> WorkCalendar:
    """``work_calendar`` inside an open session."""
    city = city_holidays(session)
    done = session.get(SyncState, HOLIDAY_SEED_KEY)
    seeded = {int(y) for y in (done.value or "").split(",") if y.isdigit()} if done is not None else set()
    local = [CalendarDay(d, n, w) for d, n, w in session.execute(select(Holiday.day, Holiday.name, Holiday.working))]
    shipped = shipped_holidays()
    days = [d for d in shipped if d.day.year not in seeded and d.day.year not in city]
    days += [d for d in local if d.day.year not in city]  # later entries win over shipped ones
    days += [d for year in city.values() for d in year]
    years = {d.day.year for d in shipped} | seeded | {d.day.year for d in local} | set(city)
    return WorkCalendar(days, years)


def list_holidays(store: Store, year: int | None = None) -> list[CalendarDay]:
    stmt = select(Holiday).order_by(Holiday.day)
    if year is not None:
        stmt = stmt.where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
    with store.read() as s:
        return [CalendarDay(h.day, h.name, h.working) for h in s.execute(stmt).scalars().all()]


def set_holiday(store: Store, actor: Actor, day: date, name: str, working: bool = False) -> None:
    """Add or change one day: a day off (放假) or a weekend day worked (调休上班)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(FieldError("name", "请填写节假日名称", "required"))
    if len(name) > 30:
        raise ValidationError(FieldError("name", "节假日名称不能超过30个字"))
    if working and day.weekday() < 5:
        raise ValidationError(FieldError("working", f"{day:%Y-%m-%d} 是工作日，不需要登记为调休上班"))
    if not working and day.weekday() >= 5:
        raise ValidationError(FieldError("day", f"{day:%Y-%m-%d} 是周末，本来就不计工作日"))
    kind = "调休上班" if working else "放假"
    with store.write(actor) as w:
        row = w.session.get(Holiday, day)
        if row is None:
            w.session.add(Holiday(day=day, name=name, working=working))
        else:
            row.name, row.working = name, working
        w.audit("holiday", entity="holiday", detail=f"{day:%Y-%m-%d} {name}（{kind}）")


def remove_holiday(store: Store, actor: Actor, day: date) -> bool:
    with store.write(actor) as w:
        row = w.session.get(Holiday, day)
        if row is None:
            return False
        w.session.delete(row)
        w.audit("holiday", entity="holiday", detail=f"删除 {day:%Y-%m-%d} {row.name}")
        return True


def seed_holidays(store: Store, actor: Actor) -> int:
    """Put the shipped official schedules in the table once (days the clerk changed are kept)."""
    with store.write(actor) as w:
        done = w.session.get(SyncState, HOLIDAY_SEED_KEY)
        shipped = shipped_holidays()
        years = sorted({d.day.year for d in shipped})
        seeded = set((done.value or "").split(",")) if done is not None else set()
        todo = [d for d in shipped if str(d.day.year) not in seeded]
        if not todo:
            return 0
        existing = {h for (h,) in w.session.execute(select(Holiday.day)).all()}
        added = 0
        for d in todo:
            if d.day not in existing:
                w.session.add(Holiday(day=d.day, name=d.name, working=d.working))
                added += 1
        value = ",".join(sorted(seeded | {str(y) for y in years} - {""}))
        if done is None:
            w.session.add(SyncState(key=HOLIDAY_SEED_KEY, value=value))
        else:
            done.value = value
        w.audit("holiday", entity="holiday", detail=f"导入国务院办公厅公布的节假日安排（{'、'.join(map(str, years))}年，{added}天）")
        return added


def holiday_type(day: CalendarDay) -> str:
    return "调休上班" if day.working else "放假"
