"""Realistic synthetic data for one village: households, people, care flags, cases and visits.

Deterministic per seed. ID numbers are valid (GB 11643 check digit) with the 简阳 address
code 510185 and plausible ages; names, addresses and phones are invented. Everything is
written through the unit of work (audit + outbox), like a clerk's own entries.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from jydesk.domain.care import CareFlag
from jydesk.domain.disability import CATEGORY_DIGITS
from jydesk.domain.idnumber import check_digit
from jydesk.domain.ids import new_id
from jydesk.domain.regions import DEFAULT_VILLAGE_CODE, DEFAULT_VILLAGE_NAME, town_of_village
from jydesk.store.accounts import create_user, user_count
from jydesk.store.database import Store
from jydesk.store.demo_forms import CASE_FORMS, case_row, eligible, person_context, statuses_of, visit_row
from jydesk.store.installation import set_up_village
from jydesk.store.models import Case, Household, Person, Visit
from jydesk.store.serialize import to_json
from jydesk.store.unit_of_work import SYSTEM_ACTOR, Actor, bulk_insert

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "jydesk-demo"  # documented in the README; only ever created by demo-data

SURNAMES = ("张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕"
            "丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严"
            "赖覃洪武莫孔单解仇")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华兰玉珍凤琴建国志红德福春梅海燕林云波斌辉晓"
         "宇浩文俊淑贵荣芬光明成荣永富德兴国庆家顺翠菊秀兰正清友才学良红梅")
STREETS = ("幸福路", "人民路", "建设街", "新华路", "东风街", "文化路", "河滨路", "永安街")
HEALTH = ("健康", "健康", "健康", "慢性病", "慢性病", "重病")


@dataclass
class DemoSummary:
    households: int
    persons: int
    cases: int
    visits: int


def _name(rng: random.Random, surname: str | None = None) -> str:
    s = surname or rng.choice(SURNAMES)
    return s + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"510185{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_digit(first17)
            if number not in self.used:
                self.used.add(number)
                return number


def _birth(rng: random.Random, age: int, today: date) -> date:
    return today - timedelta(days=age * 365 + rng.randrange(0, 365))


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "152", "158", "177", "180", "189")) + f"{rng.randrange(10**8):08d}"


def generate(store: Store, households: int, seed: int, *, today: date | None = None,
             actor: Actor = SYSTEM_ACTOR, progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Add ``households`` synthetic households (and their people, cases, visits) to the store."""
    today = today or date.today()
    rng = random.Random(seed)
    if store.village_code() is None:
        set_up_village(store, DEFAULT_VILLAGE_CODE, DEFAULT_VILLAGE_NAME)
    village_code = store.village_code()
    assert village_code is not None
    town = town_of_village(village_code)
    village_name = store.installation().village_name  # type: ignore[union-attr]
    village = {"code": village_code, "name": village_name, "town_name": town.name if town else ""}
    ids = _Ids(rng)
    with store.read() as s:
        ids.used.update(s.execute(select(Person.id_number)).scalars())
    totals = DemoSummary(0, 0, 0, 0)
    chunk = 2000
    for start in range(0, households, chunk):
        n = min(chunk, households - start)
        hh_rows, person_rows, elders = [], [], []
        for i in range(start, start + n):
            group = rng.randint(1, 12)
            residence = "城市" if village_code.endswith(("001", "002", "003")) and rng.random() < 0.7 else "农村"
            address = (f"{town.name if town else ''}{village_name}{group}组{rng.randint(1, 120)}号" if residence == "农村"
                       else f"{town.name if town else ''}{rng.choice(STREETS)}{rng.randint(1, 300)}号")
            hh = {"id": None, "group_no": group, "address": address, "residence": residence, "phone": _phone(rng)}
            hh["id"] = new_id()
            members = _members(rng, ids, today)
            head = members[0]
            head["household_id"] = hh["id"]
            hh["head_person_id"] = head["id"]
            for m in members:
                m["household_id"] = hh["id"]
                age = (today - m["_birth"]).days // 365
                if age >= 60:
                    elders.append((m, age, len(members)))
            hh_rows.append(hh)
            person_rows.extend(members)
            del i
        for m, age, size in elders:
            m["care_flags"] = _care_flags(rng, age, size, m)
        clean = [{k: v for k, v in m.items() if not k.startswith("_")} for m in person_rows]
        with store.write(actor) as w:
            bulk_insert(w, Household, hh_rows)
            bulk_insert(w, Person, clean)
            totals.cases += _cases(w, rng, hh_rows, person_rows, today, village, cover=start == 0)
            totals.visits += _visits(w, rng, [e[0] for e in elders if e[0]["care_flags"]], today)
            from jydesk.store.recipients.demo import add_demo_recipients

            add_demo_recipients(w, random.Random(seed * 7919 + start), person_rows, today)
        totals.households += len(hh_rows)
        totals.persons += len(clean)
        if progress:
            progress(start + n, households)
    if user_count(store) == 0:
        create_user(store, DEMO_USERNAME, "演示专干", DEMO_PASSWORD, role="admin")
    return totals


