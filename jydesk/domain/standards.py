"""Benefit standards as dated reference data (元/人/月), never constants.

The shipped table (data/benefit_standards.csv) seeds the local reference table; the
installation may add newer standards. Each assessment records the standard it used.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources


@dataclass(frozen=True, slots=True)
class BenefitStandard:
    kind: str  # "dibao" (低保标准) / "tekun" (特困人员基本生活标准)
    area: str  # regions.AREA_JIANYANG / AREA_EAST
    effective_from: date
    amount: Decimal
    source: str
    verified: bool
    rule: str = ""  # how an unverified amount was worked out, e.g. 按1.3×低保标准推算

    @property
    def label(self) -> str:
        note = "" if self.verified else f"（待核实{'：' + self.rule if self.rule else ''}）"
        return f"{self.amount}元/人/月（{self.effective_from:%Y-%m-%d}起，{self.source}）{note}"

    @property
    def key(self) -> str:
        """The reference-data key (``jydesk.domain.reference_data``): kind:area:YYYY-MM-DD."""
        return f"{self.kind}:{self.area}:{self.effective_from.isoformat()}"


def from_reference(key: str, value: dict[str, object]) -> BenefitStandard:
    """A standard from a checked reference record (key kind:area:date, value amount/source/…)."""
    kind, area, day = key.split(":")
    return BenefitStandard(kind, area, date.fromisoformat(day), Decimal(str(value["amount"])),
                           str(value.get("source") or ""), bool(value.get("verified")), str(value.get("rule") or ""))


def merged(*layers: list[BenefitStandard]) -> list[BenefitStandard]:
    """Standards of several layers (shipped, local, city); a later layer wins for the same key."""
    result: dict[str, BenefitStandard] = {}
    for layer in layers:
        result.update((s.key, s) for s in layer)
    return list(result.values())


def shipped_standards() -> list[BenefitStandard]:
    text = resources.files("jydesk.domain").joinpath("data/benefit_standards.csv").read_text("utf-8")
    return [
        BenefitStandard(r["kind"], r["area"], date.fromisoformat(r["effective_from"]),
                        Decimal(r["amount"]), r["source"], r["verified"] == "yes", r.get("rule") or "")
        for r in csv.DictReader(text.splitlines())
    ]


def standard_on(standards: list[BenefitStandard], kind: str, area: str, on: date) -> BenefitStandard | None:
    """The standard of ``kind`` for ``area`` in force on ``on`` (latest effective_from ≤ on)."""
    candidates = [s for s in standards if s.kind == kind and s.area == area and s.effective_from <= on]
    return max(candidates, key=lambda s: s.effective_from, default=None)
