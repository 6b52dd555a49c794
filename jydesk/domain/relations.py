"""A household member's relation to the applicant, derived from both relations to the 户主.

The registry records each person's relation to the head of the household (与户主关系,
``jydesk.domain.registry.RELATIONS``). Forms whose members column is headed 与申请人关系 or
与儿童关系 need the relation to the applicant instead, who is not always the head (a child
living with the grandparents: the grandfather is the 户主). :func:`relation_to_applicant`
derives it where the two relations to the head decide it; where they do not (the head's
son may be the applicant's father or uncle) it returns None and the clerk enters the
relation on the case.

Where a relation by marriage or a child's parents are concerned the 户口簿 convention is
followed: the head's spouse is the parent of the head's children.
"""

from __future__ import annotations

HEAD = "本人"
CHILD = frozenset({"子", "女"})
PARENT = frozenset({"父亲", "母亲"})
GRANDCHILD = frozenset({"孙子", "孙女", "外孙子女"})


def _by_sex(sex: str | None, male: str, female: str, either: str) -> str:
    return male if sex == "男" else female if sex == "女" else either


def _child(sex: str | None) -> str:
    return _by_sex(sex, "子", "女", "子女")


def _parent(sex: str | None) -> str:
    return _by_sex(sex, "父亲", "母亲", "父母")


def relation_to_applicant(applicant_rel: str | None, member_rel: str | None, *,
                          member_sex: str | None = None, head_sex: str | None = None,
                          same_person: bool = False) -> str | None:
    """The member's relation to the applicant, or None when the relations to the head do not decide it.

    ``applicant_rel`` and ``member_rel`` are relations to the 户主 (本人 = the head);
    ``member_sex`` and ``head_sex`` (男/女, from the 身份证号) choose 父亲/母亲 and the like.
    """
    if same_person:
        return HEAD
    a, m = applicant_rel or "", member_rel or ""
    if not a or not m:
        return None
    if a == HEAD:
        return m
    if m == HEAD:
        return _head_seen_from(a, member_sex)
    if a == "配偶":
        return m if m in CHILD | GRANDCHILD | {"儿媳", "女婿"} else None
    if a in CHILD:
        if m == "配偶":
            return _parent(member_sex)
        if m in CHILD:
            return "兄弟姐妹"
        if m in PARENT:
            if head_sex not in ("男", "女"):
                return None
            return _grandparent("孙子" if head_sex == "男" else "外孙子女", member_sex)
        return None
    if a in PARENT:
        if m in PARENT:
            return "配偶" if m != a else None
        if m == "配偶":
            return {"男": "女婿", "女": "儿媳"}.get(member_sex or "")
        if m in CHILD:
            return {"子": "孙子", "女": "孙女"}[m] if head_sex == "男" else "外孙子女" if head_sex == "女" else None
        if m == "兄弟姐妹":
            return _child(member_sex)
        return None
    if a == "兄弟姐妹":
        if m in PARENT:
            return m
        if m == "兄弟姐妹":
            return "兄弟姐妹"
        return None
    if a in GRANDCHILD:
        if m == "配偶":
            return _grandparent(a, member_sex)
        return None
    return None


def _grandparent(applicant_rel: str, sex: str | None) -> str:
    if applicant_rel == "外孙子女":
        return _by_sex(sex, "外祖父", "外祖母", "外祖父母")
    return _by_sex(sex, "祖父", "祖母", "祖父母")


def _head_seen_from(applicant_rel: str, head_sex: str | None) -> str | None:
    """What the 户主 is to an applicant who has ``applicant_rel`` to the head."""
    a = applicant_rel
    if a == "配偶":
        return "配偶"
    if a in CHILD:
        return _parent(head_sex)
    if a in PARENT:
        return _child(head_sex)
    if a == "兄弟姐妹":
        return "兄弟姐妹"
    if a in GRANDCHILD:
        return _grandparent(a, head_sex)
    if a == "儿媳":
        return _by_sex(head_sex, "公公", "婆婆", "公婆")
    if a == "女婿":
        return _by_sex(head_sex, "岳父", "岳母", "岳父母")
    if a == "祖父母":
        return None  # 孙子女 or 外孙子女: the registry does not say
    return None


def relate_members(members: list[dict], applicant: dict) -> None:
    """Set ``relation_to_applicant`` on each member dict (keys ``id``, ``relation``, ``sex``)."""
    head = next((m for m in members if m.get("relation") == HEAD), None)
    for m in members:
        m["relation_to_applicant"] = relation_to_applicant(
            applicant.get("relation"), m.get("relation"), member_sex=m.get("sex"),
            head_sex=head.get("sex") if head else None, same_person=m.get("id") == applicant.get("id"))
