"""Form values of the demo village's cases and visits, checked by the forms' own rules.

A demo case is built as a clerk would fill it: the form's prefill from the household and the
applicant, what the clerk types (per form, below), the computed fields; only the village's own
fields are kept. Its dates follow its status as if moved through the workflow. A case past 草稿
must pass ``FormDefinition.validate`` (the rule the desk checks at 受理/上报 and the server
checks on every push); a 草稿 may be incomplete but carries no format error. Anything else is
a bug of this module and raises :class:`DemoDataError`.

Statuses: a desk reaches 草稿 → 已受理 → 入户调查 → (公示 →) 已上报 itself; 审核中, 已批准,
不予批准 and 退回补正 are set by reviewers on the city server and reach a desk only by sync, so
demo data never contains them (a server refuses them from a device).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from jydesk.domain import casework
from jydesk.domain.entities import CaseStatus
from jydesk.domain.forms import FormDefinition, get_definition
from jydesk.domain.idnumber import age_on, check_digit
from jydesk.domain.relations import relate_members
from jydesk.store.cases.editing import storable_values, village_keys
from jydesk.store.serialize import to_json

S = CaseStatus
VILLAGE_STATUSES = (S.DRAFT, S.ACCEPTED, S.INVESTIGATING, S.PUBLICITY, S.SUBMITTED)
CASE_FORMS = ("dibao", "tekun", "linshi", "canji", "gaoling", "wuren")
INVESTIGATORS = ("王建华", "李秀英", "陈国强", "周丽")
BANKS = ("四川简阳农村商业银行", "中国农业银行简阳支行", "中国邮政储蓄银行简阳支行")
VILLAGE_OPINION = "经入户调查和民主评议，情况属实，同意上报。"


class DemoDataError(AssertionError):
    """The demo generator made a record its own form rules refuse (a bug here)."""


def statuses_of(form: str) -> tuple[CaseStatus, ...]:
    """The statuses a desk can reach for ``form`` (no 公示 when the form has none)."""
    defn = get_definition(form)
    days = casework.publicity_days(form, defn.publicity_days, {}, None)
    return tuple(s for s in VILLAGE_STATUSES if days or s is not S.PUBLICITY)


def eligible(form: str, person: Mapping[str, Any], age: int) -> bool:
    """Whether ``person`` (a demo person row, aged ``age``) can apply for ``form`` (with a year to
    spare: the case may have been applied for months ago)."""
    if form == "gaoling":
        return age >= 81
    if form == "wuren":
        return age < 17
    if form == "canji":
        return person.get("disability_type") in ("视力", "听力", "言语", "肢体", "智力", "精神")
    if form == "tekun":
        return age >= 60
    return age >= 18


def _id_number(rng: random.Random, born: int) -> str:
    first17 = f"510185{born}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
    return first17 + check_digit(first17)


def _account(rng: random.Random) -> str:
    return "622848" + "".join(str(rng.randrange(10)) for _ in range(13))


def _typed(form: str, rng: random.Random, applicant: Mapping[str, Any], members: list[Mapping[str, Any]],
           applied: date) -> dict[str, Any]:
    """What the clerk types into ``form`` (reasons, choices, bank details …)."""
    if form == "dibao":
        return {"application_scope": "整户", "close_relative": "否",
                "poverty_causes": rng.sample(["因病", "因残", "缺劳动力"], 2), "housing": "自有砖混房屋",
                "vehicles": "无", "financial_assets": f"{rng.randrange(0, 5000)}.00", "other_property": "无",
                "reason": rng.choice(("家庭成员患重病，医疗支出大，收入不足以维持基本生活。", "主要劳动力残疾，家庭无稳定收入。"))}
    if form == "tekun":
        return {"labor_capacity": "无劳动能力", "income_source": "无生活来源", "incapacity_basis": ["年满60周岁"],
                "monthly_income": "0", "financial_assets": "800.00", "obligor_status": "无法定义务人",
                "self_care": rng.choice(("完全自理", "半失能")), "support_mode": "分散供养",
                "caregiver": rng.choice(INVESTIGATORS), "caregiver_phone": "13881234567", "housing": "自有土木结构房屋",
                "reason": "年老体弱，无劳动能力，无生活来源，无法定赡养人，申请特困人员救助供养。"}
    if form == "linshi":
        return {"hukou_type": "本地户籍", "hardship_type": rng.choice(("急难型", "支出型")), "urgent": False,
                "hardship_causes": rng.sample(["突发重大疾病", "医疗费用支出过大", "基本生活必需支出突增"], 2),
                "hardship_description": rng.choice(("房屋遭受火灾，生活用品损毁。", "家庭成员突发重病住院，自付费用较高。")),
                "suggested_amount": "2000.00", "aid_form": ["发放救助金"]}
    if form == "canji":
        severe = applicant.get("disability_grade") in (1, 2) or applicant.get("disability_type") in ("智力", "精神")
        dibao = rng.choice(("否", "农村低保")) if severe else "农村低保"  # 生活补贴 only in a 低保 household
        subsidies = (["困难残疾人生活补贴"] if dibao != "否" else []) + (["重度残疾人护理补贴"] if severe else [])
        return {"dibao_status": dibao, "is_tekun": False, "work_injury_care": False,
                "other_similar": False, "bank_name": rng.choice(BANKS), "bank_account": _account(rng),
                "subsidy_types": subsidies,
                "reason": "本人持有残疾人证，家庭生活困难，申请残疾人两项补贴。"}
    if form == "gaoling":
        return {"bank_name": rng.choice(BANKS), "bank_account": _account(rng)}
    if form == "wuren":
        adults = [m for m in members if m is not applicant and m.get("age", 0) >= 18]
        guardian = adults[0] if adults else None
        name = guardian["name"] if guardian else "张秀英"
        return {"father_name": "李强", "father_id_number": _id_number(rng, applied.year - 40),
                "father_situation": "服刑在押", "father_months": rng.randint(18, 96), "father_proof": "人民法院刑事判决书",
                "mother_name": "陈红", "mother_id_number": _id_number(rng, applied.year - 38),
                "mother_situation": "重病", "mother_proof": "县级以上医院诊断证明",
                "guardian_name": name, "guardian_relation": guardian["relation"] if guardian else "祖母",
                "guardian_phone": (guardian or {}).get("phone") or "15982345678",
                "guardian_id_number": guardian["id_number"] if guardian else _id_number(rng, applied.year - 65),
                "bank_name": rng.choice(BANKS), "account_name": name, "bank_account": _account(rng),
                "schooling": "义务教育" if applicant.get("age", 10) >= 6 else "学龄前", "support_received": ["无"],
                "reason": "父母均不能履行抚养义务，孩子由亲属照料，申请事实无人抚养儿童基本生活补贴。"}
    raise KeyError(form)


def _timeline(rng: random.Random, defn: FormDefinition, status: CaseStatus, days: int,
              today: date) -> tuple[dict[str, date], dict[str, Any]]:
    """Case dates (columns) and the form's workflow values for a case now in ``status``."""
    order = VILLAGE_STATUSES.index(status)
    applied = today - timedelta(days=rng.randint(0, 6) + 14 * order)
    columns: dict[str, date] = {"applied_on": applied}
    values: dict[str, Any] = {"applied_on": applied.isoformat()}
    if order >= 1:
        columns["accepted_on"] = applied + timedelta(days=rng.randint(0, 2))
    if order >= 2 and defn.has_field(casework.INVESTIGATED_ON):
        first, second = rng.sample(INVESTIGATORS, 2)
        on = min(today, columns["accepted_on"] + timedelta(days=rng.randint(1, 3)))
        values.update(investigator_1=first, investigator_2=second, investigated_on=on.isoformat(),
                      investigation_summary="经入户调查，家庭成员、收入与申请一致。")
    if order >= 3 and days:
        start = columns["accepted_on"] + timedelta(days=rng.randint(4, 6))
        end = start + timedelta(days=days - 1)
        columns.update(publicity_start=start, publicity_end=end)
        values.update(publicity_start=start.isoformat(), publicity_end=end.isoformat(), publicity_objection="无异议")
    if status is S.SUBMITTED:
        after = columns.get("publicity_end", columns["accepted_on"] + timedelta(days=4))
        columns["submitted_on"] = min(today, after + timedelta(days=rng.randint(1, 2)))
        values.update(village_opinion=VILLAGE_OPINION, village_opinion_on=columns["submitted_on"].isoformat())
    return columns, values


