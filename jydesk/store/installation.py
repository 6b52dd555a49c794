"""Binding this installation to its village (first-run set-up)."""

from __future__ import annotations

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.regions import AREA_NAMES, town_of_village, validate_village_code
from jydesk.store.database import Store
from jydesk.store.models import Installation
from jydesk.store.unit_of_work import SYSTEM_ACTOR, Actor


def set_up_village(store: Store, village_code: str, village_name: str, area: str = "jianyang", *,
                   actor: Actor = SYSTEM_ACTOR) -> Installation:
    """Record the installation's village; refused if it already belongs to another one."""
    code = validate_village_code(village_code)
    name = (village_name or "").strip()
    if not name:
        raise ValidationError(FieldError("village_name", "村(社区)名称不能为空", "required"))
    if area not in AREA_NAMES:
        raise ValidationError(FieldError("area", "所属区域不正确"))
    town = town_of_village(code)
    assert town is not None
    with store.write(actor) as w:
        inst = w.session.get(Installation, 1)
        if inst is not None and inst.village_code != code:
            raise ValidationError(FieldError("village_code", f"本机已绑定 {inst.village_name}（{inst.village_code}），不能改为其他村(社区)"))
        if inst is None:
            inst = Installation(id=1, village_code=code, village_name=name, town_code=town.code, area=area)
            w.session.add(inst)
            w.audit("setup", entity="installation", detail=f"{town.name}{name}（{code}）")
        else:
            inst.village_name, inst.area = name, area
        w.village_code = code
    _remember_caption(store, f"简阳市 {town.name} {name}（{code}）")
    return inst


def _remember_caption(store: Store, caption: str) -> None:
    """The login dialog shows the village before the database is unlocked: keep its name (not
    personal data) beside the key slots."""
    from jydesk.store.keyslots import KeySlots

    slots = KeySlots.for_data_dir(store.data_dir)
    if slots.village != caption:
        slots.village = caption
        slots.save()


def set_device_no(store: Store, device_no: int, *, actor: Actor = SYSTEM_ACTOR) -> None:
    """Record the 本机编号 the city server gave this installation at enrolment (register numbers
    carry it; see jydesk.domain.register)."""
    with store.write(actor) as w:
        inst = w.session.get(Installation, 1)
        if inst is None:
            raise ValidationError(FieldError("village_code", "本机尚未设置所属村(社区)"))
        if inst.device_no != device_no:
            w.audit("setup", entity="installation", detail=f"本机编号 {inst.device_no or '无'} → {device_no:02d}")
            inst.device_no = device_no
