"""Visit plans, the due list, recording visits, follow-ups, overrides and coverage over a real store."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from jydesk.domain.care import Tier
from jydesk.domain.errors import ValidationError
from jydesk.domain.idnumber import check_digit
from jydesk.domain.visits import IsoWeek, VisitStatus
from jydesk.store import Actor, Store
from jydesk.store.models import Attachment, AuditEntry, FollowUp, Household, OutboxEntry, Person, Visit
from jydesk.store.visits import (
    VisitEntry,
    blank_sheets,
    close_follow_up,
    coverage,
    coverage_history,
    due_list,
    due_roster,
    filled_sheets,
    follow_ups,
    new_visit_values,
    prefilled_sheets,
    record_visit,
    set_plan_override,
    visit_form,
    visit_plan,
    visit_values,
    visits_of,
)

WEEK = IsoWeek(2026, 20)  # 2026-05-11 .. 2026-05-17
TODAY = date(2026, 5, 13)
_seq = count(1)


def _id_number(birth: date, male: bool = True) -> str:
    seq = next(_seq) * 2 + (1 if male else 0)
    first17 = f"510185{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


def add_person(store: Store, name: str, birth: date, flags: list[str] | None = None, *, group: int = 1,
               phone: str | None = None, hh_phone: str | None = "13800000000", grade: int | None = None) -> str:
    with store.write() as w:
        hh = w.add(Household(address=f"{name}家 {group}组", group_no=group, residence="农村", phone=hh_phone))
        p = w.add(Person(household_id=hh.id, name=name, id_number=_id_number(birth), relation="本人",
                         phone=phone, care_flags=flags or [], disability_type="肢体" if grade else None,
                         disability_grade=grade))
        w.flush()
        return p.id


def add_visit(store: Store, person_id: str, day: date, next_visit_on: date | None = None) -> None:
    with store.write() as w:
        w.add(Visit(person_id=person_id, visited_on=day, method="入户", visitors="李专干", next_visit_on=next_visit_on))


def statuses(store: Store, week: IsoWeek = WEEK, today: date = TODAY) -> dict[str, VisitStatus]:
    with store.read() as s:
        return {i.name: i.status for i in due_list(s, week, today)}


def _entry(person_id: str, day: date = TODAY, values: dict[str, object] | None = None,
           follow_ups: list[str] | None = None, photos: list[Path] | None = None) -> VisitEntry:
    return VisitEntry(person_id, {"visited_on": day.isoformat(), **(values or {})}, follow_ups or [], photos or [])


# ---------------------------------------------------------------- plans


def test_visit_plan_uses_age_on_the_date(store: Store) -> None:
    pid = add_person(store, "王婆婆", date(1946, 5, 14), ["失能"])  # 失能: monthly until 80 (高龄)
    with store.read() as s:
        before = visit_plan(s, pid, date(2026, 5, 13))
        after = visit_plan(s, pid, date(2026, 5, 14))
    assert (before.age, before.tier) == (79, Tier.FOCUS)
    assert (after.age, after.tier) == (80, Tier.HIGH)
    assert after.label == "高风险（每周）"


def test_due_list_picks_the_target_group_only(store: Store) -> None:
    add_person(store, "重病老人", date(1950, 1, 1), ["重病"])
    add_person(store, "高龄老人", date(1940, 1, 1))  # 86, no flags: 高龄 -> monthly
    add_person(store, "重残老人", date(1960, 1, 1), grade=1)
    add_person(store, "年轻重病", date(1980, 1, 1), ["重病"])  # under 60
    add_person(store, "普通老人", date(1955, 1, 1))  # 71, no flags
    assert set(statuses(store)) == {"重病老人", "高龄老人", "重残老人"}


def test_due_overdue_done_and_urgency_order(store: Store) -> None:
    a = add_person(store, "甲", date(1945, 1, 1), ["重病"])
    b = add_person(store, "乙", date(1945, 1, 1), ["重病"])
    c = add_person(store, "丙", date(1950, 1, 1), ["失能"])
    d = add_person(store, "丁", date(1950, 1, 1), ["空巢"])
    e = add_person(store, "戊", date(1950, 1, 1), ["失能"])
    add_visit(store, a, WEEK.monday - timedelta(days=2))  # weekly, visited last week -> due
    add_visit(store, b, WEEK.monday - timedelta(days=9))  # weekly, missed last week -> overdue
    add_visit(store, c, WEEK.monday - timedelta(days=45))  # monthly, last in March: April missed -> overdue
    add_visit(store, d, WEEK.monday - timedelta(days=20))  # quarterly, recent -> not listed
    add_visit(store, e, WEEK.monday - timedelta(days=40))
    add_visit(store, e, WEEK.monday + timedelta(days=1))  # visited this week -> done
    with store.read() as s:
        items = due_list(s, WEEK, TODAY)
    assert [(i.name, i.status) for i in items] == [
        ("乙", VisitStatus.OVERDUE), ("丙", VisitStatus.OVERDUE), ("甲", VisitStatus.DUE), ("戊", VisitStatus.DONE)]
    by_name = {i.name: i for i in items}
    assert by_name["乙"].days_overdue == 2
    assert by_name["甲"].days_since_last == (TODAY - (WEEK.monday - timedelta(days=2))).days
    assert by_name["戊"].last_visit == WEEK.monday + timedelta(days=1)


def test_due_list_gives_address_and_phone(store: Store) -> None:
    add_person(store, "有手机", date(1940, 3, 3), ["独居"], group=3, phone="13900001111")
    add_person(store, "用户电话", date(1940, 3, 3), ["独居"], group=4, phone=None, hh_phone="02800000000")
    with store.read() as s:
        items = {i.name: i for i in due_list(s, WEEK, TODAY)}
    assert items["有手机"].phone == "13900001111" and items["有手机"].address == "有手机家 3组"
    assert items["用户电话"].phone == "02800000000" and items["用户电话"].group_no == 4


def test_deleted_people_and_visits_do_not_count(store: Store) -> None:
    pid = add_person(store, "已删除", date(1940, 1, 1), ["重病"])
    other = add_person(store, "删访视", date(1940, 1, 1), ["重病"])
    add_visit(store, other, WEEK.monday + timedelta(days=1))
    with store.write() as w:
        w.delete(w.session.get(Person, pid))
        w.delete(w.session.execute(select(Visit).where(Visit.person_id == other)).scalar_one())
    assert statuses(store) == {"删访视": VisitStatus.DUE}


def test_due_list_across_the_year_end(store: Store) -> None:
    w53, w01 = IsoWeek(2026, 53), IsoWeek(2027, 1)
    weekly = add_person(store, "周访", date(1940, 6, 1), ["重病"])
    monthly = add_person(store, "月访", date(1950, 6, 1), ["失能"])
    add_visit(store, weekly, date(2027, 1, 1))  # Friday of 2026-W53
    add_visit(store, monthly, date(2026, 12, 5))  # December's visit: January falls due on 2027-01-01
    assert statuses(store, w53, date(2027, 1, 2)) == {"周访": VisitStatus.DONE, "月访": VisitStatus.DUE}
    assert statuses(store, w01, date(2027, 1, 5)) == {"周访": VisitStatus.DUE, "月访": VisitStatus.DUE}
    # a week later the weekly visit is overdue; the monthly one has until the end of January
    assert statuses(store, IsoWeek(2027, 2), date(2027, 1, 12)) == {
        "周访": VisitStatus.OVERDUE, "月访": VisitStatus.DUE}
    assert statuses(store, IsoWeek(2027, 5), date(2027, 2, 2))["月访"] is VisitStatus.OVERDUE


def test_planned_next_visit_date_makes_someone_due_earlier(store: Store) -> None:
    pid = add_person(store, "计划", date(1950, 1, 1), ["经济特困"])
    add_visit(store, pid, WEEK.monday - timedelta(days=3), next_visit_on=WEEK.monday + timedelta(days=2))
    assert statuses(store) == {"计划": VisitStatus.DUE}


# ---------------------------------------------------------------- overrides


def test_override_changes_the_plan_and_is_audited(store: Store, clerk: Actor) -> None:
    pid = add_person(store, "调整", date(1958, 1, 1), ["空巢"])  # 68: quarterly
    add_visit(store, pid, WEEK.monday - timedelta(days=10))
    assert statuses(store) == {}
    set_plan_override(store, clerk, pid, "high", "  独子去世，情绪低落  ")
    assert statuses(store) == {"调整": VisitStatus.OVERDUE}  # weekly now, last visit 10 days before the week
    with store.read() as s:
        plan = visit_plan(s, pid, TODAY)
        audit = s.execute(select(AuditEntry).where(AuditEntry.record_id == pid, AuditEntry.action == "update")).scalar_one()
        outbox = s.execute(select(OutboxEntry).where(OutboxEntry.record_id == pid).order_by(OutboxEntry.id.desc())).scalars().first()
    assert plan.tier is Tier.HIGH and plan.assessment.overridden and plan.override_reason == "独子去世，情绪低落"
    assert audit.actor_name == "李专干"
    assert audit.changes["visit_tier_override"] == [None, "high"]
    assert audit.changes["visit_tier_override_reason"] == [None, "独子去世，情绪低落"]
    assert outbox is not None and outbox.fields["visit_tier_override"] == "high"
    set_plan_override(store, clerk, pid, None, None)
    with store.read() as s:
        plan = visit_plan(s, pid, TODAY)
    assert plan.tier is Tier.GENERAL and plan.override is None and plan.override_reason is None


def test_override_needs_a_reason_and_a_known_tier(store: Store, clerk: Actor) -> None:
    pid = add_person(store, "无理由", date(1958, 1, 1), ["空巢"])
    with pytest.raises(ValidationError) as err:
        set_plan_override(store, clerk, pid, "high", "  ")
    assert err.value.errors[0].field == "visit_tier_override_reason" and "理由" in err.value.message
    with pytest.raises(ValidationError) as err:
        set_plan_override(store, clerk, pid, "daily", "每天")
    assert err.value.errors[0].field == "visit_tier_override"
    with pytest.raises(ValidationError) as err:
        set_plan_override(store, clerk, "missing", "high", "理由")
    assert err.value.errors[0].field == "person_id"
    with store.read() as s:
        assert visit_plan(s, pid, TODAY).override is None


# ---------------------------------------------------------------- recording visits and follow-ups


def test_new_visit_values_default_to_today_this_clerk_and_home_visit(store: Store) -> None:
    pid = add_person(store, "默认值", date(1940, 2, 3), ["重病"], group=5, phone="13912345678")
    values = new_visit_values(store, pid, clerk="李专干", today=TODAY)
    assert values["visited_on"] == TODAY.isoformat() and values["visitors"] == "李专干" and values["method"] == "入户"
    assert values["person_name"] == "默认值" and values["person_age"] == 86
    assert values["person_address"] == "默认值家 5组" and values["person_phone"] == "13912345678"
    assert values["care_flags"] == ["重病"] and values["village_name"] == "安象街社区"
    with pytest.raises(ValidationError):
        new_visit_values(store, "missing", clerk="李专干")


def test_record_visit_with_follow_ups_in_one_transaction(store: Store, clerk: Actor) -> None:
    pid = add_person(store, "探访对象", date(1940, 1, 1), ["重病"])
    vid = record_visit(store, clerk, _entry(pid, values={"illness": "血压偏高", "next_visit_on": "2026-05-15",
                                                         "mobility": "需辅助"},
                                            follow_ups=["联系家庭医生上门", "  ", "申请临时救助"]), today=TODAY)
    with store.read() as s:
        visit = s.get(Visit, vid)
        items = follow_ups(s, person_id=pid)
        audits = s.execute(select(AuditEntry.entity).where(AuditEntry.actor_id == clerk.id)).scalars().all()
        queued = s.execute(select(OutboxEntry.entity).where(OutboxEntry.actor_id == clerk.id)).scalars().all()
    assert visit is not None and visit.follow_up_needed and visit.visitors == "李专干"
    assert visit.next_visit_on == date(2026, 5, 15) and visit.method == "入户"
    assert visit.data["illness"] == "血压偏高" and visit.data["mobility"] == "需辅助"
    assert visit.data["person_name"] == "探访对象"  # the printed details are kept with the visit
    assert "visited_on" not in visit.data and "person_id" not in visit.data
    with store.read() as s:
        values = visit_values(s, vid)
    assert values["visited_on"] == TODAY.isoformat() and values["follow_up_needed"] is True
    assert visit_form().validate({k: v for k, v in values.items() if k != "person_id"}) == []
    assert [i.description for i in items] == ["联系家庭医生上门", "申请临时救助"]
    assert all(i.visit_id == vid and i.visited_on == TODAY for i in items)
    assert sorted(audits) == sorted(queued) == ["follow_up", "follow_up", "visit"]
    assert statuses(store) == {"探访对象": VisitStatus.DONE}


def test_record_visit_refuses_bad_input_naming_each_field(store: Store, clerk: Actor) -> None:
    pid = add_person(store, "坏数据", date(1940, 1, 1), ["重病"])
    entry = _entry(pid, TODAY + timedelta(days=1), {"method": "上门", "visitors": " ", "next_visit_on": TODAY.isoformat(),
                                                   "problems": "屋顶漏雨"}, follow_ups=["x" * 501])
    with pytest.raises(ValidationError) as err:
        record_visit(store, clerk, entry, today=TODAY)
    fields = {e.field for e in err.value.errors}
    assert fields >= {"visited_on", "method", "visitors", "next_visit_on", "follow_ups", "handling"}
    assert "“探访日期”不能晚于今天" in err.value.message
    with pytest.raises(ValidationError) as err:
        record_visit(store, clerk, _entry(pid, values={"visited_on": "5月13号"}), today=TODAY)
    assert [e.field for e in err.value.errors] == ["visited_on"]
    with pytest.raises(ValidationError) as err:
        record_visit(store, clerk, _entry(pid, values={"follow_up_needed": True}), today=TODAY)
    assert [e.field for e in err.value.errors] == ["follow_up_needed"]
    with pytest.raises(ValidationError) as err:
        record_visit(store, clerk, _entry("no-such-person"), today=TODAY)
    assert err.value.errors[0].field == "person_id"
    with store.read() as s:
        assert s.execute(select(Visit)).first() is None
        assert s.execute(select(FollowUp)).first() is None


def test_close_follow_up(store: Store, clerk: Actor) -> None:
    pid = add_person(store, "跟进", date(1940, 1, 1), ["重病"])
    record_visit(store, clerk, _entry(pid, values={"follow_up_needed": True, "problems": "屋顶漏雨\n\n",
                                                   "handling": "已报村委"}), today=TODAY)
    with store.read() as s:
        (item,) = follow_ups(s)
    assert item.description == "屋顶漏雨"
    with pytest.raises(ValidationError) as err:
        close_follow_up(store, clerk, item.id, "")
    assert err.value.errors[0].field == "closed_note"
    close_follow_up(store, clerk, item.id, "已联系村委维修", closed_on=TODAY)
    with store.read() as s:
        assert follow_ups(s) == []
        (closed,) = follow_ups(s, open_only=False)
    assert closed.status == "已办结" and closed.closed_note == "已联系村委维修" and closed.closed_on == TODAY
    with pytest.raises(ValidationError, match="已经办结"):
        close_follow_up(store, clerk, item.id, "再次")


def test_open_follow_ups_show_on_the_due_list(store: Store, clerk: Actor) -> None:
    pid = add_person(store, "待跟进", date(1940, 1, 1), ["重病"])
    record_visit(store, clerk, _entry(pid, WEEK.monday - timedelta(days=3), follow_ups=["a", "b"]), today=TODAY)
    with store.read() as s:
        (item,) = due_list(s, WEEK, TODAY)
    assert item.open_follow_ups == 2


def test_record_visit_attaches_photos_once_per_content(store: Store, clerk: Actor, tmp_path: Path) -> None:
    pid = add_person(store, "有照片", date(1940, 1, 1), ["重病"])
    photo = tmp_path / "IMG_0001.png"
    Image.new("RGB", (3200, 1800), (200, 120, 40)).save(photo)
    same = tmp_path / "copy.png"
    same.write_bytes(photo.read_bytes())
    vid = record_visit(store, clerk, _entry(pid, photos=[photo, same]), today=TODAY)
    with store.read() as s:
        rows = s.execute(select(Attachment).where(Attachment.owner_id == vid)).scalars().all()
    assert len(rows) == 1 and rows[0].owner_entity == "visit" and rows[0].filename == "IMG_0001.png"
    stored = store.attachments_dir / rows[0].sha256[:2] / f"{rows[0].sha256}.jpg"
    import io

    from jydesk.store.attachments import read_blob

    with Image.open(io.BytesIO(read_blob(stored, store.key))) as im:  # sealed on disk, read in memory
        assert max(im.size) == 1600


def test_visits_of_newest_first(store: Store, clerk: Actor) -> None:
    pid = add_person(store, "历史", date(1940, 1, 1), ["重病"])
    for day in (date(2026, 5, 1), date(2026, 5, 12), date(2026, 5, 6)):
        record_visit(store, clerk, _entry(pid, day), today=TODAY)
    with store.read() as s:
        assert [v.visited_on.day for v in visits_of(s, pid)] == [12, 6, 1]


# ---------------------------------------------------------------- coverage


def test_coverage_counts_the_weekly_group_only(store: Store, clerk: Actor) -> None:
    high = [add_person(store, f"高{i}", date(1940, 1, 1), ["重病"]) for i in range(4)]
    focus = add_person(store, "重点", date(1950, 1, 1), ["失能"])
    with store.read() as s:
        assert (coverage(s, WEEK).done, coverage(s, WEEK).due) == (0, 4)
    record_visit(store, clerk, _entry(high[0]), today=TODAY)
    record_visit(store, clerk, _entry(focus), today=TODAY)
    with store.read() as s:
        cov = coverage(s, WEEK)
    assert (cov.done, cov.due, cov.percent_text) == (1, 4, "25%")


def test_coverage_history_over_12_weeks(store: Store) -> None:
    a = add_person(store, "甲", date(1940, 1, 1), ["重病"])
    b = add_person(store, "乙", date(1940, 1, 1), ["重病"])
    end = IsoWeek(2027, 2)
    for i, week in enumerate(end.shift(-k) for k in range(12)):
        add_visit(store, a, week.monday + timedelta(days=2))
        if i % 3 == 0:
            add_visit(store, b, week.monday)
    with store.read() as s:
        history = coverage_history(s, "2027-W02", 12)
    assert [str(c.week) for c in history][:3] == ["2026-W44", "2026-W45", "2026-W46"]  # 2026 has a W53
    assert str(history[-1].week) == "2027-W02" and len(history) == 12
    assert all(c.due == 2 for c in history)
    assert [c.done for c in history] == [2 if (11 - k) % 3 == 0 else 1 for k in range(12)]


def test_coverage_with_nobody_due(store: Store) -> None:
    with store.read() as s:
        cov = coverage(s, WEEK)
    assert cov.due == 0 and cov.rate is None


# ---------------------------------------------------------------- the roster and visit sheets


def _pdf_text(data: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def _roster_village(store: Store) -> dict[str, str]:
    """People of every kind around 2026-W20; returns name -> expected roster status."""
    names: dict[str, str] = {}
    a = add_person(store, "周访甲", date(1940, 1, 1), ["重病"], group=2)
    add_visit(store, a, WEEK.monday - timedelta(days=3))
    names["周访甲"] = "due"
    b = add_person(store, "超期乙", date(1950, 1, 1), ["失能"], group=1)
    add_visit(store, b, WEEK.monday - timedelta(days=45))
    names["超期乙"] = "overdue"
    c = add_person(store, "已访丙", date(1940, 1, 1), ["孤寡"], group=3)
    add_visit(store, c, WEEK.monday - timedelta(days=6))
    add_visit(store, c, WEEK.monday + timedelta(days=1))
    names["已访丙"] = "done"
    names["从未丁"] = "never"
    add_person(store, "从未丁", date(1960, 1, 1), ["空巢"], group=1)
    d = add_person(store, "未到戊", date(1955, 1, 1), ["留守"], group=1)  # quarterly, visited recently
    add_visit(store, d, WEEK.monday - timedelta(days=20))
    e = add_person(store, "加访己", date(1955, 1, 1), ["失能"], group=1)  # extra visit, not due
    add_visit(store, e, WEEK.monday - timedelta(days=8))  # May is covered already
    add_visit(store, e, WEEK.monday + timedelta(days=2))
    add_person(store, "中年庚", date(1980, 1, 1), ["重病"], group=1)  # under 60
    add_person(store, "老人辛", date(1950, 1, 1), [], group=1)  # 76, no flags
    return names


def test_roster_rows_list_exactly_the_people_due(store: Store) -> None:
    expected = _roster_village(store)
    with store.read() as s:
        rows = due_roster(s, str(WEEK))
    assert sorted(r.name for r in rows) == sorted(expected)
    by_name = {r.name: r for r in rows}
    assert by_name["超期乙"].note.startswith("已超期") and by_name["从未丁"].note == "从未探访"
    assert "已于5月12日探访" in by_name["已访丙"].note
    assert by_name["周访甲"].tier == "高风险（每周）" and by_name["周访甲"].age == 86
    assert [r.name for r in rows][:2] == ["从未丁", "超期乙"]  # 1组 first, then address


def test_print_roster_cli_pdf_names_exactly_the_people_due(store: Store, data_dir: Path, tmp_path: Path) -> None:
    from jydesk.cli import main

    expected = _roster_village(store)
    store.close()
    out = tmp_path / "roster.pdf"
    assert main(["--data-dir", str(data_dir), "print-roster", "--week", "2026-W20", "-o", str(out)]) == 0
    text = _pdf_text(out.read_bytes())
    for name in expected:
        assert name in text
    for name in ("未到戊", "加访己", "中年庚", "老人辛"):
        assert name not in text
    assert "本周探访名单" in text and "共4人" in text


def test_print_roster_cli_refuses_a_bad_week(data_dir: Path, store: Store, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from jydesk.cli import main

    store.close()
    assert main(["--data-dir", str(data_dir), "print-roster", "--week", "2027-W53", "-o", str(tmp_path / "x.pdf")]) != 0
    assert "2027年没有第53周" in capsys.readouterr().err


def test_visit_sheets_prefilled_filled_and_blank(store: Store, clerk: Actor) -> None:
    from jydesk.printing import render_batch

    expected = _roster_village(store)
    prefilled = prefilled_sheets(store, WEEK, clerk="李专干")
    assert sorted(v["person_name"] for _d, v, _n in prefilled if v) == sorted(expected)
    assert all(v and "visited_on" not in v for _d, v, _n in prefilled)
    filled = filled_sheets(store, WEEK)
    assert sorted(v["person_name"] for _d, v, _n in filled if v) == ["加访己", "已访丙"]
    assert len(blank_sheets(3)) == 3
    with pytest.raises(ValidationError):
        blank_sheets(0)
    progress: list[tuple[int, int]] = []
    text = _pdf_text(render_batch(prefilled + filled, lambda d, t: progress.append((d, t))))
    assert "特殊困难老年人探访记录表" in text and "超期乙" in text
    assert progress[-1] == (len(prefilled) + len(filled),) * 2


def test_coverage_history_counts_someone_from_the_week_they_turn_80(store: Store) -> None:
    end = IsoWeek(2027, 2)
    birthday = end.shift(-3).monday + timedelta(days=2)  # Wednesday of 2026-W52
    add_person(store, "将满80", birthday.replace(year=birthday.year - 80), ["失能"])
    with store.read() as s:
        history = coverage_history(s, end, 6)
    assert [c.due for c in history] == [0, 0, 1, 1, 1, 1]  # W50, W51 not yet 80; from W52 weekly
