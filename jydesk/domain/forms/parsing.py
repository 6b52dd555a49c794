"""Building a :class:`FormDefinition` from one file's parsed TOML, checking every section,
field and rule on the way (the format is documented in forms/README.md).

A broken definition raises :class:`DefinitionError` naming the file and the place at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jydesk.domain.forms import conditions, expressions
from jydesk.domain.forms.definition import FormDefinition
from jydesk.domain.forms.model import (
    HIDDEN_BY_DEFAULT,
    FieldLayout,
    FieldSpec,
    FieldType,
    FilledBy,
    PageSpec,
    RuleKind,
    RuleSpec,
    SectionKind,
    SectionSpec,
)
from jydesk.domain.forms.prefill import BindingError, check_binding
from jydesk.domain.forms.reading import (
    Where,
    check_keys,
    read_bool,
    read_float,
    read_int,
    read_list,
    read_opt_int,
    read_str,
    read_str_list,
)

_CODE = re.compile(r"^[a-z][a-z0-9-]*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
FORM_KEYS = {"code", "version", "register_name", "title", "case_type", "publicity_days", "publicity_source", "copies",
             "description",
             "companion_of", "page", "sections", "rules"}
PAGE_KEYS = {"orientation", "grid", "side_width", "row_height", "font_size", "footer_note"}
SECTION_KEYS = {"key", "kind", "title", "side_title", "text", "note", "signers", "seal", "fingerprint",
                "row_height", "lines", "page_break_before", "fields"}
FIELD_KEYS = {"key", "label", "type", "required", "choices", "aliases", "prefill", "compute", "min_length",
              "max_length", "min", "max", "decimals", "pattern", "pattern_message", "min_rows", "max_rows",
              "unit", "hint", "filled_by", "span", "label_span", "newline", "lines", "print", "align", "width",
              "print_rows", "date_style", "columns", "rules"}
RULE_KEYS = {"kind", "field", "message", "when", "expr", "op", "other", "start", "end", "days", "of"}
COMPARE_OPS = ("<", "<=", ">", ">=", "==", "!=")
TEXT_TYPES = {FieldType.TEXT, FieldType.LONGTEXT, FieldType.PHONE, FieldType.BANK_ACCOUNT}
RANGE_TYPES = {FieldType.INTEGER, FieldType.MONEY, FieldType.NUMBER, FieldType.DATE}
COMPUTE_TYPES = {FieldType.INTEGER, FieldType.MONEY, FieldType.NUMBER, FieldType.CHOICE, FieldType.DATE, FieldType.TEXT}


def parse_form(raw: Mapping[str, Any], top: Where) -> FormDefinition:
    """The definition in ``raw`` (one file's TOML, read from ``top.path``)."""
    check_keys(raw, FORM_KEYS, top)
    code = read_str(raw, "code", top, required=True)
    if not _CODE.match(code):
        raise top.at("code").fail(f"表单编码“{code}”只能由小写字母、数字和连字符组成")
    stem, _, tail = top.path.stem.partition(".v")  # forms/<code>.toml or forms/history/<code>.v<N>.toml
    if code != stem:
        raise top.at("code").fail(f"表单编码“{code}”应与文件名“{top.path.stem}”一致")
    version = read_int(raw, "version", top, default=1, low=1)
    if tail and tail != str(version):
        raise top.at("version").fail(f"版本号 {version} 与文件名“{top.path.name}”不一致")
    title = read_str(raw, "title", top, required=True)
    case_type = read_bool(raw, "case_type", top, default=True)
    publicity = read_int(raw, "publicity_days", top, default=0, low=0)
    copies = read_int(raw, "copies", top, default=1, low=1)
    page = _page(raw.get("page", {}), top.at("page"))
    sections_raw = raw.get("sections")
    if not isinstance(sections_raw, list) or not sections_raw:
        raise top.at("sections").fail("至少需要一个分节 [[sections]]")
    sections = []
    seen_fields: set[str] = set()
    seen_sections: set[str] = set()
    for index, section_raw in enumerate(sections_raw, 1):
        section = _section(section_raw, top.at(f"第{index}个分节"), page, seen_fields)
        if section.key in seen_sections:
            raise top.at(f"分节“{section.key}”").fail("分节 key 重复")
        seen_sections.add(section.key)
        sections.append(section)
    field_map = {f.key: f for s in sections for f in s.fields}
    rules = tuple(_rule(r, top.at(f"规则 {i}"), field_map) for i, r in enumerate(read_list(raw, "rules", top), 1))
    companion_of = tuple(read_str_list(raw, "companion_of", top))
    for section in sections:
        _check_section_text(section, field_map, top)
        for spec in section.fields:
            _check_compute(spec, field_map, top.at(f"字段“{spec.key}”"))
    try:
        order = expressions.compute_order(tuple(field_map.values()))
    except expressions.ExpressionError as exc:
        raise top.at("计算字段").fail(str(exc)) from None
    return FormDefinition(code=code, version=version, register_name=read_str(raw, "register_name", top),
                          title=title, source=top.path, case_type=case_type,
                          publicity_days=publicity, publicity_source=read_str(raw, "publicity_source", top),
                          copies=copies, sections=tuple(sections), rules=rules,
                          companion_of=companion_of, description=read_str(raw, "description", top), page=page,
                          compute_order=order)


def _page(raw: Any, where: Where) -> PageSpec:
    if not isinstance(raw, Mapping):
        raise where.fail("[page] 应为表")
    check_keys(raw, PAGE_KEYS, where)
    orientation = read_str(raw, "orientation", where) or "portrait"
    if orientation not in ("portrait", "landscape"):
        raise where.at("page.orientation").fail("只能是 portrait（纵向）或 landscape（横向）")
    default = PageSpec()
    return PageSpec(orientation=orientation, grid=read_int(raw, "grid", where, default=default.grid, low=2, high=24),
                    side_width=read_float(raw, "side_width", where, default.side_width),
                    row_height=read_float(raw, "row_height", where, default.row_height),
                    font_size=read_float(raw, "font_size", where, default.font_size),
                    footer_note=read_str(raw, "footer_note", where))


def _section(raw: Any, where: Where, page: PageSpec, seen: set[str]) -> SectionSpec:
    if not isinstance(raw, Mapping):
        raise where.fail("分节应为表")
    check_keys(raw, SECTION_KEYS, where)
    key = read_str(raw, "key", where, required=True)
    if not _KEY.match(key):
        raise where.fail(f"分节 key“{key}”只能由小写字母、数字和下划线组成")
    where = where.at(f"分节“{key}”")
    kind_text = read_str(raw, "kind", where) or "fields"
    try:
        kind = SectionKind(kind_text)
    except ValueError:
        raise where.fail(f"未知的分节类型“{kind_text}”（可用：{'、'.join(k.value for k in SectionKind)}）") from None
    fields = []
    for index, field_raw in enumerate(read_list(raw, "fields", where), 1):
        spec = _field(field_raw, where.at(f"分节“{key}”第{index}个字段"), key, page, in_table=False)
        if spec.key in seen:
            raise where.at(f"字段“{spec.key}”").fail("字段 key 重复")
        seen.add(spec.key)
        fields.append(spec)
    section = SectionSpec(
        key=key, kind=kind, title=read_str(raw, "title", where), fields=tuple(fields),
        side_title=read_bool(raw, "side_title", where, default=kind in (SectionKind.FIELDS, SectionKind.OPINION)),
        text=read_str(raw, "text", where), note=read_str(raw, "note", where),
        signers=tuple(read_str_list(raw, "signers", where)), seal=read_bool(raw, "seal", where, default=False),
        fingerprint=read_bool(raw, "fingerprint", where, default=False),
        row_height=read_float(raw, "row_height", where, 0.0), lines=read_int(raw, "lines", where, default=0, low=0),
        page_break_before=read_bool(raw, "page_break_before", where, default=False),
    )
    _check_kind(section, where)
    return section


def _check_kind(section: SectionSpec, where: Where) -> None:
    types = [f.type for f in section.fields]
    if section.kind is SectionKind.HEADER and any(t in (FieldType.TABLE, FieldType.LONGTEXT) for t in types):
        raise where.fail("表头分节只能放单行字段")
    if section.kind is SectionKind.TEXT and not section.text:
        raise where.fail("文字分节需要 text")
    if section.kind is SectionKind.OPINION:
        if types.count(FieldType.LONGTEXT) > 1 or types.count(FieldType.DATE) > 1:
            raise where.fail("意见分节最多一个长文本（意见）和一个日期字段")
        allowed = {FieldType.LONGTEXT, FieldType.DATE, FieldType.CHOICE, FieldType.BOOL, FieldType.TEXT,
                   FieldType.MONEY, FieldType.INTEGER}
        if any(t not in allowed for t in types):
            raise where.fail("意见分节只能包含意见（长文本）、日期、单选、是/否、文本、金额和整数字段")
    if section.kind is SectionKind.SIGNATURE and any(t is not FieldType.DATE for t in types):
        raise where.fail("签名分节只能包含一个日期字段")
    if section.kind is SectionKind.OPINION and not section.title:
        raise where.fail("意见分节需要 title（如 村(居)委会意见）")


def _field(raw: Any, where: Where, section: str, page: PageSpec, *, in_table: bool) -> FieldSpec:
    if not isinstance(raw, Mapping):
        raise where.fail("字段应为表")
    key = read_str(raw, "key", where, required=True)
    if not _KEY.match(key):
        raise where.fail(f"字段 key“{key}”只能由小写字母、数字和下划线组成，且以字母开头")
    where = where.at(f"字段“{key}”")
    check_keys(raw, FIELD_KEYS, where)
    label = read_str(raw, "label", where, required=True)
    type_text = read_str(raw, "type", where) or "text"
    try:
        kind = FieldType(type_text)
    except ValueError:
        raise where.fail(f"未知的字段类型“{type_text}”（可用：{'、'.join(t.value for t in FieldType)}）") from None
    if in_table and kind is FieldType.TABLE:
        raise where.fail("表格的列不能再是表格")
    choices = tuple(read_str_list(raw, "choices", where))
    if kind in (FieldType.CHOICE, FieldType.MULTICHOICE):
        if not choices:
            raise where.fail("单选/多选字段需要 choices")
        if len(set(choices)) != len(choices):
            raise where.fail("choices 有重复项")
    elif choices:
        raise where.fail("只有单选/多选字段可以有 choices")
    aliases_raw = raw.get("aliases", {})
    if not isinstance(aliases_raw, Mapping) or not all(isinstance(v, str) for v in aliases_raw.values()):
        raise where.fail("aliases 应为 { 别名 = \"选项\" } 形式的表")
    bad_alias = [v for v in aliases_raw.values() if v not in choices]
    if bad_alias:
        raise where.fail(f"aliases 指向的“{bad_alias[0]}”不在 choices 中")
    columns: tuple[FieldSpec, ...] = ()
    row_rules: tuple[RuleSpec, ...] = ()
    if kind is FieldType.TABLE:
        cols = [_field(c, where.at(f"字段“{key}”第{i}列"), section, page, in_table=True)
                for i, c in enumerate(read_list(raw, "columns", where), 1)]
        if not cols:
            raise where.fail("表格需要至少一列 [[...columns]]")
        col_keys = [c.key for c in cols]
        dup = {k for k in col_keys if col_keys.count(k) > 1}
        if dup:
            raise where.fail(f"表格列 key 重复：{'、'.join(sorted(dup))}")
        columns = tuple(cols)
        col_map = {c.key: c for c in cols}
        row_rules = tuple(_rule(r, where.at(f"字段“{key}”行规则 {i}"), col_map)
                          for i, r in enumerate(read_list(raw, "rules", where), 1))
    elif "columns" in raw or "rules" in raw:
        raise where.fail("只有表格字段可以有 columns 和 rules")
    min_value = _bound(raw, "min", kind, where)
    max_value = _bound(raw, "max", kind, where)
    pattern = read_str(raw, "pattern", where) or None
    if pattern:
        if kind not in TEXT_TYPES:
            raise where.fail("只有文本类字段可以有 pattern")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise where.fail(f"pattern 不是有效的正则表达式（{exc}）") from None
    filled_by_text = read_str(raw, "filled_by", where) or "village"
    try:
        filled_by = FilledBy(filled_by_text)
    except ValueError:
        raise where.fail(f"filled_by 只能是 {'、'.join(f.value for f in FilledBy)}") from None
    compute_text = read_str(raw, "compute", where)
    compute = None
    if compute_text:
        if in_table:
            raise where.fail("表格列不支持 compute")
        if kind not in COMPUTE_TYPES:
            raise where.fail(f"{kind.value} 类型的字段不能是计算字段")
        try:
            compute = expressions.parse(compute_text)
        except expressions.ExpressionError as exc:
            raise where.fail(str(exc)) from None
    layout = _layout(raw, where, kind, page, in_table)
    spec = FieldSpec(
        key=key, label=label, type=kind, section=section, required=read_bool(raw, "required", where, default=False),
        choices=choices, aliases=dict(aliases_raw), columns=columns, row_rules=row_rules,
        prefill=read_str(raw, "prefill", where) or None, compute=compute,
        min_length=read_opt_int(raw, "min_length", where), max_length=read_opt_int(raw, "max_length", where),
        min_value=min_value, max_value=max_value, decimals=read_int(raw, "decimals", where, default=2, low=0, high=6),
        pattern=pattern, pattern_message=read_str(raw, "pattern_message", where) or None,
        min_rows=read_int(raw, "min_rows", where, default=0, low=0), max_rows=read_opt_int(raw, "max_rows", where),
        unit=read_str(raw, "unit", where) or ("元" if kind is FieldType.MONEY else ""),
        hint=read_str(raw, "hint", where), filled_by=filled_by, layout=layout,
    )
    if spec.prefill:
        try:
            check_binding(spec.prefill, spec, in_table=in_table)
        except BindingError as exc:
            raise where.fail(str(exc)) from None
    if spec.required and not spec.stores_value:
        raise where.fail("签名栏不保存数据，不能设为 required")
    return spec


def _layout(raw: Mapping[str, Any], where: Where, kind: FieldType, page: PageSpec, in_table: bool) -> FieldLayout:
    full = kind in (FieldType.TABLE, FieldType.LONGTEXT)
    span = read_int(raw, "span", where, default=0 if full else 1, low=0, high=page.grid)
    label_span = read_int(raw, "label_span", where, default=1, low=0, high=page.grid)
    if span + label_span > page.grid:
        raise where.fail(f"span + label_span 超过了每行 {page.grid} 格")
    align = read_str(raw, "align", where)
    if align not in ("", "left", "center", "right"):
        raise where.fail("align 只能是 left、center 或 right")
    date_style = read_str(raw, "date_style", where) or "day"
    if date_style not in ("day", "month"):
        raise where.fail("date_style 只能是 day 或 month")
    width = read_float(raw, "width", where, 1.0)
    if width <= 0:
        raise where.fail("width 应大于 0")
    return FieldLayout(span=span, label_span=label_span, newline=read_bool(raw, "newline", where, default=False),
                       lines=read_int(raw, "lines", where, default=0, low=0, high=40),
                       printed=read_bool(raw, "print", where, default=kind not in HIDDEN_BY_DEFAULT),
                       align=align, width=width, print_rows=read_int(raw, "print_rows", where, default=0, low=0, high=60),
                       date_style=date_style)


def _bound(raw: Mapping[str, Any], name: str, kind: FieldType, where: Where) -> Any:
    if name not in raw:
        return None
    value = raw[name]
    if kind not in RANGE_TYPES:
        raise where.fail(f"只有整数、金额、数字和日期字段可以有 {name}")
    if kind is FieldType.DATE:
        if value == "today" or isinstance(value, date):
            return value
        raise where.fail(f"{name} 应为日期（如 2020-01-01）或 \"today\"")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise where.fail(f"{name} 应为数字")
    if kind is FieldType.INTEGER:
        if not isinstance(value, int):
            raise where.fail(f"{name} 应为整数")
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise where.fail(f"{name} 应为数字") from None


def _rule(raw: Any, where: Where, fields: Mapping[str, FieldSpec]) -> RuleSpec:
    if not isinstance(raw, Mapping):
        raise where.fail("规则应为表")
    check_keys(raw, RULE_KEYS, where)
    kind_text = read_str(raw, "kind", where, required=True)
    try:
        kind = RuleKind(kind_text)
    except ValueError:
        raise where.fail(f"未知的规则类型“{kind_text}”（可用：{'、'.join(k.value for k in RuleKind)}）") from None
    target = read_str(raw, "field", where, required=True)
    where = where.at(f"{where.where}（{kind.value} {target}）")
    if target not in fields:
        raise where.fail(f"规则引用了不存在的字段“{target}”")
    message = read_str(raw, "message", where)
    when = None
    if kind in (RuleKind.REQUIRED_IF, RuleKind.INVALID_IF):
        if "when" not in raw:
            raise where.fail("需要 when 条件")
        try:
            when = conditions.parse(raw["when"])
        except conditions.ConditionError as exc:
            raise where.fail(str(exc)) from None
        missing = sorted(k for k in when.fields if k not in fields)
        if missing:
            raise where.fail(f"条件引用了不存在的字段“{missing[0]}”")
        if kind is RuleKind.INVALID_IF and not message:
            raise where.fail("invalid_if 规则需要 message")
    expr = None
    if kind is RuleKind.EQUALS:
        try:
            expr = expressions.parse(read_str(raw, "expr", where, required=True))
        except expressions.ExpressionError as exc:
            raise where.fail(str(exc)) from None
        _check_refs(expr, fields, where)
    op, other = "", ""
    if kind is RuleKind.COMPARE:
        op = read_str(raw, "op", where, required=True)
        if op not in COMPARE_OPS:
            raise where.fail(f"op 只能是 {' '.join(COMPARE_OPS)}")
        other = read_str(raw, "other", where, required=True)
        if other not in fields:
            raise where.fail(f"规则引用了不存在的字段“{other}”")
    start, end, days = "", "", 0
    if kind is RuleKind.MIN_DAYS:
        start, end = read_str(raw, "start", where, required=True), read_str(raw, "end", where, required=True)
        for key in (start, end):
            if key not in fields or fields[key].type is not FieldType.DATE:
                raise where.fail(f"“{key}”不是本表的日期字段")
        days = read_int(raw, "days", where, default=0, low=1)
    of = tuple(read_str_list(raw, "of", where))
    if kind is RuleKind.DISABILITY_CERT and (len(of) != 3 or any(k not in fields for k in of)):
        raise where.fail("disability_cert 规则的 of 应为本表的 [身份证号, 残疾类别, 残疾等级] 三个字段")
    return RuleSpec(kind=kind, field=target, message=message, when=when, expr=expr, op=op, other=other,
                    start=start, end=end, days=days, of=of)


def _check_refs(expr: expressions.Expression, fields: Mapping[str, FieldSpec], where: Where) -> None:
    for ref in sorted(expr.refs):
        if ref not in fields:
            raise where.fail(f"计算式“{expr.source}”引用了不存在的字段“{ref}”")
    for table, column in sorted(expr.column_refs):
        spec = fields[table]
        if spec.type is not FieldType.TABLE or column not in {c.key for c in spec.columns}:
            raise where.fail(f"计算式“{expr.source}”引用了不存在的表格列“{table}.{column}”")


def _check_compute(spec: FieldSpec, fields: Mapping[str, FieldSpec], where: Where) -> None:
    if spec.compute is not None:
        _check_refs(spec.compute, fields, where)


def _check_section_text(section: SectionSpec, fields: Mapping[str, FieldSpec], top: Where) -> None:
    for key in _PLACEHOLDER.findall(section.text):
        if key not in fields:
            raise top.at(f"分节“{section.key}”").fail(f"text 中的 {{{key}}} 不是本表的字段")