def _members(rng: random.Random, ids: _Ids, today: date) -> list[dict[str, Any]]:
    surname = rng.choice(SURNAMES)
    size = rng.choices((1, 2, 3, 4, 5, 6), weights=(14, 26, 22, 20, 12, 6))[0]
    head_age = rng.choices((rng.randint(25, 59), rng.randint(60, 79), rng.randint(80, 96)), weights=(55, 33, 12))[0]
    head_male = rng.random() < 0.75
    people: list[dict[str, Any]] = []

    def person(name: str, age: int, male: bool, relation: str) -> dict[str, Any]:
        birth = _birth(rng, age, today)
        p = {"id": new_id(), "name": name, "id_number": ids.make(birth, male), "relation": relation,
             "phone": _phone(rng) if 16 <= age < 80 or rng.random() < 0.3 else None,
             "health": rng.choice(HEALTH) if age >= 60 else "健康",
             "employment": _employment(rng, age), "_birth": birth,
             "monthly_income": Decimal(rng.choice((0, 0, 300, 600, 900, 1500, 2400))) if age >= 16 else Decimal(0)}
        if rng.random() < 0.06:
            p["disability_type"] = rng.choice(("肢体", "视力", "听力", "智力", "精神", "言语"))
            p["disability_grade"] = rng.randint(1, 4)
            p["disability_cert_no"] = p["id_number"] + CATEGORY_DIGITS[p["disability_type"]] + str(p["disability_grade"])
        return p

    people.append(person(_name(rng, surname), head_age, head_male, "本人"))
    if size >= 2:
        people.append(person(_name(rng), max(20, head_age + rng.randint(-5, 5)), not head_male, "配偶"))
    for _ in range(size - len(people)):
        if head_age >= 60 and rng.random() < 0.5:
            age, rel = rng.randint(1, 16), rng.choice(("孙子", "孙女"))
        else:
            age = max(0, head_age - rng.randint(22, 35))
            rel = rng.choice(("子", "女"))
        people.append(person(_name(rng, surname), age, rel in ("子", "孙子"), rel))
    return people


def _employment(rng: random.Random, age: int) -> str:
    if age < 6:
        return "学龄前"
    if age < 18:
        return "在校学生"
    if age >= 65:
        return rng.choice(("务农", "无劳动能力", "退休"))
    return rng.choice(("务农", "务工", "务工", "灵活就业", "在职"))


def _care_flags(rng: random.Random, age: int, size: int, person: dict[str, Any]) -> list[str]:
    flags = []
    if size == 1:
        flags.append(CareFlag.LIVING_ALONE.value)
        if rng.random() < 0.3:
            flags.append(CareFlag.NO_FAMILY.value)
    elif size == 2 and rng.random() < 0.6:
        flags.append(CareFlag.EMPTY_NEST.value)
    if rng.random() < 0.15:
        flags.append(CareFlag.LEFT_BEHIND.value)
    if person.get("health") == "重病":
        flags.append(CareFlag.SERIOUS_ILLNESS.value)
    if age >= 75 and rng.random() < 0.12:
        flags.append(CareFlag.DISABLED_CARE.value)
    if rng.random() < 0.08:
        flags.append(CareFlag.POOR.value)
    return flags


def _cases(w: Any, rng: random.Random, households: list[dict], persons: list[dict], today: date,
           village: dict[str, Any], cover: bool) -> int:
    """Cases of the chunk: some by chance per household, and (``cover``) one of every form in
    every status a desk can reach, for applicants who qualify."""
    by_hh: dict[str, list[dict]] = {}
    for p in persons:
        by_hh.setdefault(p["household_id"], []).append(p)
    hh_by_id = {hh["id"]: hh for hh in households}
    contexts: dict[str, dict[str, Any]] = {}

    def context(applicant: dict) -> dict[str, Any]:
        hid = applicant["household_id"]
        if hid not in contexts:
            contexts[hid] = {"village": village, "household": to_json({k: v for k, v in hh_by_id[hid].items()}),
                             "members": [person_context(m, today) for m in by_hh[hid]], "clerk": {"name": "演示专干"}}
        members = contexts[hid]["members"]
        return {**contexts[hid], "applicant": next(m for m in members if m["id"] == applicant["id"])}

    def age(p: dict) -> int:
        return (today - p["_birth"]).days // 365

    wanted: list[tuple[str, dict]] = []
    for hh in households:
        members = by_hh[hh["id"]]
        roll = rng.random()
        if roll < 0.05:
            wanted.append(("dibao", members[0]))
        elif roll < 0.07:
            wanted.append(("linshi", members[0]))
        else:
            elders = [m for m in members if eligible("gaoling", m, age(m))]
            if elders and rng.random() < 0.3:
                wanted.append(("gaoling", elders[0]))
    rows = [case_row(rng, form, rng.choice(statuses_of(form)), context(p), today) for form, p in wanted]
    if cover:
        for form in CASE_FORMS:
            pool = [p for p in persons if eligible(form, p, age(p))]
            for status in statuses_of(form) if pool else ():
                rows.append(case_row(rng, form, status, context(rng.choice(pool)), today))
    bulk_insert(w, Case, rows)
    return len(rows)


def _visits(w: Any, rng: random.Random, elders: list[dict], today: date) -> int:
    rows = [visit_row(rng, p["id"], today - timedelta(days=rng.randint(1, 80)))
            for p in elders for _ in range(rng.randint(0, 3))]
    bulk_insert(w, Visit, rows)
    return len(rows)


def is_empty(store: Store) -> bool:
    with store.read() as s:
        return s.execute(select(func.count()).select_from(Person)).scalar_one() == 0
