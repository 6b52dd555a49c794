"""Chinese names of synced fields for the clerk (conflicts, rejected changes, the sync log)."""

from __future__ import annotations

from jydesk.domain.entities import DATA_PREFIX, SPECS, Entity
from jydesk.domain.registry import HOUSEHOLD_LABELS, PERSON_LABELS

FIELD_LABELS: dict[str, str] = {
    **PERSON_LABELS, **HOUSEHOLD_LABELS,
    "village_code": "村(社区)代码", "household_id": "所属户", "head_person_id": "户主", "note": "备注",
    "deleted": "删除标记", "form_code": "申请表类型", "applicant_id": "申请人", "status": "办理状态",
    "applied_on": "申请日期", "accepted_on": "受理日期", "publicity_start": "公示开始日期",
    "publicity_end": "公示结束日期", "submitted_on": "上报日期", "case_id": "所属申请", "from_status": "原状态",
    "to_status": "新状态", "at": "时间", "actor": "经办人", "person_id": "被探访人", "visited_on": "探访日期",
    "method": "探访方式", "visitors": "探访人", "follow_up_needed": "需要跟进", "next_visit_on": "下次探访日期",
    "visit_id": "所属探访", "description": "事项", "closed_on": "办结日期", "closed_note": "办结说明",
    "owner_entity": "附件所属类型", "owner_id": "附件所属记录", "sha256": "文件校验值", "size": "文件大小",
    "mime": "文件类型", "filename": "文件名", "caption": "说明",
}


def field_label(name: str) -> str:
    if name.startswith(DATA_PREFIX):
        return f"表单项“{name[len(DATA_PREFIX):]}”"
    return FIELD_LABELS.get(name, name)


def entity_label(entity: str) -> str:
    try:
        return SPECS[Entity(entity)].label
    except ValueError:
        return entity


def show_value(value: object) -> str:
    """A value as the clerk reads it."""
    if value is None or value == "" or value == []:
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