def case_row(rng: random.Random, form: str, status: CaseStatus, context: Mapping[str, Any], today: date,
             ) -> dict[str, Any]:
    """A ``Case`` row of ``form`` in ``status`` for the applicant of ``context`` (a prefill context)."""
    defn = get_definition(form)
    applicant = context["applicant"]
    days = casework.publicity_days(form, defn.publicity_days, {"applicant_id_number": applicant["id_number"]}, today)
    columns, workflow = _timeline(rng, defn, status, days, today)
    applied = columns["applied_on"]
    members = [_aged(m, applied) for m in context["members"]]
    relate_members(members, applicant)
    for m in members:  # what the clerk types where the relations to the head do not decide it
        m["relation_to_applicant"] = m["relation_to_applicant"] or "其他亲属"
    values = defn.prefill({**context, "today": applied.isoformat(), "applicant": _aged(applicant, applied),
                           "members": members})
    values.update(_typed(form, rng, applicant, context["members"], columns["applied_on"]))
    values.update({k: v for k, v in workflow.items() if defn.has_field(k)})
    values = defn.complete(values)
    keys = village_keys(defn)
    stored, errors = storable_values(defn, {k: v for k, v in values.items() if k in keys})
    errors += defn.validate(stored)
    if status is S.DRAFT:
        errors = [e for e in errors if e.code != "required"]
    if errors:
        raise DemoDataError(f"演示数据“{defn.title}”（{status}）不合规则：" + "；".join(e.message for e in errors))
    return {"form_code": form, "form_version": defn.version, "household_id": context["household"]["id"],
            "applicant_id": applicant["id"], "status": status.value, "data": stored, **columns}


