"""Who confirms (审核确认) an application: the county (县级民政部门) or, where the county has
delegated it, the town (乡镇/街道) — a per-town setting held on the city server.

Since 2021 the 乡镇（街道） handles 受理, 调查 and 审核 (the village assists) and the county's
民政部门 does 审核确认; "有条件的地方" may delegate 审核确认 to the 乡镇, the county supervising
(最低生活保障审核确认办法 §2; 特困人员认定办法 §28). The setting reaches devices as a
*reference record* in the pull feed (entity :data:`REFERENCE_ENTITY`, one per village, kind
:data:`APPROVAL_KIND`, key = the 9-digit town code); a device without it uses 县级.

What follows from it: the name and owner of the 审核确认 step, the overall 低保 limit
(30 working days from 受理, 20 when delegated: 办法 §22) and the printed opinion blocks
(a delegated town prints 乡镇（街道）审核确认意见, the county block reads 备案).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

#: The entity name of server-owned reference data in the pull feed (not a :class:`Entity`:
#: devices never create or change it).
REFERENCE_ENTITY = "reference"
#: The first kind of reference data: which level confirms, per town.
APPROVAL_KIND = "approval"
_NAMESPACE = uuid.UUID("5f0c6a52-8d1e-4c0b-9a51-3f9b2b7e18a1")


class ApprovalLevel(StrEnum):
    COUNTY = "县级"
    TOWN = "乡镇"


DEFAULT_LEVEL = ApprovalLevel.COUNTY

#: Forms whose 审核确认 the county may delegate to the town, with the rule that allows it.
DELEGABLE: dict[str, str] = {
    "dibao": "《最低生活保障审核确认办法》（2021）第二条：有条件的地方可按程序将审核确认权限下放到乡镇（街道）",
    "tekun": "《特困人员认定办法》（2021）第二十八条：有条件的地方可将审核确认权限下放到乡镇（街道）",
}

TOWN_CONFIRM_TITLE = "乡镇（街道）审核确认意见"
COUNTY_RECORD_TITLE = "县级民政部门备案"


#: Fields of the county's block a delegated town leaves to the county: its 备案 opinion and date.
RECORD_FIELDS = frozenset({"county_opinion", "county_opinion_on"})


def may_fill(scope: str, key: str, filled_by: str, level: ApprovalLevel) -> bool:
    """Whether a reviewer of ``scope`` (``town`` / ``city``) may fill form field ``key``
    (``filled_by`` town / county) of a case confirmed at ``level``: a town fills its own
    fields, and where it confirms (delegated) also the county's confirming fields except the
    备案 block; the city (county) fills both."""
    if filled_by not in ("town", "county"):
        return False
    if scope != "town" or filled_by == "town":
        return True
    return level is ApprovalLevel.TOWN and key not in RECORD_FIELDS


def town_of(village_code: str) -> str:
    """The 9-digit town (乡镇/街道) code of a 12-digit village code."""
    return (village_code or "")[:9]


def parse_level(text: Any) -> ApprovalLevel:
    """县级 / 乡镇 (also 乡镇（街道）, county, town); ValueError with a Chinese message otherwise."""
    raw = str(text or "").strip()
    table = {"县级": ApprovalLevel.COUNTY, "县": ApprovalLevel.COUNTY, "county": ApprovalLevel.COUNTY,
             "乡镇": ApprovalLevel.TOWN, "乡镇（街道）": ApprovalLevel.TOWN, "乡镇(街道)": ApprovalLevel.TOWN,
             "town": ApprovalLevel.TOWN}
    if raw not in table:
        raise ValueError(f"审核确认层级应为“县级”或“乡镇”，而不是“{raw}”")
    return table[raw]


def reference_id(kind: str, key: str, village_code: str) -> str:
    """The id of one village's copy of a reference record (stable: a new version overwrites it)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}:{village_code}"))


def reference_fields(kind: str, key: str, value: str, version: int, village_code: str,
                     source: str = "") -> dict[str, Any]:
    """The wire fields of a reference record."""
    return {"village_code": village_code, "kind": kind, "key": key, "value": value, "version": version,
            "source": source}


def confirming_level(form_code: str, town_level: ApprovalLevel | str | None) -> ApprovalLevel:
    """The level that confirms a case of ``form_code`` in a town set to ``town_level``:
    the town only for forms whose rules allow delegation."""
    level = ApprovalLevel(town_level) if town_level else DEFAULT_LEVEL
    return level if form_code in DELEGABLE else ApprovalLevel.COUNTY


def confirmer(form_code: str, town_level: ApprovalLevel | str | None) -> str:
    """Who confirms, in words: 乡镇（街道） or 县级民政部门."""
    return "乡镇（街道）" if confirming_level(form_code, town_level) is ApprovalLevel.TOWN else "县级民政部门"


def opinion_titles(form_code: str, town_level: ApprovalLevel | str | None) -> Mapping[str, str]:
    """Printed titles of the opinion blocks that change when the town confirms
    (section key -> title); empty when the county confirms."""
    if confirming_level(form_code, town_level) is not ApprovalLevel.TOWN:
        return {}
    return {"town_opinion": TOWN_CONFIRM_TITLE, "county_opinion": COUNTY_RECORD_TITLE}


#: The key under which a print item's values carry who confirms (read by the printer only).
PRINT_LEVEL_KEY = "_approval_level"
