"""Synthetic sample records for every form (test data only; the people do not exist).

``context()`` is a prefill context as jydesk.store.form_context builds it; ``sample(code)``
is the values of a filled form: prefill + computed + what the clerk types.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jydesk.domain.forms import FormDefinition
from jydesk.domain.idnumber import check_digit
from jydesk.domain.relations import relate_members

TODAY = date(2026, 5, 18)


def id_number(birth: str, seq: int) -> str:
    """A valid 18-digit number registered in 简阳 (510185) for ``birth`` (YYYYMMDD)."""
    first17 = f"510185{birth}{seq:03d}"
    return first17 + check_digit(first17)


def person(pid: str, name: str, birth: str, seq: int, **extra: Any) -> dict[str, Any]:
    number = id_number(birth, seq)
    born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
    return {"id": pid, "name": name, "id_number": number, "sex": "男" if seq % 2 else "女",
            "birth_date": born.isoformat(), "age": age, "village_code": "510185001001", **extra}


VILLAGE = {"code": "510185001001", "name": "安象街社区", "town_name": "简城街道"}
HOUSEHOLD = {"id": "h-0001", "village_code": "510185001001", "group_no": 3, "address": "简城街道安象街27号附2号",
             "residence": "城市", "phone": "028-27021234"}
HEAD = person("p-0001", "曾德明", "19580314", 17, relation="本人", phone="13908012345", health="慢性病",
              employment="无业", monthly_income="420.00", disability_type="肢体", disability_grade=2,
              disability_cert_no=id_number("19580314", 17) + "42", care_flags=["独居", "重病"])
SPOUSE = person("p-0002", "刘桂芳", "19610822", 24, relation="配偶", health="健康", employment="务农",
                monthly_income="300.00")
SON = person("p-0003", "曾晓东", "19900105", 35, relation="子", health="大病", employment="无业",
             monthly_income="0")
ELDER = person("p-0101", "王淑华", "19410302", 42, relation="本人", phone="13551234567", health="慢性病",
               care_flags=["独居", "高龄"], visit_tier="高风险")
# 特困: 81 years old, never married, no children, lives alone (no 法定义务人).
LONER = person("p-0151", "罗正富", "19440907", 31, relation="本人", phone="13698123456", health="慢性病",
               employment="无劳动能力", monthly_income="0", care_flags=["独居", "孤寡"])
# 事实无人抚养儿童: the girl lives with her grandparents; the grandfather is the 户主.
GRANDPA = person("p-0203", "李国安", "19540920", 55, relation="本人", phone="13881112233", health="慢性病")
GRANDMA = person("p-0202", "张秀英", "19560211", 66, relation="配偶", phone="15982345678", health="慢性病")
CHILD = person("p-0201", "李思雨", "20140716", 88, relation="孙女", health="健康")


def context(applicant: dict[str, Any] = HEAD, members: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """As jydesk.store.form_context builds it: each member's relation to the applicant derived."""
    rows = [dict(m) for m in (members if members is not None else [HEAD, SPOUSE, SON])]
    relate_members(rows, applicant)
    return {"village": VILLAGE, "household": HOUSEHOLD, "applicant": applicant, "members": rows,
            "clerk": {"name": "李专干"}, "today": TODAY.isoformat()}


CASE_COMMON: dict[str, Any] = {
    "village_opinion": "经入户调查和民主评议，情况属实，同意上报。", "village_opinion_on": "2026-05-06",
}
INVESTIGATION = {
    "investigator_1": "周建华", "investigator_2": "陈丽", "investigated_on": "2026-04-22",
    "investigation_summary": "经入户调查，家庭成员情况、收入与申请一致，房屋为自有砖混结构，无机动车辆。",
}
PUBLICITY = {"publicity_start": "2026-04-27", "publicity_end": "2026-05-03", "publicity_objection": "无异议"}

