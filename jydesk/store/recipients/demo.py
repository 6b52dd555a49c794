"""Demo 在保对象: current recipients (source 导入, as if brought from the old records) in every
status, with reviews and proofs of life done, due this month and overdue, and a few proposed
changes waiting for the decision."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from jydesk.domain import benefits as b
from jydesk.domain.ids import new_id
from jydesk.store.models import BenefitChange, Recipient, Review
from jydesk.store.unit_of_work import Writer, bulk_insert

AMOUNTS = {"dibao": Decimal("430"), "tekun": Decimal("1118"), "canji": Decimal("90"), "gaoling": Decimal("100"),
           "wuren": Decimal("1300")}
STATUS_WEIGHTS = ((b.RecipientStatus.ACTIVE, 85), (b.RecipientStatus.SUSPENDED, 5), (b.RecipientStatus.TAPERING, 5),
                  (b.RecipientStatus.STOPPED, 5))


def _benefits(rng: random.Random, person: dict[str, Any], age: int, head: bool, size: int) -> list[str]:
    out = []
    if head and rng.random() < 0.05:
        out.append("dibao")
    if age >= 80 and rng.random() < 0.8:
        out.append("gaoling")
    if age >= 60 and size == 1 and rng.random() < 0.15:
        out.append("tekun")
    if person.get("disability_type") and rng.random() < 0.5:
        out.append("canji")
    if age < 16 and rng.random() < 0.01:
        out.append("wuren")
    return out


def add_demo_recipients(w: Writer, rng: random.Random, persons: list[dict[str, Any]], today: date) -> int:
    """Register rows, reviews and changes for the chunk's ``persons`` (demo rows with ``_birth``)."""
    sizes: dict[str, int] = {}
    for p in persons:
        sizes[p["household_id"]] = sizes.get(p["household_id"], 0) + 1
    rows, reviews, changes = [], [], []
    seen_head: set[str] = set()
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [n for _, n in STATUS_WEIGHTS]
    for p in persons:
        age = (today - p["_birth"]).days // 365
        head = p["household_id"] not in seen_head
        seen_head.add(p["household_id"])
        for benefit in _benefits(rng, p, age, head, sizes[p["household_id"]]):
            status = rng.choices(statuses, weights)[0]
            months_ago = rng.randint(2, 60)
            start = b.month_of(b.add_months(today.replace(day=1), -months_ago))
            persons_n = sizes[p["household_id"]] if benefit in b.HOUSEHOLD_BENEFITS else 1
            amount = AMOUNTS[benefit] * persons_n
            row = {"id": None, "benefit": benefit, "household_id": p["household_id"], "person_id": p["id"],
                   "persons": persons_n, "amount": amount, "start_month": start, "status": status.value,
                   "source": "导入", "taper_end_month": None, "stop_month": None}
            if status is b.RecipientStatus.TAPERING:
                row["taper_end_month"] = b.month_of(b.add_months(today, rng.randint(1, 6)))
            if status is b.RecipientStatus.STOPPED:
                row["stop_month"] = b.month_of(b.add_months(today, -rng.randint(1, 12)))
            row["id"] = new_id()
            rows.append(row)
            if status is b.RecipientStatus.STOPPED:
                continue
            rule = b.DEFAULT_RULES[benefit]
            roll = rng.random()
            on = None
            term = rule.review_months
            if months_ago < term:  # started within its first term: not reviewed yet
                pass
            elif roll < 0.86:  # reviewed on time, within the term: not due
                on = min(b.add_months(today, -rng.randint(0, term - 1)), today)
            elif roll < 0.95:  # reviewed a term ago: due this month (about 1 in 12)
                on = b.add_months(today, -term)
            elif roll < 0.98:  # a review missed: overdue by a few months
                on = b.add_months(today, -term - rng.randint(1, 4))
            if on is not None:  # else never reviewed since it started (overdue if it started long ago)
                kind = rule.review_kind
                data = {"person_name": p["name"], "benefit_name": b.BENEFITS[benefit], "reviewers": "演示专干",
                        "method": rng.choice(b.PROOF_METHODS) if kind == b.PROOF_KIND else "入户"}
                reviews.append({"recipient_id": row["id"], "person_id": p["id"], "kind": kind,
                                "form_code": b.REVIEW_FORMS[kind], "reviewed_on": on, "outcome": "无变化",
                                "data": data})
            if status is b.RecipientStatus.ACTIVE and rng.random() < 0.03:
                changes.append({"recipient_id": row["id"], "kind": b.ChangeKind.REDUCE.value,
                                "reason": "复核发现家庭收入增加", "source": "复核", "status_before": status.value,
                                "amount_before": amount, "proposed_amount": (amount * Decimal("0.6")).quantize(
                                    Decimal("0.01")), "proposed_on": today})
    bulk_insert(w, Recipient, rows)
    bulk_insert(w, Review, reviews)
    bulk_insert(w, BenefitChange, changes)
    return len(rows)
