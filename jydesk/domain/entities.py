"""The syncable entities and their fields: the one vocabulary shared by store, sync and server.

A change travels as ``{entity, id, op, base_revision, fields}``. ``fields`` is a flat dict:
plain columns by name, and the keys of the JSON form-value column as ``data.<key>`` so that
two clerks editing different form fields merge instead of conflicting. Values are JSON
(dates as ISO strings, money as decimal strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

DATA_PREFIX = "data."


class Entity(StrEnum):
    HOUSEHOLD = "household"
    PERSON = "person"
    CASE = "case"
    CASE_EVENT = "case_event"
    VISIT = "visit"
    FOLLOW_UP = "follow_up"
    ATTACHMENT = "attachment"
    RECIPIENT = "recipient"
    REVIEW = "review"
    BENEFIT_CHANGE = "benefit_change"
    LIFE_EVENT = "life_event"


class CaseStatus(StrEnum):
    DRAFT = "草稿"
    ACCEPTED = "已受理"
    INVESTIGATING = "入户调查"
    PUBLICITY = "公示"
    SUBMITTED = "已上报"
    REVIEWING = "审核中"
    APPROVED = "已批准"
    REFUSED = "不予批准"
    RETURNED = "退回补正"
    NOT_ACCEPTED = "不予受理"  # the ways out, each with a written reason and a 告知书
    TERMINATED = "终止"
    WITHDRAWN = "撤回"


# Statuses only a reviewer on the server may set; a device change setting one is refused.
SERVER_STATUSES = frozenset({CaseStatus.REVIEWING, CaseStatus.APPROVED, CaseStatus.REFUSED})


@dataclass(frozen=True, slots=True)
class EntitySpec:
    name: Entity
    label: str
    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    server_owned: tuple[str, ...] = ()
    has_data: bool = False  # a JSON dict of form values, synced per key as data.<key>
    parent: tuple[str, Entity] | None = None  # (field, entity) that must exist first
    references: dict[str, Entity] = field(default_factory=dict)

    def accepts(self, key: str) -> bool:
        return key in self.fields or (self.has_data and key.startswith(DATA_PREFIX) and len(key) > len(DATA_PREFIX))


SPECS: dict[Entity, EntitySpec] = {
    Entity.HOUSEHOLD: EntitySpec(
        Entity.HOUSEHOLD, "户",
        ("village_code", "group_no", "address", "residence", "phone", "head_person_id", "note", "closed_on",
         "deleted"),
        required=("village_code", "address"),
        references={"head_person_id": Entity.PERSON},
    ),
    Entity.PERSON: EntitySpec(
        Entity.PERSON, "人员",
        ("village_code", "household_id", "name", "id_number", "relation", "phone", "disability_type",
         "disability_grade", "disability_cert_no", "health", "employment", "monthly_income", "care_flags",
         "visit_tier_override", "visit_tier_override_reason", "note", "deleted"),
        required=("village_code", "name", "id_number"),
        parent=("household_id", Entity.HOUSEHOLD),
    ),
    Entity.CASE: EntitySpec(
        Entity.CASE, "救助申请",
        ("village_code", "form_code", "form_version", "register_no", "household_id", "applicant_id", "status",
         "applied_on", "accepted_on",
         "publicity_start", "publicity_end", "submitted_on", "received_on", "decision", "decision_amount",
         "decision_start_month", "decision_reason", "decision_on", "decided_by", "close_reason",
         "extension_days", "extension_reason", "objection_rounds", "deleted"),
        required=("village_code", "form_code", "status"),
        server_owned=("decision", "decision_amount", "decision_start_month", "decision_reason",
                      "decision_on", "decided_by", "received_on"),
        has_data=True,
        parent=("household_id", Entity.HOUSEHOLD),
        references={"applicant_id": Entity.PERSON},
    ),
    Entity.CASE_EVENT: EntitySpec(
        Entity.CASE_EVENT, "办理记录",
        ("village_code", "case_id", "from_status", "to_status", "at", "actor", "note"),
        required=("village_code", "case_id", "to_status", "at"),
        parent=("case_id", Entity.CASE),
    ),
    Entity.VISIT: EntitySpec(
        Entity.VISIT, "探访记录",
        ("village_code", "person_id", "visited_on", "method", "visitors", "follow_up_needed",
         "next_visit_on", "deleted"),
        required=("village_code", "person_id", "visited_on", "method"),
        has_data=True,
        parent=("person_id", Entity.PERSON),
    ),
    Entity.FOLLOW_UP: EntitySpec(
        Entity.FOLLOW_UP, "跟进事项",
        ("village_code", "visit_id", "person_id", "description", "status", "closed_on", "closed_note"),
        required=("village_code", "person_id", "description"),
        parent=("person_id", Entity.PERSON),
    ),
    Entity.ATTACHMENT: EntitySpec(
        Entity.ATTACHMENT, "附件",
        ("village_code", "owner_entity", "owner_id", "sha256", "size", "mime", "filename", "caption"),
        required=("village_code", "owner_entity", "owner_id", "sha256", "size"),
    ),
    # after approval (jydesk.domain.benefits): the register, reviews, changes and life events
    Entity.RECIPIENT: EntitySpec(
        Entity.RECIPIENT, "在保对象",
        ("village_code", "benefit", "household_id", "person_id", "case_id", "persons", "amount", "start_month",
         "status", "taper_end_month", "stop_month", "source", "note", "deleted"),
        required=("village_code", "benefit", "household_id", "person_id", "status"),
        server_owned=("amount", "status", "taper_end_month", "stop_month"),
        parent=("household_id", Entity.HOUSEHOLD),
        references={"person_id": Entity.PERSON, "case_id": Entity.CASE},
    ),
    Entity.REVIEW: EntitySpec(
        Entity.REVIEW, "复核记录",
        ("village_code", "recipient_id", "person_id", "kind", "form_code", "reviewed_on", "outcome", "deleted"),
        required=("village_code", "recipient_id", "kind", "form_code", "reviewed_on"),
        has_data=True,
        parent=("recipient_id", Entity.RECIPIENT),
        references={"person_id": Entity.PERSON},
    ),
    Entity.BENEFIT_CHANGE: EntitySpec(
        Entity.BENEFIT_CHANGE, "变更申请",
        ("village_code", "recipient_id", "kind", "reason", "source", "source_id", "status_before", "amount_before",
         "proposed_amount", "taper_months", "proposed_on", "decision", "decision_amount", "effective_month",
         "decision_reason", "decision_on", "decided_by", "deleted"),
        required=("village_code", "recipient_id", "kind", "reason", "proposed_on"),
        server_owned=("decision", "decision_amount", "effective_month", "decision_reason", "decision_on",
                      "decided_by"),
        parent=("recipient_id", Entity.RECIPIENT),
    ),
    Entity.LIFE_EVENT: EntitySpec(
        Entity.LIFE_EVENT, "人员变动",
        ("village_code", "person_id", "kind", "happened_on", "source", "note", "deleted"),
        required=("village_code", "person_id", "kind", "happened_on"),
        parent=("person_id", Entity.PERSON),
    ),
}
