"""The columns of the 列表 panel: people, households, and the 同步 badge column of both."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from jydesk.domain.idnumber import age_on, mask
from jydesk.store.listings import PersonRow
from jydesk.store.sync_status import Badge
from jydesk.ui.registry.windowed_model import Column

CENTER = Qt.AlignmentFlag.AlignCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _age(row: PersonRow) -> str:
    return str(age_on(row.birth_date, date.today())) if row.birth_date else ""


def _group(value: int | None) -> str:
    return f"{value}组" if value else ""


PERSON_COLUMNS = (
    Column("姓名", lambda r: r.name, "name", 80),
    Column("性别", lambda r: r.sex or "", "sex", 44, CENTER),
    Column("年龄", _age, "birth_date", 44, RIGHT),
    Column("身份证号", lambda r: mask(r.id_number), "id_number", 160),
    Column("与户主关系", lambda r: r.relation or "", "relation", 78),
    Column("组", lambda r: _group(r.group_no), "address", 44, CENTER),
    Column("家庭住址", lambda r: r.address or "", "address", 210, tooltip=lambda r: r.address),
    Column("联系电话", lambda r: r.phone or "", "phone", 104),
    Column("关爱标记", lambda r: "、".join(r.care_flags), None, 120),
)
HOUSEHOLD_COLUMNS = (
    Column("户主", lambda r: r.head_name or "（未指定）", "head_name", 80),
    Column("组", lambda r: _group(r.group_no), "address", 44, CENTER),
    Column("家庭住址", lambda r: r.address, "address", 240, tooltip=lambda r: r.address),
    Column("人口", lambda r: str(r.members), None, 44, RIGHT),
    Column("城乡", lambda r: r.residence, "residence", 50, CENTER),
    Column("联系电话", lambda r: r.phone or "", "phone", 104),
)
SYNC_COLUMN = Column("同步", lambda r: str(getattr(r, "sync_badge", "")), None, 56, Qt.AlignmentFlag.AlignCenter,
                     tooltip=lambda r: {Badge.WAITING: "本机的修改尚未上传到市级平台",
                                        Badge.REJECTED: "市级平台退回了本机的修改，请在“同步”面板查看原因",
                                        Badge.CONFLICT: "本机与市级平台改了同一项，请在“冲突”面板选择保留哪个值",
                                        }.get(getattr(r, "sync_badge", None), "已与市级平台一致"))