VISIT_NOTES = (
    {"expression": "正常", "mobility": "自如", "reaction": "正常", "mental": "良好"},
    {"expression": "正常", "mobility": "需辅助", "reaction": "迟缓", "mental": "一般", "illness": "高血压",
     "daily_difficulties": ["出行", "就医"]},
    {"expression": "正常", "mobility": "需辅助", "mental": "一般", "illness": "腰椎间盘突出",
     "problems": "卫生间无扶手，有跌倒风险。", "handling": "已联系社区养老服务站登记适老化改造。",
     "house_hazard": "有", "safety_note": "卫生间地面湿滑，无扶手"},
)


def visit_row(rng: random.Random, person_id: str, visited_on: date) -> dict[str, Any]:
    """A ``Visit`` row with observations of the visit form (checked like a clerk's entry)."""
    defn = get_definition("visit")
    data, errors = storable_values(defn, dict(rng.choice(VISIT_NOTES)))
    errors += [e for e in defn.validate({"person_name": "-", "visited_on": visited_on.isoformat(), "method": "入户",
                                         "visitors": "-", **data})]
    if errors:
        raise DemoDataError("演示探访记录不合规则：" + "；".join(e.message for e in errors))
    return {"person_id": person_id, "visited_on": visited_on, "method": rng.choice(("入户", "入户", "电话")),
            "visitors": "演示专干", "follow_up_needed": False, "data": data}


def _aged(person: Mapping[str, Any], on: date) -> dict[str, Any]:
    return {**person, "age": age_on(date.fromisoformat(person["birth_date"]), on)}


def person_context(p: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A demo person row as :func:`jydesk.store.form_context.prefill_context` describes a person."""
    values = {k: v for k, v in p.items() if not k.startswith("_")}
    values.update(birth_date=p["_birth"], age=age_on(p["_birth"], today), sex="男" if int(p["id_number"][16]) % 2 else "女")
    return to_json(values)
