"""A member's relation to the applicant from both relations to the 户主 (issue 18, item 1)."""

from __future__ import annotations

import pytest

from jydesk.domain.relations import relate_members, relation_to_applicant


@pytest.mark.parametrize(("applicant", "member", "member_sex", "head_sex", "expected"), [
    ("本人", "配偶", "女", "男", "配偶"),            # the head applies: the registry's relation as is
    ("本人", "孙女", "女", "男", "孙女"),
    ("子", "本人", "男", "男", "父亲"),              # applicant = 子女 of the head, member = 户主 → 父母
    ("女", "本人", "女", "女", "母亲"),
    ("子", "配偶", "女", "男", "母亲"),
    ("子", "女", "女", "男", "兄弟姐妹"),
    ("子", "父亲", "男", "男", "祖父"),
    ("女", "母亲", "女", "女", "外祖母"),
    ("配偶", "本人", "男", "男", "配偶"),
    ("配偶", "子", "男", "男", "子"),
    ("孙子", "本人", "男", "男", "祖父"),             # a grandchild whose grandparent is the head
    ("孙女", "配偶", "女", "男", "祖母"),
    ("外孙子女", "本人", "女", "女", "外祖母"),
    ("父亲", "本人", "男", "男", "子"),
    ("父亲", "母亲", "女", "男", "配偶"),
    ("父亲", "配偶", "女", "男", "儿媳"),
    ("父亲", "子", "男", "男", "孙子"),
    ("母亲", "女", "女", "女", "外孙子女"),
    ("儿媳", "本人", "女", "女", "婆婆"),
    ("兄弟姐妹", "父亲", "男", "男", "父亲"),
])
def test_derived_where_the_relations_to_the_head_decide(applicant: str, member: str, member_sex: str,
                                                       head_sex: str, expected: str) -> None:
    assert relation_to_applicant(applicant, member, member_sex=member_sex, head_sex=head_sex) == expected


@pytest.mark.parametrize(("applicant", "member"), [
    ("孙子", "子"),        # the head's son: the child's father or uncle
    ("孙女", "儿媳"),      # mother or aunt
    ("子", "孙子"),        # own child or nephew
    ("祖父母", "本人"),    # 孙子女 or 外孙子女
    ("其他", "本人"),
    ("孙女", "孙子"),      # brother or cousin
])
def test_undetermined_relations_are_left_to_the_clerk(applicant: str, member: str) -> None:
    assert relation_to_applicant(applicant, member, member_sex="男", head_sex="男") is None


def test_missing_relation_or_sex_gives_no_guess() -> None:
    assert relation_to_applicant(None, "本人") is None
    assert relation_to_applicant("子", "本人", member_sex=None) == "父母"
    assert relation_to_applicant("父亲", "配偶", member_sex=None) is None


def test_child_living_with_grandparents() -> None:
    """The wuren case of the issue: grandfather is the head, the child applies."""
    grandpa = {"id": "g1", "relation": "本人", "sex": "男"}
    grandma = {"id": "g2", "relation": "配偶", "sex": "女"}
    child = {"id": "c1", "relation": "孙子", "sex": "男"}
    uncle = {"id": "u1", "relation": "子", "sex": "男"}
    members = [grandpa, grandma, child, uncle]
    relate_members(members, child)
    assert [m["relation_to_applicant"] for m in members] == ["祖父", "祖母", "本人", None]
