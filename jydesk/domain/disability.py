"""The 第二代残疾人证号: the holder's 18-digit 身份证号, then one digit for the category and
one for the grade (《残疾人证管理办法》§5, as quoted in 残疾人证号释义 and 残疾类别和等级).

Category digits: 1 视力, 2 听力, 3 言语, 4 肢体, 5 智力, 6 精神, 7 多重 (some web pages swap 1
and 2; the text quoting the 办法 has 1 = 视力). Grade digits: 1 = 一级 (most severe) to 4 = 四级.
A reissued card may end in ``B`` and a digit, which is kept.
"""

from __future__ import annotations

import re

from jydesk.domain import idnumber

CATEGORY_DIGITS = {"视力": "1", "听力": "2", "言语": "3", "肢体": "4", "智力": "5", "精神": "6", "多重": "7"}
GRADE_DIGITS = {"一级": "1", "二级": "2", "三级": "3", "四级": "4", "1": "1", "2": "2", "3": "3", "4": "4"}
_CERT = re.compile(r"(\d{17}[\dX])(\d)(\d)(B\d)?")


def cert_problem(cert: str, id_number: str | None, category: str | None, grade: str | int | None) -> str | None:
    """Why ``cert`` does not belong to the person (Chinese), or None when it does.

    Parts that cannot be compared (no 身份证号, category or grade given) are not checked."""
    m = _CERT.fullmatch(idnumber.normalise(cert or ""))
    if m is None:
        return "应为身份证号加1位残疾类别代码和1位残疾等级代码（共20位，如 11010519491231002X42）"
    if id_number and m.group(1) != idnumber.normalise(id_number):
        return "前18位应与身份证号一致"
    want = CATEGORY_DIGITS.get(str(category or "").removesuffix("残疾"))
    if want and m.group(2) != want:
        return f"第19位（残疾类别）应为{want}（{category}），当前为{m.group(2)}"
    level = GRADE_DIGITS.get(str(grade)) if grade not in (None, "") else None
    if level and m.group(3) != level:
        return f"第20位（残疾等级）应为{level}（{grade}），当前为{m.group(3)}"
    return None
