"""Reviewers: login, scoped case lists, decisions that reach the village on its next pull."""

from __future__ import annotations

import itertools
from contextlib import closing
from typing import Any

import httpx
import pytest

from jydesk.domain.errors import ValidationError
from jydesk.domain.ids import new_id
from sync.server.reviewers import create_reviewer
from tests.sync.conftest import DeviceClient, ServerEnv, change

_names = itertools.count(1)


def reviewer(server: ServerEnv, town: str | None) -> httpx.Client:
    """A logged-in reviewer client (town scope, or city scope when ``town`` is None)."""
    username = f"reviewer{next(_names)}"
    create_reviewer(server.db, username, "周审核", "correct horse battery", town_code=town)
    http = server.client()
    r = http.post("/api/v1/review/login", json={"username": username, "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return http


def submitted_case(server: ServerEnv, device: DeviceClient) -> str:
    """A 低保 case the village has taken through 受理 … 公示 to 已上报."""
    hid, hh = device.household()
    number = server.new_id_number()
    pid, person = device.person(hid, id_number=number)
    cid = new_id()
    data = {
        "data.applied_on": "2025-03-03", "data.applicant_name": "张三", "data.applicant_id_number": number,
        "data.current_address": "简城街道1号", "data.residence": "农村", "data.poverty_causes": ["因病"], "data.reason": "患病无劳动能力",
        "data.members": [{"name": "张三", "relation": "本人", "id_number": number, "monthly_income": "300.00"}],
    }
    res = device.push([hh, person, change("case", cid, {"village_code": device.village, "form_code": "dibao",
                                                          "status": "草稿", "household_id": hid,
                                                          "applicant_id": pid, **data})])
    assert [r["status"] for r in res] == ["applied"] * 3, res
    rev = res[2]["revision"]
    for status in ("已受理", "入户调查", "公示", "已上报"):
        extra: dict[str, Any] = {}
        if status == "公示":
            extra = {"data.investigator_1": "李四", "data.investigator_2": "王五", "data.investigated_on": "2025-03-05",
                     "data.publicity_start": "2025-03-06", "data.publicity_end": "2025-03-12"}
        if status == "已上报":
            extra = {"data.publicity_objection": "无异议"}
        r = device.push([change("case", cid, {"status": status, **extra}, base=rev)])[0]
        assert r["status"] == "applied", (status, r["errors"])
        rev = r["revision"]
    return cid


def test_decision_reaches_the_village_on_its_next_pull(server: ServerEnv, device) -> None:
    cid = submitted_case(server, device)
    device.pull_all()
    town = device.village[:9]
    with closing(reviewer(server, town)) as http:
        listed = http.get("/api/v1/review/cases").json()
        assert cid in [c["id"] for c in listed["cases"]]
        detail = http.get(f"/api/v1/review/cases/{cid}").json()
        assert detail["household"]["id"] == detail["case"]["fields"]["household_id"]
        assert [m["fields"]["name"] for m in detail["members"]] == ["张三"]
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json={
            "decision": "批准", "amount": "650.5", "start_month": "2025-04",
            "base_revision": detail["case"]["revision"], "values": {"town_opinion": "情况属实，同意"}})
        assert r.status_code == 200, r.text
        again = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "不予批准", "reason": "重复"})
        assert again.status_code == 409 and again.json()["code"] == "case_not_reviewable"
    pulled = {c["id"]: c for c in device.pull_all()}
    case = pulled[cid]["fields"]
    assert case["status"] == "已批准" and case["decision"] == "批准"
    assert case["decision_amount"] == "650.50" and case["decision_start_month"] == "2025-04"
    assert case["decided_by"] == "周审核" and case["data.town_opinion"] == "情况属实，同意"
    events = [c for c in pulled.values() if c["entity"] == "case_event"]
    assert len(events) == 1 and events[0]["fields"]["to_status"] == "已批准"
    assert events[0]["fields"]["from_status"] == "已上报" and "650.50" in events[0]["fields"]["note"]
    # the village cannot overwrite the decision nor edit the approved case
    rev = pulled[cid]["revision"]
    res = device.push([change("case", cid, {"decision_amount": "9999.00"}, base=rev),
                       change("case", cid, {"data.reason": "改一下"}, base=rev),
                       change("case", cid, {"decision": "批准", "status": "已批准"}, base=rev)])
    assert [r["status"] for r in res] == ["rejected", "rejected", "applied"]
    assert res[0]["errors"][0]["code"] == "server_owned" and res[1]["errors"][0]["code"] == "case_locked"
    assert server.record("case", cid).fields["decision_amount"] == "650.50"


