"""Who confirms per town: set on the city server (``jydesk-server reference approval``), sent to
the town's villages in their pull feed, stored on the device and used from then on (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from jydesk.domain.approval import APPROVAL_KIND, REFERENCE_ENTITY, ApprovalLevel, town_of
from jydesk.store.reference import town_approval
from sync.server.cli import main
from sync.server.errors import ServiceError
from sync.server.models import ReferenceSetting
from sync.server.reference import list_settings, set_approval
from tests.sync.client_helpers import new_device
from tests.sync.conftest import ServerEnv


@pytest.fixture(autouse=True)
def _forget_settings(server: ServerEnv) -> Iterator[None]:
    """The database is shared by the session's tests: a town setting left behind would be given
    to the villages other tests enrol later (and show up in their record counts)."""
    yield
    with server.db.write() as conn:
        conn.execute(delete(ReferenceSetting))


def _references(device) -> list[dict]:
    page = device.pull_page(cursor="")
    return [c for c in page["changes"] if c["entity"] == REFERENCE_ENTITY]


def test_setting_reaches_the_villages_of_the_town_by_pull(server: ServerEnv) -> None:
    first = server.enroll()
    town = town_of(first.village)
    assert _references(first) == [] or _references(first)[0]["fields"]["key"] == town
    setting = set_approval(server.db, town, "乡镇")
    refs = _references(first)
    assert len(refs) == 1
    fields = refs[0]["fields"]
    assert (fields["kind"], fields["key"], fields["value"], fields["version"]) == (
        APPROVAL_KIND, town, "乡镇", setting.version)
    assert "第二条" in fields["source"]
    # a village whose first device enrols later gets the setting too
    later = server.enroll(village=f"{town}950")
    assert [r["fields"]["value"] for r in _references(later)] == ["乡镇"]
    # a change is a new version at the end of the feed, the same record overwritten
    page = first.pull_page(cursor="")
    back = set_approval(server.db, town, "县级")
    after = first.pull_page(cursor=page["cursor"])["changes"]
    assert [(c["id"], c["fields"]["value"], c["revision"]) for c in after] == [
        (refs[0]["id"], "县级", back.version)]
    assert back.version == setting.version + 1
    assert any(s.key == town and s.value == "县级" for s in list_settings(server.db, APPROVAL_KIND))


def test_bad_town_or_level_is_refused(server: ServerEnv) -> None:
    with pytest.raises(ServiceError, match="不是简阳市的乡镇"):
        set_approval(server.db, "510185999", "乡镇")
    with pytest.raises(ServiceError, match="县级"):
        set_approval(server.db, "510185001", "市级")


def test_device_stores_the_setting_and_uses_it(server: ServerEnv, tmp_path: Path) -> None:
    village = server.new_village()
    device = new_device(server, tmp_path / "a", village)
    assert town_approval(device.store) is ApprovalLevel.COUNTY  # nothing set yet: 县级
    set_approval(server.db, town_of(village), "乡镇")
    summary = device.sync()
    assert town_approval(device.store) is ApprovalLevel.TOWN
    assert summary is not None
    set_approval(server.db, town_of(village), "县级")
    device.sync()
    assert town_approval(device.store) is ApprovalLevel.COUNTY
    device.close()


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_cli_sets_and_lists(server: ServerEnv, capsys: pytest.CaptureFixture[str]) -> None:
    url = server.settings.database_url
    assert main(["reference", "approval", "--town", "510185002", "--level", "乡镇", "--database-url", url,
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["key"], out["value"]) == ("510185002", "乡镇")
    assert main(["reference", "list", "--database-url", url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"kind": "approval", "key": "510185002", "value": "乡镇"}.items() <= next(
        s for s in listed if s["key"] == "510185002").items()
    assert main(["reference", "approval", "--town", "510185999", "--level", "乡镇", "--database-url", url]) == 1
    assert "不是简阳市的乡镇" in capsys.readouterr().err
