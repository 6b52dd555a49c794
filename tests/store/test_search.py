import pytest

from jydesk.domain.idnumber import check_digit
from jydesk.store.models import Household, Person
from jydesk.store.search import search


def _id(birth: str, seq: int) -> str:
    first17 = f"510185{birth}{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
def people(store, clerk):
    rows = [("张伟", _id("19600101", 11), "13800001234"), ("张伟明", _id("19700101", 13), None),
            ("李伟", _id("19800101", 15), None), ("曾红", _id("19500101", 22), None),
            ("单玉兰", _id("19450101", 24), None), ("王小张", _id("19900101", 17), "13912345678")]
    with store.write(clerk) as w:
        hh = w.add(Household(address="简城街道光明路18号"))
        w.flush()
        for name, idn, phone in rows:
            w.add(Person(household_id=hh.id, name=name, id_number=idn, phone=phone))
    return {name: idn for name, idn, _ in rows}


def names(store, query, limit=50):
    with store.sql() as db:
        return [h.name for h in search(db, query, limit)]


def test_finds_zhang_wei_every_way(store, people):
    assert names(store, "张伟")[0] == "张伟"  # exact name first
    assert set(names(store, "张伟")) == {"张伟", "张伟明"}
    assert names(store, "zw")[0] == "张伟"
    assert "张伟" in names(store, "伟") and "李伟" in names(store, "伟")
    assert names(store, people["张伟"][-6:]) == ["张伟"]
    assert names(store, people["张伟"]) == ["张伟"]


def test_single_character_ranks_prefix_before_inside(store, people):
    result = names(store, "张")
    assert result[:2] == ["张伟", "张伟明"] or result[:2] == ["张伟明", "张伟"]
    assert result[-1] == "王小张"


def test_polyphonic_surnames_by_surname_initial(store, people):
    assert names(store, "zh") == ["曾红"]
    assert names(store, "syl") == ["单玉兰"]


def test_phone_address_and_misses(store, people):
    assert names(store, "13912345678") == ["王小张"]
    assert names(store, "5678") == ["王小张"]
    assert len(names(store, "光明路")) == 6
    assert names(store, "赵钱孙") == []
    assert names(store, "") == []


def test_renamed_or_deleted_person_is_reindexed(store, clerk, people):
    with store.write(clerk) as w:
        p = w.session.query(Person).filter_by(name="李伟").one()
        p.name = "李卫"
    assert "李伟" not in names(store, "伟") and names(store, "李卫") == ["李卫"]
    with store.write(clerk) as w:
        w.delete(w.session.query(Person).filter_by(name="李卫").one())
    assert names(store, "李卫") == []


def test_limit_is_respected(store, people):
    assert len(names(store, "张", limit=1)) == 1


def test_phone_change_moves_the_phone_terms(store, clerk, people):
    with store.write(clerk) as w:
        w.session.query(Person).filter_by(name="王小张").one().phone = "13700009999"
    assert names(store, "13912345678") == [] and names(store, "9999") == ["王小张"]
    assert names(store, "王小张") == ["王小张"]  # name terms untouched
