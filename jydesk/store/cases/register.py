"""Giving a case its register number (登记编号) on this device: see jydesk.domain.register."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain.forms import FormDefinition
from jydesk.domain.register import next_register_no, register_prefix
from jydesk.store.models import Case, Installation


def device_no(session: Session) -> int | None:
    """This installation's 本机编号 (None until the city server has given one at enrolment)."""
    inst = session.get(Installation, 1)
    return inst.device_no if inst is not None else None


def assign_register_no(session: Session, case: Case, defn: FormDefinition, on: date) -> str | None:
    """Give ``case`` the next register number of this device for its form and the year of
    ``on`` (its 受理); None (nothing changed) if it has one, the form has no register word or
    the device has no number yet."""
    if case.register_no or not defn.register_name:
        return None
    inst = session.get(Installation, 1)
    if inst is None or not inst.device_no:
        return None
    prefix = register_prefix(inst.village_code, defn.register_name, on.year, inst.device_no)
    taken = session.execute(select(Case.register_no).where(Case.register_no.like(f"{prefix}%"))).scalars()
    case.register_no = next_register_no(prefix, taken)
    return case.register_no
