"""Registry services the desktop needs: list pages, household load/save, ID reveal, drafts, settings.

Plain Python over :class:`~jydesk.store.database.Store`; the UI calls these and holds no rule.

- Lists are windowed: ``count_*`` gives the row count, ``*_page(offset, limit, sort)`` one page,
  ordered by an index-backed key so a page deep in 100k rows is fetched in milliseconds.
- A household and its members are edited as a :class:`HouseholdForm` and saved in ONE
  ``store.write(actor)`` block (rows + audit + outbox together); refusals come back as
  :class:`FormRejected` with the errors per field and per member.
- Drafts (the ``drafts`` table) keep unsaved editor input across a lock or a crash.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.idnumber import normalise
from jydesk.domain.ids import new_id
from jydesk.domain.registry import validate_household, validate_person
from jydesk.store.database import Store
from jydesk.store.models import Draft, Household, Installation, Person, UserSetting
from jydesk.store.quick_reads import (  # re-exported: the window reads these before the ORM loads
    active_usernames as active_usernames,
)
from jydesk.store.quick_reads import get_bytes_setting as get_bytes_setting
from jydesk.store.quick_reads import get_setting as get_setting
from jydesk.store.quick_reads import lock_minutes as lock_minutes
from jydesk.store.quick_reads import pending_changes as pending_changes
from jydesk.store.quick_reads import user_display as user_display
from jydesk.store.unit_of_work import Actor

HEAD_RELATION = "本人"
LOCK_MINUTES_RANGE = (1, 240)

# ---------------------------------------------------------------- list rows and pages

# ---------------------------------------------------------------- household editing


@dataclass
class MemberForm:
    """A person as the editor holds it: strings as typed, ``id`` None until first saved."""

    id: str | None = None
    name: str = ""
    id_number: str = ""
    relation: str = ""
    phone: str = ""
    disability_type: str = ""
    disability_grade: str = ""
    disability_cert_no: str = ""
    health: str = ""
    employment: str = ""
    monthly_income: str = ""
    care_flags: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class HouseholdForm:
    """A household and its members as the editor holds them."""

    id: str | None = None
    group_no: str = ""
    address: str = ""
    residence: str = "农村"
    phone: str = ""
    note: str = ""
    members: list[MemberForm] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> HouseholdForm:
        data = dict(payload)
        members = [MemberForm(**{k: v for k, v in m.items() if k in MemberForm.__dataclass_fields__})
                   for m in data.pop("members", [])]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known, members=members)


class FormRejected(ValidationError):
    """A household form was refused: errors per household field, per member (by index), and general."""

    def __init__(self, household: list[FieldError], members: dict[int, list[FieldError]],
                 general: list[FieldError]) -> None:
        self.household = household
        self.members = members
        self.general = general
        every = list(general) + list(household) + [e for i in sorted(members) for e in members[i]]
        super().__init__(every)

    def describe(self, form: HouseholdForm) -> list[str]:
        """Chinese lines naming each problem, members named by their entered name or position."""
        lines = [e.message for e in self.general] + [e.message for e in self.household]
        for index in sorted(self.members):
            who = form.members[index].name.strip() or f"第{index + 1}位成员"
            lines.extend(f"{who}：{e.message}" for e in self.members[index])
        return lines


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _none(value: str) -> str | None:
    value = (value or "").strip()
    return value or None


def _member_from(person: Person) -> MemberForm:
    income = person.monthly_income
    return MemberForm(
        id=person.id, name=person.name, id_number=person.id_number, relation=_text(person.relation),
        phone=_text(person.phone), disability_type=_text(person.disability_type),
        disability_grade=_text(person.disability_grade), disability_cert_no=_text(person.disability_cert_no),
        health=_text(person.health), employment=_text(person.employment),
        monthly_income="" if income is None else format(Decimal(income).normalize(), "f"),
        care_flags=list(person.care_flags or []), note=_text(person.note),
    )


_RELATION_ORDER = {"本人": 0, "配偶": 1}


def load_household(store: Store, household_id: str) -> HouseholdForm:
    """A saved household and its (not deleted) members, head first, as an editable form."""
    with store.read() as s:
        hh = s.get(Household, household_id)
        if hh is None or hh.deleted:
            raise LookupError(f"户 {household_id} 不存在或已删除")
        people = s.execute(select(Person).where(Person.household_id == household_id, Person.deleted.is_(False))
                           ).scalars().all()
    people = sorted(people, key=lambda p: (p.id != hh.head_person_id, _RELATION_ORDER.get(p.relation or "", 2),
                                           p.birth_date or date.max, p.id))
    return HouseholdForm(id=hh.id, group_no=_text(hh.group_no), address=hh.address, residence=hh.residence,
                         phone=_text(hh.phone), note=_text(hh.note), members=[_member_from(p) for p in people])


def household_of_person(store: Store, person_id: str) -> str | None:
    with store.read() as s:
        return s.execute(select(Person.household_id).where(Person.id == person_id)).scalar()


def _household_values(form: HouseholdForm) -> dict[str, Any]:
    return {"address": form.address, "group_no": form.group_no.strip() or None,
            "residence": form.residence or "农村", "phone": form.phone}


def _person_values(m: MemberForm) -> dict[str, Any]:
    return {"name": m.name, "id_number": m.id_number, "relation": _none(m.relation), "phone": m.phone,
            "disability_type": _none(m.disability_type), "disability_grade": _none(m.disability_grade),
            "monthly_income": _none(m.monthly_income), "care_flags": list(m.care_flags)}


def check_member(member: MemberForm) -> list[FieldError]:
    """Field errors of one member on its own (the editor calls this as the clerk types)."""
    try:
        validate_person(_person_values(member))
    except ValidationError as exc:
        return exc.errors
    return []


def check_household_fields(form: HouseholdForm) -> list[FieldError]:
    try:
        validate_household(_household_values(form))
    except ValidationError as exc:
        return exc.errors
    return []


def check_form(store: Store, form: HouseholdForm) -> FormRejected | None:
    """Every problem of a household form, or None when it can be saved."""
    household = check_household_fields(form)
    members: dict[int, list[FieldError]] = {}
    general: list[FieldError] = []
    if not form.members:
        general.append(FieldError("members", "每户至少需要登记一名成员（户主）", "required"))
    heads = [m for m in form.members if m.relation == HEAD_RELATION]
    if form.members and len(heads) != 1:
        general.append(FieldError("relation", "每户必须有且只有一名成员的“与户主关系”为“本人”（户主）",
                                  "head"))
    seen: dict[str, int] = {}
    for index, member in enumerate(form.members):
        errors = check_member(member)
        number = normalise(member.id_number)
        if number and not any(e.field == "id_number" for e in errors):
            if number in seen:
                errors.append(FieldError("id_number", f"与第{seen[number] + 1}位成员的身份证号重复", "duplicate"))
            else:
                seen[number] = index
        if errors:
            members[index] = errors
    if seen:
        own = {m.id for m in form.members if m.id}
        with store.read() as s:
            taken = s.execute(select(Person.id_number, Person.name, Person.id).where(
                Person.id_number.in_(list(seen)), Person.deleted.is_(False))).all()
        for number, name, pid in taken:
            if pid not in own:
                members.setdefault(seen[number], []).append(
                    FieldError("id_number", f"该身份证号已登记（{name}），不能重复登记", "duplicate"))
    if household or members or general:
        return FormRejected(household, members, general)
    return None


def save_household(store: Store, actor: Actor, form: HouseholdForm) -> HouseholdForm:
    """Save a household and its members in one transaction (rows, audit, outbox).

    Members present in the database but no longer in the form are marked deleted.
    Returns the form as saved (new ids filled in). Raises :class:`FormRejected`.
    """
    rejected = check_form(store, form)
    if rejected is not None:
        raise rejected
    hv = validate_household(_household_values(form))
    saved = HouseholdForm.from_payload(form.to_payload())
    for member in saved.members:
        member.id = member.id or new_id()  # made here so the head is known before the household is written
    head_id = next((m.id for m in saved.members if m.relation == HEAD_RELATION), None)
    with store.write(actor) as w:
        s = w.session
        if form.id:
            hh = s.get(Household, form.id)
            if hh is None or hh.deleted:
                raise FormRejected([], {}, [FieldError("household", "该户已被删除，无法保存", "missing")])
        else:
            hh = w.add(Household(address=hv["address"], residence=hv["residence"]))
        _assign(hh, {"address": hv["address"], "group_no": hv["group_no"], "residence": hv["residence"],
                     "phone": hv["phone"], "note": _none(form.note), "head_person_id": head_id})
        s.flush()
        saved.id = hh.id
        existing = {m.id for m in form.members if m.id}
        for index, member in enumerate(saved.members):
            pv = validate_person(_person_values(member))
            if member.id in existing:
                person = s.get(Person, member.id)
                if person is None or person.household_id != hh.id:
                    raise FormRejected([], {index: [FieldError("id", "该成员已不在本户", "missing")]}, [])
            else:
                person = w.add(Person(id=member.id, household_id=hh.id, name=pv["name"], id_number=pv["id_number"]))
            _assign(person, {
                "household_id": hh.id, "name": pv["name"], "id_number": pv["id_number"],
                "relation": pv["relation"], "phone": pv["phone"], "disability_type": pv["disability_type"],
                "disability_grade": pv["disability_grade"], "disability_cert_no": _none(member.disability_cert_no),
                "health": _none(member.health), "employment": _none(member.employment),
                "monthly_income": pv["monthly_income"], "care_flags": pv["care_flags"], "note": _none(member.note),
                "deleted": False,
            })
            try:
                s.flush()
            except ValidationError as exc:
                raise FormRejected([], {index: exc.errors}, []) from exc
        kept = [m.id for m in saved.members]
        gone = s.execute(select(Person).where(Person.household_id == hh.id, Person.deleted.is_(False),
                                              Person.id.not_in(kept or [""]))).scalars().all()
        for person in gone:
            w.delete(person)
    return saved


def _assign(obj: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def delete_household(store: Store, actor: Actor, household_id: str) -> None:
    """Mark a household and its members deleted (soft delete; the deletion syncs)."""
    with store.write(actor) as w:
        hh = w.session.get(Household, household_id)
        if hh is None or hh.deleted:
            return
        for person in w.session.execute(select(Person).where(Person.household_id == household_id,
                                                             Person.deleted.is_(False))).scalars():
            w.delete(person)
        w.delete(hh)


def reveal_id_number(store: Store, actor: Actor, person_id: str) -> str:
    """The full ID number of a person; the reveal is written to the audit log."""
    with store.write(actor) as w:
        number = w.session.execute(select(Person.id_number).where(Person.id == person_id)).scalar()
        if number is None:
            raise LookupError(f"人员 {person_id} 不存在")
        w.audit("reveal", entity="person", record_id=person_id, detail="查看完整身份证号")
    return number


# ---------------------------------------------------------------- drafts


@dataclass(frozen=True, slots=True)
class DraftInfo:
    id: str
    kind: str
    payload: dict[str, Any]
    updated_at: Any


def draft_id(user_id: str, kind: str, key: str) -> str:
    """A draft key unique per clerk, kind and record (or per unsaved new record)."""
    return f"{kind}:{key}:{user_id[-12:]}"


def save_draft(store: Store, actor: Actor, draft_key: str, kind: str, payload: dict[str, Any]) -> None:
    with store.write(actor) as w:
        draft = w.session.get(Draft, draft_key)
        if draft is None:
            w.session.add(Draft(id=draft_key, user_id=actor.id, kind=kind, payload=payload))
        else:
            draft.user_id, draft.kind, draft.payload = actor.id, kind, payload


def list_drafts(store: Store, user_id: str) -> list[DraftInfo]:
    with store.read() as s:
        drafts = s.execute(select(Draft).where(Draft.user_id == user_id).order_by(Draft.updated_at)).scalars().all()
        return [DraftInfo(d.id, d.kind, d.payload, d.updated_at) for d in drafts]


def discard_draft(store: Store, actor: Actor, draft_key: str) -> None:
    with store.write(actor) as w:
        draft = w.session.get(Draft, draft_key)
        if draft is not None:
            w.session.delete(draft)


# ---------------------------------------------------------------- settings


def set_setting(store: Store, actor: Actor, key: str, value: str | None) -> None:
    with store.write(actor) as w:
        row = w.session.get(UserSetting, (actor.id, key))
        if row is None:
            w.session.add(UserSetting(user_id=actor.id, key=key, value=value))
        elif row.value != value:
            row.value = value


def set_bytes_setting(store: Store, actor: Actor, key: str, value: bytes | None) -> None:
    set_setting(store, actor, key, base64.b64encode(value).decode("ascii") if value else None)


def set_lock_minutes(store: Store, actor: Actor, minutes: int) -> None:
    low, high = LOCK_MINUTES_RANGE
    if not low <= minutes <= high:
        raise ValidationError(FieldError("lock_minutes", f"自动锁定时间应为{low}至{high}分钟"))
    with store.write(actor) as w:
        inst = w.session.get(Installation, 1)
        if inst is None:
            raise ValidationError(FieldError("lock_minutes", "本机尚未完成村(社区)设置"))
        if inst.lock_minutes != minutes:
            w.audit("settings", entity="installation", detail=f"自动锁定时间 {inst.lock_minutes} → {minutes} 分钟")
            inst.lock_minutes = minutes
