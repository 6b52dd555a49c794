"""Printing: one filled form (budget ≤ 15 ms) and a 100-page batch (budget ≤ 1.5 s), docs/architecture.md § Budgets.

Records are synthetic and all different (names, ID numbers, texts), so each PDF embeds its
own font subset for the record's characters, as in real use. Every field is filled.

One form, p50 wall ms (CPU ≈ wall), 2 CPUs, load 0.7–0.9, three alternating runs of each
tree (2026-11-28): before = 65cffe3, after = caches in jydesk/printing (widths arrays and
ToUnicode maps formatted once per subset, wraps / side titles / primed-text splits
remembered, shrink-to-fit skips sizes that cannot fit, primed assignment copied):

    form        before  after        form        before  after
    canji        13.0    9.3         linshi       13.7    9.8
    dibao        13.9   10.3         tekun        15.3   10.7
    dibao-auth    7.1    4.6         visit         9.9    7.0
    gaoling       9.0    7.0         wuren        12.2    8.2
    all forms    12.9    9.0  (p95 16.1 → 11.0)

100 visit sheets: best 0.47 → 0.41 s; 54 mixed forms 0.51 → 0.44 s; roster ≈ 50 ms.
The PDFs are byte-for-byte the same as before (checked with reportlab's invariant mode).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.common import p95, percentiles
from jydesk.domain.forms import FieldSpec, FieldType, FormDefinition, load_definitions
from jydesk.domain.idnumber import check_digit
from jydesk.printing import RosterRow, render_batch, render_form, render_roster

BUDGET_FORM_MS = 15.0
BUDGET_BATCH_S = 1.5
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国志文德福贵淑珍兴民荣桂林海燕春梅"
WORDS = "家庭成员长期患病收入微薄医疗支出较大子女在外务工老人独居行动不便房屋陈旧需要帮扶已入户核实情况属实"
TODAY = date(2026, 5, 18)


def person(rng: random.Random, pid: int, relation: str) -> dict[str, Any]:
    born = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 85))
    first17 = f"510185{born:%Y%m%d}{rng.randrange(1000):03d}"
    number = first17 + check_digit(first17)
    return {"id": f"p{pid}", "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            "id_number": number, "relation": relation, "phone": f"139{rng.randrange(10**8):08d}",
            "sex": "男" if int(number[16]) % 2 else "女", "birth_date": born.isoformat(),
            "age": TODAY.year - born.year, "monthly_income": Decimal(rng.randrange(0, 300000)) / 100,
            "health": rng.choice(["健康", "慢性病", "重病"]), "employment": rng.choice(["务农", "务工", "无业"]),
            "care_flags": rng.sample(["独居", "空巢", "高龄", "重病"], 2)}


def context(rng: random.Random) -> dict[str, Any]:
    members = [person(rng, i, rel) for i, rel in enumerate(["本人", "配偶", "子", "孙女"][: rng.randint(2, 4)])]
    return {"village": {"code": "510185001001", "name": "安象街社区", "town_name": "简城街道"},
            "household": {"id": "h1", "group_no": rng.randint(1, 12), "residence": "农村",
                          "address": f"简城街道安象街{rng.randint(1, 300)}号", "phone": "028-27021234"},
            "applicant": members[0], "members": members, "clerk": {"name": "李专干"}, "today": TODAY.isoformat()}


def filler(spec: FieldSpec, rng: random.Random) -> Any:
    kind = spec.type
    if kind is FieldType.TEXT:
        return "".join(rng.choices(WORDS, k=min(spec.max_length or 12, 12)))
    if kind is FieldType.LONGTEXT:
        return "".join(rng.choices(WORDS, k=min(spec.max_length or 120, 120)))
    if kind is FieldType.DATE:
        return (TODAY - timedelta(days=rng.randrange(1, 30))).isoformat()
    if kind is FieldType.MONEY:
        return f"{rng.randrange(0, 500000) / 100:.2f}"
    if kind is FieldType.INTEGER:
        return rng.randint(1, 5)
    if kind is FieldType.CHOICE:
        return rng.choice(spec.choices)
    if kind is FieldType.MULTICHOICE:
        return rng.sample(spec.choices, 2)
    if kind is FieldType.BOOL:
        return rng.random() < 0.5
    if kind is FieldType.PHONE:
        return f"138{rng.randrange(10**8):08d}"
    if kind is FieldType.BANK_ACCOUNT:
        return f"6228{rng.randrange(10**15):015d}"
    return None


def record(defn: FormDefinition, rng: random.Random) -> dict[str, Any]:
    """A fully filled record: prefilled from a random household, every other field filled."""
    values = defn.prefill(context(rng))
    for spec in defn.fields:
        if spec.key not in values and spec.compute is None:
            value = filler(spec, rng)
            if value is not None:
                values[spec.key] = value
    return defn.complete(values)


def bench_one_form(definitions: dict[str, FormDefinition]) -> None:
    rng = random.Random(20260518)
    render_form(definitions["dibao"], record(definitions["dibao"], rng))  # font registration, caches
    print("one filled form (every field filled, a different record each time); wall and CPU time:")
    all_wall: list[float] = []
    all_cpu: list[float] = []
    for code, defn in sorted(definitions.items()):
        records = [record(defn, rng) for _ in range(40)]
        render_form(defn, records[0])  # this form's fixed wording subset
        wall: list[float] = []
        cpu: list[float] = []
        for values in records[1:]:
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = render_form(defn, values, number="2026-0001")
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        all_wall += wall
        all_cpu += cpu
        pages = pdf.count(b"/Type /Page\n")
        print(f"  {code:<11} {percentiles(wall)}  cpu p50 {statistics.median(cpu):5.2f} ms  ({pages} page(s))")
    verdict = "OK" if statistics.median(all_wall) <= BUDGET_FORM_MS else "OVER"
    print(f"  all forms   {percentiles(all_wall)}  cpu p50 {statistics.median(all_cpu):5.2f} ms, "
          f"p95 {p95(all_cpu):5.2f} ms; budget ≤ {BUDGET_FORM_MS:.0f} ms: {verdict} (wall p50)")


def bench_batch(definitions: dict[str, FormDefinition]) -> None:
    rng = random.Random(7)
    visit = definitions["visit"]
    items = [(visit, record(visit, rng), f"TF-{i:04d}") for i in range(100)]
    calls = []
    times = []
    for _ in range(3):
        started = time.perf_counter()
        pdf = render_batch(items, lambda done, total: calls.append(done))
        times.append(time.perf_counter() - started)
    best = min(times)
    print(f"batch of 100 visit sheets (100 pages, one PDF): best {best:.2f} s, median {statistics.median(times):.2f} s, "
          f"{len(pdf) / 1024:.0f} KiB; budget ≤ {BUDGET_BATCH_S} s: {'OK' if best <= BUDGET_BATCH_S else 'OVER'}")
    cases = ["dibao", "tekun", "linshi", "canji", "gaoling", "wuren"]
    mixed = [(definitions[c], record(definitions[c], rng), "") for c in cases * 9]
    started = time.perf_counter()
    render_batch(mixed)
    print(f"batch of 54 mixed application forms: {time.perf_counter() - started:.2f} s")


def bench_roster() -> None:
    rng = random.Random(3)
    rows = [RosterRow(rng.choice(SURNAMES) + rng.choice(GIVEN), "女", rng.randint(60, 99), f"安象街{i}号", "13900000000",
                      "高风险（每周）", None, TODAY) for i in range(120)]
    started = time.perf_counter()
    render_roster("2026-W21", rows, village_name="安象街社区")
    print(f"weekly roster, 120 people: {(time.perf_counter() - started) * 1000:.1f} ms")


def main() -> None:
    print(f"machine load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(other work on the machine inflates wall times)")
    started = time.perf_counter()
    definitions = load_definitions()
    print(f"load and check {len(definitions)} definitions: {(time.perf_counter() - started) * 1000:.1f} ms (cached after)")
    started = time.perf_counter()
    render_form(definitions["visit"], None, blank=True)
    print(f"first PDF in the process (font registration): {(time.perf_counter() - started) * 1000:.0f} ms")
    bench_one_form(definitions)
    bench_batch(definitions)
    bench_roster()


if __name__ == "__main__":
    main()
