"""Loading and checking forms/*.toml: every definition loads, broken ones say where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from jydesk.domain.forms import (
    DefinitionError,
    FieldType,
    FormDefinition,
    UnknownFormError,
    get_definition,
    load_definitions,
    load_file,
)
from jydesk.paths import forms_dir

CODES = {"dibao", "dibao-auth", "tekun", "linshi", "canji", "gaoling", "wuren", "visit", "notice", "review", "proof"}
MINIMAL = '''
code = "{code}"
title = "测试表"

[[sections]]
key = "main"
title = "基本情况"

  [[sections.fields]]
  key = "name"
  label = "姓名"
  required = true
'''


def write(tmp_path: Path, text: str, code: str = "test") -> Path:
    path = tmp_path / f"{code}.toml"
    path.write_text(text, "utf-8")
    return path


def test_every_shipped_definition_loads() -> None:
    definitions = load_definitions()
    assert set(definitions) == CODES
    for code, defn in definitions.items():
        assert isinstance(defn, FormDefinition) and defn.code == code and defn.title
        assert defn.fields and all(f.key and f.label for f in defn.fields)
        assert defn.copies >= 1


def test_interface_facts_of_the_forms() -> None:
    defs = load_definitions()
    assert {c for c, d in defs.items() if not d.case_type} == {"visit", "dibao-auth", "notice", "review", "proof"}
    assert defs["dibao"].publicity_days == 7 and defs["gaoling"].publicity_days == 5
    assert defs["wuren"].publicity_days == 0
    assert defs["gaoling"].copies == 3 and defs["linshi"].copies == 2
    assert set(defs["dibao-auth"].companion_of) == {"dibao", "tekun", "linshi"}
    members = defs["dibao"].field("members")
    assert members.type is FieldType.TABLE and members.prefill == "members"
    assert [c.key for c in members.columns][:4] == ["person_id", "name", "relation", "id_number"]
    assert defs["dibao"].field("town_opinion").filled_by.value == "town"
    # the visit form's keys match the visit row's columns
    visit = defs["visit"]
    for key in ("visited_on", "method", "visitors", "follow_up_needed", "next_visit_on"):
        assert visit.has_field(key)
    # keys the case workflow reads exist on every publicised form
    for code in ("dibao", "tekun", "linshi", "canji", "gaoling"):
        for key in ("applied_on", "publicity_start", "publicity_end", "publicity_objection", "objection_handling"):
            assert defs[code].has_field(key), (code, key)


def test_default_definitions_are_cached() -> None:
    assert load_definitions()["dibao"] is load_definitions()["dibao"]
    assert get_definition("dibao") is load_definitions()["dibao"]


def test_unknown_form_is_a_key_error_with_a_chinese_message() -> None:
    with pytest.raises(UnknownFormError) as info:
        get_definition("dibaoo")
    assert isinstance(info.value, KeyError) and isinstance(info.value, DefinitionError)
    assert str(info.value).startswith("没有编码为“dibaoo”的表单") and "最低生活保障申请审核确认表" in str(info.value)


def test_minimal_definition_loads(tmp_path: Path) -> None:
    defn = load_file(write(tmp_path, MINIMAL.format(code="test")))
    assert defn.keys == ("name",) and defn.field("name").required and defn.case_type


@pytest.mark.parametrize(("change", "where", "why"), [
    (('label = "姓名"', 'label = "姓名"\n  type = "idnum"'), "字段“name”", "未知的字段类型“idnum”"),
    (('required = true', 'required = true\n  maxlength = 5'), "字段“name”", "未知的设置项“maxlength”"),
    (('required = true', 'required = true\n  prefill = "applicant.nmae"'), "字段“name”", "applicant.nmae"),
    (('required = true', 'required = true\n  prefill = "spouse.name"'), "字段“name”", "来源“spouse”未知"),
    (('required = true', 'type = "choice"'), "字段“name”", "需要 choices"),
    (('required = true', 'type = "integer"\n  compute = "count(members)"'), "字段“name”", "不存在的字段“members”"),
    (('required = true', 'compute = "__import__(\'os\')"'), "字段“name”", "不支持"),
    (('required = true', 'type = "money"\n  min = "abc"'), "字段“name”", "min 应为数字"),
    (('required = true', 'pattern = "[0-9"'), "字段“name”", "不是有效的正则表达式"),
    (('required = true', 'span = 9'), "字段“name”", "span"),
    (('title = "测试表"', 'title = "测试表"\ncopies = 0'), "", "copies"),
    (('key = "main"', 'key = "main"\nkind = "table"'), "分节“main”", "未知的分节类型“table”"),
])
def test_broken_definition_names_file_and_field(tmp_path: Path, change: tuple[str, str], where: str, why: str) -> None:
    text = MINIMAL.format(code="test").replace(*change, 1)
    with pytest.raises(DefinitionError) as info:
        load_file(write(tmp_path, text))
    message = str(info.value)
    assert message.startswith(f"表单定义 {tmp_path.name}/test.toml 有误")
    assert where in message and why in message


def test_duplicate_field_key(tmp_path: Path) -> None:
    text = MINIMAL.format(code="test") + '\n  [[sections.fields]]\n  key = "name"\n  label = "别名"\n'
    with pytest.raises(DefinitionError, match=r"字段“name”.*字段 key 重复"):
        load_file(write(tmp_path, text))


def test_code_must_match_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="应与文件名“other”一致"):
        load_file(write(tmp_path, MINIMAL.format(code="test"), code="other"))


def test_toml_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"test\.toml 有误：TOML 语法错误"):
        load_file(write(tmp_path, MINIMAL.format(code="test") + "\nthis is not toml\n"))


def test_rule_on_a_missing_field(tmp_path: Path) -> None:
    text = MINIMAL.format(code="test") + '\n[[rules]]\nkind = "required_if"\nfield = "name"\nwhen = { field = "nam", filled = true }\n'
    with pytest.raises(DefinitionError, match="条件引用了不存在的字段“nam”"):
        load_file(write(tmp_path, text))


def test_computed_fields_may_not_form_a_cycle(tmp_path: Path) -> None:
    text = MINIMAL.format(code="test") + '''
  [[sections.fields]]
  key = "a"
  label = "甲"
  type = "integer"
  compute = "b + 1"

  [[sections.fields]]
  key = "b"
  label = "乙"
  type = "integer"
  compute = "a + 1"
'''
    with pytest.raises(DefinitionError, match="循环引用"):
        load_file(write(tmp_path, text))


def test_directory_checks_companions_and_ignores_other_files(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL.format(code="test"))
    (tmp_path / "README.md").write_text("# 说明", "utf-8")
    assert set(load_definitions(tmp_path)) == {"test"}
    write(tmp_path, MINIMAL.format(code="auth").replace('title = "测试表"', 'title = "授权"\ncompanion_of = ["nope"]'),
          code="auth")
    with pytest.raises(DefinitionError, match=r"auth\.toml 有误：companion_of：.*“nope”不存在"):
        load_definitions(tmp_path)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"没有任何 \.toml"):
        load_definitions(tmp_path)


def test_forms_dir_points_at_the_shipped_definitions() -> None:
    assert (forms_dir() / "dibao.toml").is_file() and (forms_dir() / "README.md").is_file()