TYPED: dict[str, dict[str, Any]] = {
    "dibao": {**CASE_COMMON, **INVESTIGATION, **PUBLICITY, "applied_on": "2026-04-15", "poverty_causes": ["因病", "因残"],
              "reason": "户主曾德明患慢性阻塞性肺病多年，肢体二级残疾，长期服药；儿子曾晓东2025年确诊尿毒症，"
                        "每周透析三次，无法工作。家庭收入仅靠配偶务农，难以维持基本生活，特申请最低生活保障。",
              "housing": "自有砖混房屋76平方米", "vehicles": "无", "financial_assets": "3500.00",
              "other_property": "无", "review_on": "2026-04-24", "review_result": "同意",
              "application_scope": "整户", "applied_persons": 3, "close_relative": "否",
              "medical_expense": "1650.00", "education_expense": "0", "account_type": "社会保障卡",
              "bank_name": "四川简阳农村商业银行", "account_name": "曾德明", "bank_account": "6228480469123450001"},
    "dibao-auth": {"assistance_types": ["最低生活保障"], "signed_on": "2026-04-15"},
    "tekun": {**CASE_COMMON, **INVESTIGATION, **PUBLICITY, "applied_on": "2026-04-15", "labor_capacity": "无劳动能力",
              "income_source": "无生活来源", "incapacity_basis": ["年满60周岁"], "monthly_income": "0",
              "financial_assets": "800.00", "obligor_status": "无法定义务人", "self_care": "半失能",
              "support_mode": "分散供养", "caregiver": "王秀兰", "caregiver_phone": "13881234567",
              "housing": "自有土木结构房屋40平方米", "other_property": "无",
              "investigation_summary": "经入户调查，本人独居，无劳动能力、无生活来源，房屋为自有土木结构，"
                                       "无机动车辆，无法定赡养、扶养义务人。",
              "reason": "本人年满八十岁，终身未婚，无子女，父母已去世，无法定赡养、扶养义务人；"
                        "患慢性病，无劳动能力，无生活来源，申请特困人员救助供养。"},
    "linshi": {**CASE_COMMON, **INVESTIGATION, **PUBLICITY, "applied_on": "2026-04-15", "hardship_type": "支出型", "urgent": False,
               "hardship_causes": ["突发重大疾病", "医疗费用支出过大"],
               "hardship_description": "儿子曾晓东2025年11月确诊尿毒症，住院及透析费用医保报销后自付38600元，"
                                       "家庭已无力承担。",
               "last_aid_on": "2025-12-10", "last_aid_amount": "2000.00", "year_aid_count": 1,
               "year_aid_amount": "2000.00", "other_assistance": ["医疗救助"], "suggested_amount": "3000.00",
               "aid_form": ["发放救助金"], "hukou_type": "本地户籍", "account_type": "银行卡",
               "bank_name": "四川简阳农村商业银行", "account_name": "曾德明", "bank_account": "6228480469123450001"},
    "canji": {**CASE_COMMON, **PUBLICITY, "applied_on": "2026-04-15", "dibao_status": "城市低保", "is_tekun": False,
              "work_injury_care": False, "other_similar": False,
              "subsidy_types": ["困难残疾人生活补贴", "重度残疾人护理补贴"], "bank_name": "四川简阳农村商业银行",
              "bank_account": "6228480469123456789",
              "reason": "本人肢体二级残疾，家庭为城市低保户，行动需人照料，申请困难残疾人生活补贴和重度残疾人护理补贴。"},
    "gaoling": {**CASE_COMMON, **PUBLICITY, "publicity_end": "2026-05-01", "applied_on": "2026-04-15",
                "bank_name": "中国农业银行简阳支行", "bank_account": "6228480469876543210",
                "agent_name": "刘建国", "agent_relation": "子", "agent_id_number": id_number("19680512", 71),
                "agent_phone": "13908076543"},
    "wuren": {**CASE_COMMON, "village_opinion": "经入户核实，父母情形属实，儿童由祖父母抚养，同意上报。",
              "applied_on": "2026-04-15", "father_name": "李强",
              "father_id_number": id_number("19880410", 51), "father_situation": "服刑在押",
              "father_proof": "刑事判决书（2024）川0185刑初字第88号", "father_months": 60, "mother_name": "陈红",
              "mother_id_number": id_number("19900618", 62), "mother_situation": "失联", "mother_months": 26,
              "schooling": "义务教育", "support_received": ["无"],
              "mother_proof": "简城派出所出具的失联证明", "guardian_name": "张秀英", "guardian_relation": "祖母",
              "guardian_phone": "15982345678", "guardian_id_number": id_number("19560211", 66),
              "bank_name": "四川简阳农村商业银行", "account_name": "张秀英", "bank_account": "6228480469555512345",
              "reason": "父亲服刑在押，母亲失联两年以上，孩子由祖母抚养，家庭生活困难，申请事实无人抚养儿童基本生活补贴。"},
    "visit": {"visited_on": "2026-05-12", "visit_time": "09:30", "method": "入户", "visitors": "李专干、周建华",
              "expression": "正常", "mobility": "需辅助", "reaction": "迟缓", "mental": "一般",
              "illness": "高血压、腰椎间盘突出", "daily_difficulties": ["出行", "就医"],
              "benefits": ["高龄津贴", "养老金"], "family_support": "部分履行", "family_contact": "偶尔",
              "house_hazard": "有", "utilities": "正常", "safety_note": "卫生间地面湿滑，无扶手",
              "service_needs": ["生活照料", "居家适老化改造"],
              "problems": "卫生间无扶手，老人如厕不便，有跌倒风险；子女在外务工，每月联系一两次。",
              "handling": "已联系社区养老服务站登记居家适老化改造，并与其子女电话沟通加强联系。",
              "follow_up_needed": True, "next_visit_on": "2026-05-19"},
    "notice": {"application": "最低生活保障申请审核确认表", "outcome": "不予受理",
               "reason": "申请人户籍不在本乡镇（街道），不属本乡镇（街道）受理范围，请向户籍所在地乡镇（街道）申请。",
               "notice_on": "2026-05-08"},
    "review": {"benefit_name": "低保", "persons": 3, "amount": "1350.00", "reviewed_on": "2026-05-12", "method": "入户",
               "reviewers": "李专干、周建华", "household_size_now": 3, "monthly_income_now": "620.00",
               "changes_found": "儿子外出务工，月收入约2800元。", "outcome": "建议变更",
               "suggestion": "家庭月人均收入增加，建议减发至每月900元。"},
    "proof": {"benefit_name": "高龄津贴", "reviewed_on": "2026-05-12", "method": "视频", "reviewers": "李专干",
              "outcome": "无变化", "note": "本人健在，视频通话确认。"},
}

APPLICANTS = {"gaoling": (ELDER, [ELDER]), "visit": (ELDER, [ELDER]), "tekun": (LONER, [LONER]),
              "wuren": (CHILD, [GRANDPA, GRANDMA, CHILD]), "proof": (ELDER, [ELDER])}
NUMBERS = {"dibao": "510185001001-低保-2026-01-0012", "dibao-auth": "510185001001-低保-2026-01-0012",
           "tekun": "510185001001-特困-2026-01-0003", "linshi": "510185001001-临时救助-2026-01-0021",
           "canji": "510185001001-残补-2026-01-0007", "gaoling": "510185001001-高龄-2026-01-0030",
           "wuren": "510185001001-无人抚养-2026-01-0001", "visit": "", "notice": "", "review": "", "proof": ""}


def sample(defn: FormDefinition) -> dict[str, Any]:
    """Prefill from the sample household, then what the clerk types, then computed fields."""
    applicant, members = APPLICANTS.get(defn.code, (HEAD, None))
    values = defn.prefill(context(applicant, members))
    values.update(TYPED[defn.code])
    return defn.complete(values)
