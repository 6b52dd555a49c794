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
    kind: str  # "dibao" …
    area: str  # regions.AREA_JIANYANG / AREA_EAST
    effective_from: date
    amount: Decimal
    source: str
    verified: bool

    @property
    def label(self) -> str:
        note = "" if self.verified else "（待核实）"
        return f"{self.amount}元/人/月（{self.effective_from:%Y-%m-%d}起，{self.source}）{note}"


def shipped_standards() -> list[BenefitStandard]:
    text = resources.files("jydesk.domain").joinpath("data/benefit_standards.csv").read_text("utf-8")
    return [
        BenefitStandard(r["kind"], r["area"], date.fromisoformat(r["effective_from"]),
                        Decimal(r["amount"]), r["source"], r["verified"] == "yes")
        for r in csv.DictReader(text.splitlines())
    ]


def standard_on(standards: list[BenefitStandard], kind: str, area: str, on: date) -> BenefitStandard | None:
    """The standard of ``kind`` for ``area`` in force on ``on`` (latest effective_from ≤ on)."""
    candidates = [s for s in standards if s.kind == kind and s.area == area and s.effective_from <= on]
    return max(candidates, key=lambda s: s.effective_from, default=None)
