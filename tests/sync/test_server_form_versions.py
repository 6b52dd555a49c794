"""The server checks a case against the form version it names, and numbers each village's
devices for register numbers (issue 18, items 4 and 5)."""

from __future__ import annotations

from typing import Any

from jydesk.domain.ids import new_id
from sync.server.devices import issue_code, revoke
from tests.sync.conftest import DeviceClient, ServerEnv, change


def enroll_body(server: ServerEnv, village: str) -> dict[str, Any]:
    with server.client() as http:
        r = http.post("/api/v1/enroll", json={"code": issue_code(server.db, village).code})
        assert r.status_code == 200, r.text
        return r.json()


def test_devices_are_numbered_per_village_and_numbers_are_not_given_again(server: ServerEnv) -> None:
    village, other = server.new_village(), server.new_village()
    first, second = enroll_body(server, village), enroll_body(server, village)
    assert (first["device_no"], second["device_no"]) == (1, 2)
    assert enroll_body(server, other)["device_no"] == 1
    revoke(server.db, second["device_id"])
    assert enroll_body(server, village)["device_no"] == 3  # 02 may be on paper already


def accepted_case(device: DeviceClient, server: ServerEnv, **fields: Any) -> dict[str, Any]:
    hid, hh = device.household()
    number = server.new_id_number()
    pid, person = device.person(hid, id_number=number)
    data = {
        "data.applied_on": "2025-03-03", "data.applicant_name": "张三", "data.applicant_id_number": number,
        "data.current_address": "简城街道1号", "data.residence": "农村", "data.poverty_causes": ["因病"],
        "data.reason": "患病无劳动能力",
        "data.members": [{"name": "张三", "relation": "本人", "id_number": number, "monthly_income": "300.00"}],
    }
    case = change("case", new_id(), {"village_code": device.village, "form_code": "dibao", "status": "已受理",
                                     "household_id": hid, "applicant_id": pid, **data, **fields})
    return {"records": [hh, person, case]}


def test_a_case_is_checked_against_the_version_it_names(server: ServerEnv) -> None:
    device = server.enroll()
    # no version (a device from before versions) and version 1: the v1 form, complete without the v2 fields
    for fields in ({}, {"form_version": 1}):
        res = device.push(accepted_case(device, server, **fields)["records"])
        assert [r["status"] for r in res] == ["applied"] * 3, res
    res = device.push(accepted_case(device, server, form_version=2)["records"])
    assert res[2]["status"] == "rejected"
    assert {e["field"] for e in res[2]["errors"]} == {"data.application_scope", "data.close_relative"}
    res = device.push(accepted_case(device, server, form_version=2, **{"data.application_scope": "整户",
                                                                      "data.close_relative": "否"})["records"])
    assert res[2]["status"] == "applied", res
    res = device.push(accepted_case(device, server, form_version=9)["records"])
    assert res[2]["status"] == "rejected" and res[2]["errors"][0]["field"] == "form_version"
    assert "没有第9版定义" in res[2]["errors"][0]["message"]


def test_register_numbers_are_checked(server: ServerEnv) -> None:
    device = server.enroll()
    good = f"{device.village}-低保-2026-01-0007"
    res = device.push(accepted_case(device, server, form_version=1, register_no=good)["records"])
    assert res[2]["status"] == "applied", res
    for bad in ("2026-E6BFC0BF", "510185999999-低保-2026-01-0007"):
        res = device.push(accepted_case(device, server, form_version=1, register_no=bad)["records"])
        assert res[2]["status"] == "rejected" and res[2]["errors"][0]["field"] == "register_no", res
