"""已接收材料: a town or county reviewer records that the file arrived; ``received_on`` is a
server-owned case field the village pulls, and the county's clock of 特困 and 事实无人抚养儿童
runs from it (SQLite and PostgreSQL)."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jydesk.store.cases import load_case
from sync.server.review import RECEIVED_NOTE
from tests.sync.client_helpers import new_device
from tests.sync.conftest import ServerEnv, change
from tests.sync.test_server_review import reviewer, submitted_case


def _today() -> str:
    return datetime.now(timezone(timedelta(hours=8))).date().isoformat()


def test_reviewer_records_receipt_once_and_the_village_pulls_it(server: ServerEnv, device, tmp_path: Path) -> None:
    cid = submitted_case(server, device)
    with closing(reviewer(server, device.village[:9])) as http:
        r = http.post(f"/api/v1/review/cases/{cid}/received")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["case"]["fields"]["received_on"] == _today() and body["case"]["fields"]["status"] == "已上报"
        again = http.post(f"/api/v1/review/cases/{cid}/received")
        assert again.status_code == 409 and again.json()["code"] == "already_received"
        detail = http.get(f"/api/v1/review/cases/{cid}").json()
        assert RECEIVED_NOTE in detail["events"][-1]["fields"]["note"]
    pulled = {c["id"]: c for c in device.pull_all()}
    assert pulled[cid]["fields"]["received_on"] == _today()
    # the village cannot set or change it
    res = device.push([change("case", cid, {"received_on": "2020-01-01"}, base=pulled[cid]["revision"])])[0]
    assert res["status"] == "rejected" and res["errors"][0]["code"] == "server_owned"
    # a second computer of the village receives it into its store
    other = new_device(server, tmp_path / "b", device.village)
    other.sync()
    case = load_case(other.store, cid)
    assert case.received_on is not None and case.received_on.isoformat() == _today()
    assert case.facts.received_on == case.received_on
    other.close()


def test_receipt_needs_a_reported_case_in_the_reviewers_town(server: ServerEnv, device) -> None:
    cid = submitted_case(server, device)
    other_town = next(t for t in ("510185001", "510185002") if not device.village.startswith(t))
    with closing(reviewer(server, other_town)) as http:
        assert http.post(f"/api/v1/review/cases/{cid}/received").status_code == 404
    with closing(reviewer(server, None)) as http:
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "退回补正", "reason": "补材料"})
        assert r.status_code == 200
        r = http.post(f"/api/v1/review/cases/{cid}/received")
        assert r.status_code == 409 and r.json()["code"] == "case_not_reviewable"


def test_return_clears_the_receipt(server: ServerEnv, device) -> None:
    cid = submitted_case(server, device)
    with closing(reviewer(server, None)) as http:
        assert http.post(f"/api/v1/review/cases/{cid}/received").status_code == 200
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "退回补正", "reason": "补材料"})
        assert r.status_code == 200 and r.json()["case"]["fields"]["received_on"] is None
