"""在保对象 and 待复核 panels over the demo village: the list and its totals, recording a proof of
life from the due list, proposing a change and recording a death from the register."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from jydesk.domain.benefits import month_of
from jydesk.store import Actor, Store
from jydesk.store.models import BenefitChange, LifeEvent, Review
from jydesk.store.recipients.register import RegisterListing, totals

pytestmark = pytest.mark.usefixtures("app_styled")


@pytest.fixture
def ctx(qtbot, demo_store: Store, demo_actor: Actor):  # type: ignore[no-untyped-def]
    from jydesk.ui.shell.context import AppContext

    context = AppContext(demo_store, demo_actor)
    yield context
    qtbot.wait(300)
    context.workers.wait(5000)


def test_register_lists_rows_with_totals_and_filters(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    from jydesk.ui.recipients.register_panel import RegisterPanel

    panel = RegisterPanel(ctx)
    qtbot.addWidget(panel)
    panel.start()
    n = RegisterListing(ctx.store).count()
    assert n > 0 and panel.model.rowCount() == n
    t = totals(ctx.store)
    qtbot.waitUntil(lambda: "本月发放" in panel.totals_label.text(), timeout=10_000)
    assert f"{t.persons} 人，{t.households} 户，月金额 {t.amount:.2f} 元" in panel.totals_label.text()
    panel.benefit.setCurrentIndex(panel.benefit.findData("gaoling"))
    assert panel.model.rowCount() == sum(1 for r in RegisterListing(ctx.store).page(0, n) if r.benefit == "gaoling")
    assert panel.model.data(panel.model.index(0, 0)) == "高龄津贴"


def test_change_and_death_from_the_register(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jydesk.ui.recipients import dialogs
    from jydesk.ui.recipients.register_panel import RegisterPanel

    panel = RegisterPanel(ctx)
    qtbot.addWidget(panel)
    panel.start()
    panel.status.setCurrentIndex(panel.status.findData("在保"))
    rows = RegisterListing(ctx.store, panel.current_filter()).page(0, 500)
    row = next(r for r in rows if r.pending is None)
    panel.view.selectRow(next(i for i in range(panel.model.rowCount()) if panel.model.row_object(i).id == row.id))
    shown: list = []
    monkeypatch.setattr(dialogs, "run", lambda dialog, done=None: shown.append(dialog))
    panel.change_selected()
    dialog = shown.pop()
    dialog.kind.setCurrentText("减发")
    dialog.amount.setText("99999")
    dialog._accept()
    assert "减发后的金额应低于" in dialog.error.text() and dialog.result_value is None
    dialog.amount.setText(f"{row.amount - Decimal('1'):.2f}")
    dialog.reason.setPlainText("家庭收入增加")
    dialog._accept()
    with ctx.store.read() as s:
        assert s.get(BenefitChange, dialog.result_value).kind == "减发"
    assert panel.model.row_object(panel.view.currentIndex().row()) is not None
    panel.life_event_selected()
    dialog = shown.pop()
    dialog.source.setText("家属告知")
    dialog._accept()
    assert dialog.result_value is not None
    with ctx.store.read() as s:
        assert s.execute(select(LifeEvent).where(LifeEvent.person_id == row.person_id)).scalar_one()


def test_due_list_records_a_review(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jydesk.ui.recipients import dialogs
    from jydesk.ui.recipients.reviews_panel import ReviewsDuePanel

    panel = ReviewsDuePanel(ctx)
    qtbot.addWidget(panel)
    panel.start()
    qtbot.waitUntil(lambda: panel._job is None and panel.table.rowCount() > 0, timeout=10_000)
    assert "本月到期" in panel.summary.text()
    before = panel.table.rowCount()
    panel.table.selectRow(0)
    shown: list = []
    monkeypatch.setattr(dialogs, "run", lambda dialog, done=None: shown.append(dialog))
    panel.record_selected()
    dialog = shown.pop()
    dialog.print_after.setChecked(True)
    dialog._accept()
    assert dialog.result_value
    assert dialog.preview is not None and dialog.preview.page_count >= 1
    dialog.preview.done(0)
    with ctx.store.read() as s:
        assert s.get(Review, dialog.result_value).recipient_id == panel.items[0].recipient_id
    qtbot.waitUntil(lambda: panel._job is None and panel.table.rowCount() == before - 1, timeout=10_000)


def test_stats_and_printing(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    from jydesk.store.recipients.stats import statistics
    from jydesk.ui.recipients.register_panel import RegisterPanel, render_list
    from jydesk.ui.recipients.stats_panel import BenefitStatsPanel

    panel = BenefitStatsPanel(ctx)
    qtbot.addWidget(panel)
    panel.start()
    qtbot.waitUntil(lambda: panel._job is None and panel.table.rowCount() > 0, timeout=10_000)
    lines = statistics(ctx.store)
    assert panel.table.item(len(lines), 1).text() == str(sum(x.persons for x in lines))
    assert sum(x.amount for x in lines) == totals(ctx.store).amount
    pdf, title, count = render_list(ctx.store, month_of(date.today()), None, True)
    assert pdf.startswith(b"%PDF") and "公布" in title and count > 0
    register = RegisterPanel(ctx)
    qtbot.addWidget(register)
    register.start()
    register.print_list(notice=False)
    qtbot.waitUntil(lambda: getattr(register, "preview", None) is not None, timeout=20_000)
    assert register.preview.page_count >= 1
    register.preview.done(0)
