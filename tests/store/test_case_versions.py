"""Cases keep their form version, get register numbers from 受理, and list members by their
relation to the applicant (issue 18, items 1, 4 and 5), on a real SQLite store."""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal

from jydesk.domain.entities import CaseStatus as S
from jydesk.domain.forms import get_definition
from jydesk.printing import render_form
from jydesk.store import Actor, Store
from jydesk.store import cases as svc
from jydesk.store.form_context import case_print_item, prefill_context
from jydesk.store.installation import set_device_no
from jydesk.store.models import Case, Household, Person
from tests.printing.form_samples import id_number

DAY = date(2026, 3, 2)


def grandparents_household(store: Store, clerk: Actor) -> tuple[str, str]:
    """Grandfather (户主), grandmother, their son (the child's father or uncle) and the grandson."""
    with store.write(clerk) as w:
        hh = w.add(Household(address="石桥村5组", group_no=5, residence="农村"))
        w.add(Person(household_id=hh.id, name="李国安", id_number=id_number("19540920", 55), relation="本人",
                     care_flags=[]))
        w.add(Person(household_id=hh.id, name="张秀英", id_number=id_number("19560211", 66), relation="配偶",
                     care_flags=[]))
        w.add(Person(household_id=hh.id, name="李强", id_number=id_number("19880410", 51), relation="子",
                     care_flags=[]))
        child = w.add(Person(household_id=hh.id, name="李小军", id_number=id_number("20150716", 87),
                             relation="孙子", care_flags=[]))
        return hh.id, child.id


def dibao_case(store: Store, clerk: Actor, seq: int = 1) -> str:
    with store.write(clerk) as w:
        hh = w.add(Household(address="幸福路12号", group_no=3, residence="农村"))
        head = w.add(Person(household_id=hh.id, name="张三", id_number=id_number("19491231", seq), relation="本人",
                            health="重病", monthly_income=Decimal("300"), care_flags=[]))
        hid, pid = hh.id, head.id
    cid = svc.create_case(store, clerk, "dibao", household_id=hid, applicant_id=pid, today=DAY)
    values = {**svc.load_case(store, cid).values, "poverty_causes": ["因病"], "reason": "户主患重病。",
              "application_scope": "整户", "close_relative": "否"}
    assert svc.save_values(store, clerk, cid, values) == []
    return cid


def text_of(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return out.decode().replace(" ", "").replace("\n", "")


def test_wuren_members_are_listed_by_their_relation_to_the_child(store: Store, clerk: Actor) -> None:
    hid, child = grandparents_household(store, clerk)
    context = prefill_context(store, hid, child, today=DAY)
    assert {m["name"]: m["relation_to_applicant"] for m in context["members"]} == \
        {"李国安": "祖父", "张秀英": "祖母", "李强": None, "李小军": "本人"}
    cid = svc.create_case(store, clerk, "wuren", household_id=hid, applicant_id=child, today=DAY)
    rows = svc.load_case(store, cid).values["members"]
    assert {r["name"]: r.get("relation") for r in rows} == {"李国安": "祖父", "张秀英": "祖母", "李强": None,
                                                             "李小军": "本人"}
    errors = get_definition("wuren").validate(svc.load_case(store, cid).values)
    assert any(e.field.endswith(".relation") and "与儿童关系" in e.message for e in errors)
    item = case_print_item(store, cid)
    text = text_of(render_form(item.definition, item.values, number=item.number))
    assert "祖父" in text and "祖母" in text and "孙子" not in text


def test_a_case_keeps_the_version_it_was_filled_with(store: Store, clerk: Actor) -> None:
    cid = dibao_case(store, clerk)
    assert svc.load_case(store, cid).form_version == get_definition("dibao").version == 2
    with store.write(clerk) as w:  # as if filled before version 2: without the new fields
        case = w.session.get(Case, cid)
        case.form_version = 1
        case.data = {k: v for k, v in case.data.items() if get_definition("dibao", 1).has_field(k)}
    detail = svc.load_case(store, cid)
    assert detail.form_version == 1 and "application_scope" not in detail.values
    assert svc.save_values(store, clerk, cid, {**detail.values, "reason": "户主患重病，长期服药。"}) == []
    svc.transition(store, clerk, cid, S.ACCEPTED, on=DAY)  # complete under version 1
    item = case_print_item(store, cid)
    assert item.definition.version == 1
    text = text_of(render_form(item.definition, item.values, number=item.number))
    assert "最低生活保障申请审批表" in text and "申请方式" not in text


def test_register_numbers_from_acceptance_per_device(store: Store, clerk: Actor) -> None:
    first = dibao_case(store, clerk)
    svc.transition(store, clerk, first, S.ACCEPTED, on=DAY)
    assert svc.load_case(store, first).register_no is None  # no 本机编号 before enrolment
    item = case_print_item(store, first)
    assert item.number == "" and "编号：____" in text_of(render_form(item.definition, item.values, number=""))
    set_device_no(store, 2)
    svc.transition(store, clerk, first, S.INVESTIGATING, on=DAY)  # numbered at its next step
    assert svc.load_case(store, first).register_no == "510185001001-低保-2026-02-0001"
    second = dibao_case(store, clerk, 2)
    assert svc.load_case(store, second).register_no is None  # a draft has none
    detail = svc.transition(store, clerk, second, S.ACCEPTED, on=DAY)
    assert detail.register_no == "510185001001-低保-2026-02-0002"
    assert "登记编号 510185001001-低保-2026-02-0002" in detail.events[-1].note
    with store.write(clerk) as w:  # a number of the village's device 01 does not move device 02's count
        w.session.get(Case, first).register_no = "510185001001-低保-2026-01-0009"
    third = dibao_case(store, clerk, 3)
    assert svc.transition(store, clerk, third, S.ACCEPTED, on=DAY).register_no == "510185001001-低保-2026-02-0003"
    item = case_print_item(store, third)
    assert "510185001001-低保-2026-02-0003" in text_of(render_form(item.definition, item.values, number=item.number))
