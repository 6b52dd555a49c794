"""The benefit standard (e.g. 低保标准) a case's form is assessed against."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jydesk.domain.standards import BenefitStandard, merged, shipped_standards, standard_on
from jydesk.store.database import Store
from jydesk.store.models import BenefitStandardRow, Installation
from jydesk.store.reference import city_standards

# Forms whose assessment is against the 低保 standard (per-capita income shown beside it).
STANDARD_KIND = {"dibao": "dibao"}


def case_standard(store: Store, form_code: str, on: date, session: Any = None) -> BenefitStandard | None:
    """The standard the form is assessed against on ``on`` for this installation's area, if any."""
    kind = STANDARD_KIND.get(form_code)
    if kind is None:
        return None
    if session is None:
        with store.read() as s:
            return case_standard(store, form_code, on, s)
    inst = session.get(Installation, 1)
    area = inst.area if inst is not None else "jianyang"
    return standard_on(all_standards(session), kind, area, on)


def all_standards(session: Any) -> list[BenefitStandard]:
    """Shipped standards, then the local table, then the city's records (a later one wins)."""
    rows = session.execute(select(BenefitStandardRow)).scalars().all()
    local = [BenefitStandard(r.kind, r.area, r.effective_from, Decimal(r.amount), r.source, r.verified)
             for r in rows]
    shipped = shipped_standards()
    rules = {s.key: s.rule for s in shipped}
    local = [BenefitStandard(s.kind, s.area, s.effective_from, s.amount, s.source, s.verified, rules.get(s.key, ""))
             for s in local]
    return merged(shipped, local, city_standards(session))
