from datetime import date

import pytest

from jydesk.domain import idnumber
from jydesk.domain.errors import ValidationError


def test_valid_numbers_and_derived_facts():
    a = idnumber.parse("11010519491231002X", today=date(2026, 11, 28))
    assert a.birth_date == date(1949, 12, 31)
    assert a.sex == "女"  # sequence 002 is even
    assert a.age_on(date(2026, 11, 28)) == 76
    assert a.age_on(date(2026, 12, 31)) == 77
    b = idnumber.parse("440524188001010014", today=date(2026, 1, 1))
    assert b.sex == "男" and b.birth_date == date(1880, 1, 1)


def test_lowercase_x_is_accepted_and_normalised():
    assert idnumber.parse(" 11010519491231002x ").number == "11010519491231002X"


def _message(raw: str, **kw) -> str:
    with pytest.raises(ValidationError) as exc:
        idnumber.parse(raw, **kw)
    assert exc.value.errors[0].field == "id_number"
    return exc.value.message


def test_wrong_check_digit_names_the_expected_digit():
    assert "校验位" in _message("510185194503150021") and "5" in _message("510185194503150021")


def test_impossible_date_30_february():
    first17 = "51018519950230001"
    number = first17 + idnumber.check_digit(first17)
    assert "不存在" in _message(number)


def test_future_birth_date():
    first17 = "51018520300101001"
    assert "晚于今天" in _message(first17 + idnumber.check_digit(first17), today=date(2026, 11, 28))


@pytest.mark.parametrize("raw, fragment", [("", "不能为空"), ("5101851945031500", "18位"),
                                           ("5101851945031500211", "18位"), ("51018519450315002A", "数字")])
def test_wrong_length_or_characters(raw, fragment):
    assert fragment in _message(raw)


def test_legacy_15_digit_number_is_refused_with_its_18_digit_form():
    message = _message("110105491231002")
    assert "15位" in message and "11010519491231002X" in message


def test_masking_and_age_on_leap_day():
    assert idnumber.mask("510185194503150025") == "510185********0025"
    assert idnumber.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
    assert idnumber.age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26
