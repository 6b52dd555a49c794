"""The demo village is valid data: every form in every desk status, and a real server refuses none of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jydesk.domain.forms import get_definition
from jydesk.domain.regions import DEFAULT_VILLAGE_CODE
from jydesk.store.database import Store
from jydesk.store.demo import generate
from jydesk.store.demo_forms import CASE_FORMS, statuses_of
from jydesk.store.models import Case, Visit
from sync.client import SyncClient, enroll
from sync.client.resolve import rejected_changes
from sync.server.app import create_app
from sync.server.config import Settings
from sync.server.db import Database
from sync.server.devices import issue_code
from tests.keys import keyed
from tests.sync.client_helpers import NO_WAIT
from tests.sync.conftest import GENEROUS, LiveServer, fresh_database

HOUSEHOLDS = 80


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = keyed(tmp_path_factory.mktemp("demo"))
    generate(store, HOUSEHOLDS, seed=3)
    yield store
    store.close()


def test_every_case_form_in_every_status_a_desk_reaches(demo: Store) -> None:
    with demo.read() as s:
        seen = set(s.execute(select(Case.form_code, Case.status)))
    wanted = {(form, status.value) for form in CASE_FORMS for status in statuses_of(form)}
    assert wanted <= seen
    assert ("wuren", "公示") not in seen  # 事实无人抚养儿童 is never publicised
    assert {status for _, status in seen} <= {"草稿", "已受理", "入户调查", "公示", "已上报"}


def test_cases_past_draft_pass_their_form_and_visits_use_only_form_keys(demo: Store) -> None:
    with demo.read() as s:
        cases = s.execute(select(Case).where(Case.status != "草稿")).scalars().all()
        visit_keys = {k for v in s.execute(select(Visit)).scalars() for k in (v.data or {})}
    assert cases
    for case in cases:
        assert get_definition(case.form_code).validate(case.data) == [], (case.form_code, case.status)
    visit_form = get_definition("visit")
    assert visit_keys and all(visit_form.has_field(k) for k in visit_keys)


def _server(url: str, folder: Path) -> tuple[Database, LiveServer]:
    db = Database(url)
    db.migrate()
    return db, LiveServer(create_app(Settings(database_url=url, data_dir=folder, limits=GENEROUS), db))


def test_demo_village_to_a_real_server_is_refused_nothing(tmp_path: Path) -> None:
    """demo-data → PostgreSQL server → 0 rejected; a second computer of the village receives it all."""
    first = keyed(tmp_path / "first")
    generate(first, 40, seed=7)
    with first.read() as s:
        cases = s.execute(select(func.count()).select_from(Case)).scalar_one()
        visits = s.execute(select(func.count()).select_from(Visit)).scalar_one()
    with fresh_database("postgres", tmp_path) as url:
        db, live = _server(url, tmp_path / "server")
        try:
            with live:
                enroll(first, live.url, issue_code(db, DEFAULT_VILLAGE_CODE).code, device_name="演示电脑",
                       retry=NO_WAIT)
                with SyncClient(first, retry=NO_WAIT, sleep=lambda _s: None) as client:
                    client.sync()
                assert [(r.entity, r.errors) for r in rejected_changes(first)] == []
                second = keyed(tmp_path / "second")
                try:
                    enroll(second, live.url, issue_code(db, DEFAULT_VILLAGE_CODE).code, device_name="第二台电脑",
                           village_name="演示村", retry=NO_WAIT)
                    with SyncClient(second, retry=NO_WAIT, sleep=lambda _s: None) as client:
                        client.sync()
                    with second.read() as s:
                        assert s.execute(select(func.count()).select_from(Visit)).scalar_one() == visits
                        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == cases
                finally:
                    second.close()
        finally:
            db.dispose()
            first.close()
