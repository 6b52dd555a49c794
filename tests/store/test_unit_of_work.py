from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from jydesk.domain.errors import ValidationError
from jydesk.store.models import AuditEntry, Case, Household, OutboxEntry, Person
from jydesk.store.unit_of_work import ReadOnlySessionError

VALID_ID = "11010519491231002X"


def counts(store):
    with store.read() as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Household, Person, AuditEntry, OutboxEntry))


def test_write_stores_row_audit_and_outbox_together(store, clerk):
    before = counts(store)
    with store.write(clerk) as w:
        hh = w.add(Household(address="3组12号", group_no=3))
        w.flush()
        w.add(Person(household_id=hh.id, name="王芳", id_number="11010519491231002x", relation="本人"))
    after = counts(store)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 1
    assert after[2] - before[2] == 2 and after[3] - before[3] == 2
    with store.read() as s:
        person = s.execute(select(Person)).scalar_one()
        assert person.id_number == VALID_ID and person.sex == "女" and person.village_code == "510185001001"
        audit = s.execute(select(AuditEntry).where(AuditEntry.record_id == person.id)).scalar_one()
        assert audit.actor_name == "李专干" and audit.action == "create"
        out = s.execute(select(OutboxEntry).where(OutboxEntry.record_id == person.id)).scalar_one()
        assert out.entity == "person" and out.op == "upsert" and out.fields["name"] == "王芳"


def test_update_records_only_changed_fields_and_form_keys(store, clerk):
    with store.write(clerk) as w:
        hh = w.add(Household(address="1组1号"))
        case = w.add(Case(form_code="linshi", household_id=hh.id, status="草稿", data={"reason": "火灾", "amount": "500.00"}))
    with store.write(clerk) as w:
        c = w.session.get(Case, case.id)
        c.data = {**c.data, "amount": "800.00"}
    with store.read() as s:
        last = s.execute(select(OutboxEntry).order_by(OutboxEntry.id.desc()).limit(1)).scalar_one()
    assert last.fields == {"data.amount": "800.00"}


def test_failure_midway_leaves_nothing(store, clerk):
    before = counts(store)
    with pytest.raises(RuntimeError), store.write(clerk) as w:
        hh = w.add(Household(address="2组8号"))
        w.flush()
        w.add(Person(household_id=hh.id, name="张三", id_number=VALID_ID))
        w.flush()
        raise RuntimeError("power cut")
    assert counts(store) == before


def test_invalid_id_number_is_refused_with_chinese_message_and_nothing_written(store, clerk):
    before = counts(store)
    with pytest.raises(ValidationError) as exc, store.write(clerk) as w:
        hh = w.add(Household(address="2组8号"))
        w.flush()
        w.add(Person(household_id=hh.id, name="张三", id_number="510185194503150021"))
    assert exc.value.errors[0].field == "id_number" and "校验位" in exc.value.message
    assert counts(store) == before


def test_missing_required_field_names_the_field(store, clerk):
    with pytest.raises(ValidationError) as exc, store.write(clerk) as w:
        w.add(Household(address=""))
    assert exc.value.errors[0].field == "address" and "不能为空" in exc.value.message


def test_duplicate_id_number_is_refused(store, clerk):
    with store.write(clerk) as w:
        w.add(Person(name="王芳", id_number=VALID_ID))
    with pytest.raises(ValidationError, match="已登记"), store.write(clerk) as w:
        w.add(Person(name="王小芳", id_number=VALID_ID))


def test_reads_cannot_write_and_audit_is_append_only(store, clerk):
    with store.read() as s:
        s.add(Household(address="x", village_code="510185001001"))
        with pytest.raises(ReadOnlySessionError):
            s.flush()
    with store.write(clerk) as w:
        w.audit("reveal", entity="person", record_id="p1", detail="查看完整身份证号")
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor_name = 'x'"))
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_soft_delete_is_a_synced_change(store, clerk):
    with store.write(clerk) as w:
        p = w.add(Person(name="王芳", id_number=VALID_ID, monthly_income=Decimal("300")))
    with store.write(clerk) as w:
        w.delete(w.session.get(Person, p.id))
    with store.read() as s:
        last = s.execute(select(OutboxEntry).order_by(OutboxEntry.id.desc()).limit(1)).scalar_one()
    assert last.op == "delete" and last.fields == {"deleted": True}


def test_dangling_reference_fails_at_commit_and_writes_nothing(store, clerk):
    before = counts(store)
    with pytest.raises(IntegrityError), store.write(clerk) as w:
        w.add(Person(household_id="no-such-household", name="张三", id_number=VALID_ID))
    assert counts(store) == before


def test_new_account_audit_entry_names_the_account(store, clerk):
    from jydesk.store.models import User

    with store.write(clerk) as w:
        w.add(User(username="li", display_name="李四", password_hash="x"))
    with store.read() as s:
        user = s.execute(select(User).where(User.username == "li")).scalar_one()
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "create_user")).scalar_one()
    assert entry.record_id == user.id