def test_returned_case_goes_back_to_the_village(server: ServerEnv, device) -> None:
    cid = submitted_case(server, device)
    with closing(reviewer(server, None)) as http:
        missing = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "退回补正"})
        assert missing.status_code == 422 and missing.json()["field"] == "reason"
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "退回补正", "reason": "缺少收入证明"})
        assert r.status_code == 200
    case = {c["id"]: c for c in device.pull_all()}[cid]
    assert case["fields"]["status"] == "退回补正" and case["fields"]["decision_reason"] == "缺少收入证明"
    res = device.push([change("case", cid, {"data.reason": "患病，已补充收入证明"}, base=case["revision"])])[0]
    assert res["status"] == "applied"
    res = device.push([change("case", cid, {"status": "已上报"}, base=res["revision"])])[0]
    assert res["status"] == "applied"


def test_reviewers_see_only_their_town(server: ServerEnv, device) -> None:
    cid = submitted_case(server, device)
    other_town = next(t for t in ("510185001", "510185002") if not device.village.startswith(t))
    with closing(reviewer(server, other_town)) as http:
        assert cid not in [c["id"] for c in http.get("/api/v1/review/cases").json()["cases"]]
        assert http.get(f"/api/v1/review/cases/{cid}").status_code == 404
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "不予批准", "reason": "不符合条件"})
        assert r.status_code == 404
        bad = http.post(f"/api/v1/review/cases/{cid}/decision",
                        json={"decision": "批准", "amount": "-3", "start_month": "2025-13"})
        assert bad.status_code == 422 and bad.json()["field"] == "amount"
    assert server.record("case", cid).fields["status"] == "已上报"


def test_reviewers_do_not_see_village_drafts(server: ServerEnv, device) -> None:
    cid = new_id()
    device.push([change("case", cid, {"village_code": device.village, "form_code": "dibao", "status": "草稿"})])
    with closing(reviewer(server, device.village[:9])) as http:
        assert http.get(f"/api/v1/review/cases/{cid}").status_code == 404
        r = http.get("/api/v1/review/cases", params={"status": "草稿"})
        assert r.status_code == 422 and r.json()["field"] == "status"
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "不予批准", "reason": "不符合"})
        assert r.status_code == 409 and r.json()["code"] == "case_not_reviewable"


def test_login_failures_and_missing_tokens(server: ServerEnv) -> None:
    with server.client() as http:
        r = http.post("/api/v1/review/login", json={"username": "nobody", "password": "whatever1"})
        assert r.status_code == 401 and r.json()["code"] == "login_failed"
        assert http.get("/api/v1/review/cases").status_code == 401
        r = http.get("/api/v1/review/cases", headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401 and r.json()["detail"] == "登录已过期，请重新登录"
    with pytest.raises(ValidationError) as err:
        create_reviewer(server.db, "short", "某人", "123", town_code="999999999")
    assert {e.field for e in err.value.errors} == {"password", "town_code"}


def test_device_tokens_do_not_open_review_and_reviewer_tokens_do_not_sync(server: ServerEnv, device) -> None:
    assert device.http.get("/api/v1/review/cases", headers=device.headers).status_code == 401
    with closing(reviewer(server, None)) as http:
        assert http.get("/api/v1/changes").status_code == 401
