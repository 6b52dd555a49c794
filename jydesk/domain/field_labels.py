"""Chinese names of the synced fields, for messages to the clerk (server errors, conflicts, sync log)."""

from __future__ import annotations

from jydesk.domain import registry

FIELD_LABELS: dict[str, str] = {
    **registry.PERSON_LABELS, **registry.HOUSEHOLD_LABELS,
    "village_code": "村(社区)代码", "household_id": "所属户", "head_person_id": "户主", "note": "备注",
    "deleted": "删除标记", "form_code": "申请表类型", "form_version": "表单版本", "register_no": "登记编号",
    "applicant_id": "申请人", "status": "办理状态",
    "applied_on": "申请日期", "accepted_on": "受理日期", "publicity_start": "公示开始日期",
    "publicity_end": "公示结束日期", "submitted_on": "上报日期", "received_on": "上级接收材料日期", "decision": "审批结果",
    "decision_amount": "核定金额", "decision_start_month": "起始月份", "decision_reason": "审批意见",
    "decision_on": "审批日期", "decided_by": "审批人", "case_id": "所属申请", "from_status": "原状态",
    "to_status": "新状态", "at": "时间", "actor": "经办人", "person_id": "被探访人", "visited_on": "探访日期",
    "method": "探访方式", "visitors": "探访人", "follow_up_needed": "需要跟进", "next_visit_on": "下次探访日期",
    "visit_id": "所属探访", "description": "事项", "closed_on": "办结日期", "closed_note": "办结说明",
    "owner_entity": "附件所属类型", "owner_id": "附件所属记录", "sha256": "文件校验值", "size": "文件大小",
    "mime": "文件类型", "filename": "文件名", "caption": "说明",
    # after approval (jydesk.domain.benefits)
    "benefit": "保障类别", "persons": "保障人数", "amount": "月金额", "start_month": "起始月份",
    "taper_end_month": "渐退期截止月份", "stop_month": "停保月份", "source": "来源", "recipient_id": "在保对象",
    "kind": "类别", "reviewed_on": "复核日期", "outcome": "复核结论", "reason": "变更理由", "source_id": "来源记录",
    "status_before": "原保障状态", "amount_before": "原月金额", "proposed_amount": "拟调整金额",
    "taper_months": "渐退期（月）", "proposed_on": "提出日期", "effective_month": "生效月份", "happened_on": "发生日期",
}
