"""Reference data the city maintains once and sends to every device: the kinds, their keys and
the checked text of their values.

Each record is (kind, key) -> value (text, JSON for the structured kinds), versioned on the city
server (``sync.server.reference``) and delivered in the pull feed (``jydesk.domain.approval``
describes the record). Kinds:

- ``approval``: key = 9-digit town code, value 县级 / 乡镇 (per town; ``jydesk.domain.approval``).
- ``holidays``: key = year (``2027``), value = that year's whole official schedule
  ``[[day, name, working], …]`` (放假 days and 调休上班 weekend days); it replaces the shipped
  table of that year. A year present here or in the shipped table is *known*.
- ``standard``: key = ``kind:area:YYYY-MM-DD`` (``dibao:jianyang:2025-01-01``), value
  ``{"amount", "source", "verified", "rule"}`` — a benefit standard from a date (overrides the
  shipped row with the same key).
- ``visit_policy``: key ``weekly``, value ``{"min_age", "any_of"}`` — who is visited weekly.
- ``benefit_rule``: key = benefit form code (``dibao`` …), value ``{"review_months", "able_months",
  "review_kind"}`` — how often its recipients are reviewed; key ``taper``, value
  ``{"max_months"}`` — the longest 渐退期 (``jydesk.domain.benefits``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jydesk.domain.approval import APPROVAL_KIND, parse_level
from jydesk.domain.benefits import BENEFIT_RULE_KIND, BenefitError, parse_rule
from jydesk.domain.regions import town_by_code
from jydesk.domain.text import clean as clean_text
from jydesk.domain.workdays import CalendarDay

HOLIDAYS_KIND = "holidays"
STANDARD_KIND = "standard"
VISIT_POLICY_KIND = "visit_policy"
KINDS = (APPROVAL_KIND, HOLIDAYS_KIND, STANDARD_KIND, VISIT_POLICY_KIND, BENEFIT_RULE_KIND)
KIND_NAMES = {APPROVAL_KIND: "审核确认层级", HOLIDAYS_KIND: "节假日安排", STANDARD_KIND: "保障标准",
              VISIT_POLICY_KIND: "探访规则", BENEFIT_RULE_KIND: "复核周期与渐退期"}
#: Kinds set per town (sent to that town's villages); the others go to every village.
TOWN_KINDS = frozenset({APPROVAL_KIND})
STANDARD_KINDS = {"dibao": "低保", "tekun": "特困"}
AREAS = {"jianyang": "简阳", "east": "东部新区"}
_YEAR_RE = re.compile(r"^(19|20)\d\d$")


class ReferenceError(ValueError):
    """A reference record that cannot be stored (one Chinese line naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _text(value: Any, field: str, limit: int, label: str) -> str:
    text = clean_text(str(value or ""))
    if len(text) > limit:
        raise ReferenceError(field, f"{label}不能超过{limit}个字")
    return text


def normalize(kind: str, key: str, value: Any) -> tuple[str, str]:
    """The stored (key, value) of a record; ReferenceError with a Chinese message if wrong."""
    kind, key = str(kind or "").strip(), clean_text(str(key or ""))
    if kind == APPROVAL_KIND:
        if town_by_code(key) is None:
            raise ReferenceError("key", f"乡镇(街道)代码“{key}”不是简阳市的乡镇(街道)")
        try:
            return key, parse_level(value).value
        except ValueError as exc:
            raise ReferenceError("value", str(exc)) from exc
    if kind == HOLIDAYS_KIND:
        if not _YEAR_RE.match(key):
            raise ReferenceError("key", f"年份“{key}”不正确，应为四位数字，例如 2027")
        days = holiday_days(int(key), value)
        return key, _dump([[d.day.isoformat(), d.name, d.working] for d in days])
    if kind == STANDARD_KIND:
        return standard_record(key, value)
    if kind == VISIT_POLICY_KIND:
        if key != "weekly":
            raise ReferenceError("key", f"探访规则的键应为 weekly，而不是“{key}”")
        return key, _dump(parse_visit_policy(value))
    if kind == BENEFIT_RULE_KIND:
        try:
            return parse_rule(key, _json(value, "value"))
        except BenefitError as exc:
            raise ReferenceError(exc.field, str(exc)) from exc
    raise ReferenceError("kind", f"参考数据类别“{kind}”不存在，应为 {'、'.join(KINDS)} 之一")


def _json(value: Any, field: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ReferenceError(field, f"{field} 不是有效的 JSON") from exc
    return value


def holiday_days(year: int, value: Any) -> list[CalendarDay]:
    """One year's schedule from ``[[day, name, working], …]`` (or its JSON), checked."""
    rows = _json(value, "value")
    if not isinstance(rows, list):
        raise ReferenceError("value", "节假日安排应为日期列表")
    seen: set[date] = set()
    days = []
    for i, row in enumerate(rows, 1):
        if not (isinstance(row, list | tuple) and len(row) == 3):
            raise ReferenceError("value", f"第{i}项应为 [日期, 名称, 是否调休上班]")
        try:
            day = date.fromisoformat(str(row[0]))
        except ValueError:
            raise ReferenceError("day", f"第{i}项的日期“{row[0]}”不正确，应为 YYYY-MM-DD") from None
        if day.year != year:
            raise ReferenceError("day", f"{day:%Y-%m-%d} 不在 {year} 年")
        if day in seen:
            raise ReferenceError("day", f"{day:%Y-%m-%d} 重复")
        seen.add(day)
        name = _text(row[1], "name", 30, "节假日名称")
        if not name:
            raise ReferenceError("name", f"{day:%Y-%m-%d} 缺少节假日名称")
        working = row[2]
        if not isinstance(working, bool):
            raise ReferenceError("working", f"{day:%Y-%m-%d} 是否调休上班应为 true 或 false")
        if working and day.weekday() < 5:
            raise ReferenceError("working", f"{day:%Y-%m-%d} 是工作日，不能登记为调休上班")
        days.append(CalendarDay(day, name, working))
    if not days:
        raise ReferenceError("value", f"{year} 年的节假日安排是空的")
    return sorted(days, key=lambda d: d.day)


def holidays_from_csv(text: str) -> dict[int, list[list[Any]]]:
    """A holiday CSV (columns day,name,working[,source]; working = yes/no, 是/否) by year."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if not reader.fieldnames or not {"day", "name", "working"} <= set(reader.fieldnames):
        raise ReferenceError("file", "CSV 第一行应为列名 day,name,working（可加 source）")
    years: dict[int, list[list[Any]]] = {}
    for n, r in enumerate(reader, 2):
        flag = (r.get("working") or "").strip().lower()
        if flag not in ("yes", "no", "是", "否", "true", "false"):
            raise ReferenceError("working", f"第{n}行 working 应为 yes 或 no，而不是“{r.get('working')}”")
        try:
            day = date.fromisoformat((r.get("day") or "").strip())
        except ValueError:
            raise ReferenceError("day", f"第{n}行日期“{r.get('day')}”不正确，应为 YYYY-MM-DD") from None
        years.setdefault(day.year, []).append([day.isoformat(), r.get("name") or "", flag in ("yes", "是", "true")])
    if not years:
        raise ReferenceError("file", "CSV 中没有节假日")
    return years


def standard_record(key: str, value: Any) -> tuple[str, str]:
    """A benefit standard: key ``kind:area:YYYY-MM-DD``, value {amount, source, verified, rule}."""
    parts = key.split(":")
    if len(parts) != 3 or parts[0] not in STANDARD_KINDS or parts[1] not in AREAS:
        raise ReferenceError("key", f"标准的键“{key}”不正确，应为 类别:地区:起始日期，例如 dibao:jianyang:2025-01-01"
                                    f"（类别 {'/'.join(STANDARD_KINDS)}，地区 {'/'.join(AREAS)}）")
    try:
        date.fromisoformat(parts[2])
    except ValueError:
        raise ReferenceError("key", f"标准的起始日期“{parts[2]}”不正确，应为 YYYY-MM-DD") from None
    data = _json(value, "value")
    if not isinstance(data, dict):
        raise ReferenceError("value", "标准应为 {\"amount\": 金额, \"source\": 来源}")
    try:
        amount = Decimal(str(data.get("amount")))
    except InvalidOperation:
        raise ReferenceError("amount", f"金额“{data.get('amount')}”不是数字") from None
    if not amount.is_finite() or not 0 < amount < 100_000:
        raise ReferenceError("amount", f"金额“{data.get('amount')}”应在 0 到 100000 元之间")
    source = _text(data.get("source"), "source", 200, "来源")
    if not source:
        raise ReferenceError("source", "每条标准都要写明来源（文号）")
    verified = data.get("verified", True)
    if not isinstance(verified, bool):
        raise ReferenceError("verified", "verified 应为 true 或 false")
    rule = _text(data.get("rule"), "rule", 200, "推算规则")
    return key, _dump({"amount": str(amount), "source": source, "verified": verified, "rule": rule})


#: The city's plan (成办发〔2022〕28号: 兜底保障老年人周探访率 100%): aged 60+ and any of these.
DEFAULT_VISIT_POLICY: dict[str, Any] = {"min_age": 60, "any_of": ["独居", "孤寡", "高龄", "重病", "残疾", "经济特困"]}
#: Flags a weekly rule may name: the care flags plus 残疾 (any disability grade or 重残).
POLICY_FLAGS = ("独居", "空巢", "留守", "孤寡", "失能", "重残", "高龄", "重病", "经济特困", "残疾")


def parse_visit_policy(value: Any) -> dict[str, Any]:
    data = _json(value, "value")
    if not isinstance(data, dict):
        raise ReferenceError("value", "探访规则应为 {\"min_age\": 60, \"any_of\": [...]}")
    age = data.get("min_age")
    if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 120:
        raise ReferenceError("min_age", f"最低年龄“{age}”应为 0 到 120 的整数")
    flags = data.get("any_of")
    if not isinstance(flags, list) or not flags or any(f not in POLICY_FLAGS for f in flags):
        raise ReferenceError("any_of", f"标记应为以下一个或多个：{'、'.join(POLICY_FLAGS)}")
    return {"min_age": age, "any_of": sorted(set(flags), key=POLICY_FLAGS.index)}


def csv_sources(text: str) -> dict[int, str]:
    """The ``source`` column of a holiday CSV, per year (the first non-empty one)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    result: dict[int, str] = {}
    for r in csv.DictReader(io.StringIO("\n".join(lines))):
        try:
            year = date.fromisoformat((r.get("day") or "").strip()).year
        except ValueError:
            continue
        if r.get("source") and year not in result:
            result[year] = str(r["source"])
    return result


def standards_from_csv(text: str) -> list[tuple[str, dict[str, Any]]]:
    """A standards CSV (kind,area,effective_from,amount,source[,verified,rule]) as (key, value)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    need = {"kind", "area", "effective_from", "amount", "source"}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise ReferenceError("file", "CSV 第一行应为列名 kind,area,effective_from,amount,source（可加 verified,rule）")
    result = []
    for n, r in enumerate(reader, 2):
        key = f"{(r.get('kind') or '').strip()}:{(r.get('area') or '').strip()}:{(r.get('effective_from') or '').strip()}"
        verified = (r.get("verified") or "yes").strip().lower()
        if verified not in ("yes", "no", "是", "否"):
            raise ReferenceError("verified", f"第{n}行 verified 应为 yes 或 no")
        value = {"amount": (r.get("amount") or "").strip(), "source": r.get("source") or "",
                 "verified": verified in ("yes", "是"), "rule": r.get("rule") or ""}
        try:
            standard_record(key, value)
        except ReferenceError as exc:
            raise ReferenceError(exc.field, f"第{n}行：{exc}") from None
        result.append((key, value))
    if not result:
        raise ReferenceError("file", "CSV 中没有标准")
    return result
