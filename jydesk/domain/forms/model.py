"""The parsed form definition as plain data: fields, sections, rules and print-layout hints.

Instances are built by :mod:`jydesk.domain.forms.loader` from forms/<code>.toml and are
immutable. This module is the bottom of the package: validation, expressions and prefill read
these types, and :class:`jydesk.domain.forms.definition.FormDefinition` adds the behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jydesk.domain.forms.conditions import Condition
    from jydesk.domain.forms.expressions import Expression


class FieldType(StrEnum):
    TEXT = "text"
    LONGTEXT = "longtext"
    INTEGER = "integer"
    MONEY = "money"  # 元, two decimals, stored as "1234.50"
    NUMBER = "number"  # decimal with ``decimals`` places (e.g. 住房面积)
    DATE = "date"  # stored as "YYYY-MM-DD"
    CHOICE = "choice"
    MULTICHOICE = "multichoice"
    BOOL = "bool"  # 是/否
    ID_NUMBER = "id_number"
    PHONE = "phone"
    BANK_ACCOUNT = "bank_account"
    PERSON = "person_ref"  # id of a person record
    HOUSEHOLD = "household_ref"  # id of a household record
    TABLE = "table"  # repeating rows with ``columns``
    SIGNATURE = "signature"  # print-only: an empty box signed by hand; holds no value


# Types whose value is not kept in the record.
NO_VALUE_TYPES = frozenset({FieldType.SIGNATURE})
# Types printed by default (references are links for the UI, not paper content).
HIDDEN_BY_DEFAULT = frozenset({FieldType.PERSON, FieldType.HOUSEHOLD})


class SectionKind(StrEnum):
    HEADER = "header"  # fields printed on the line under the title, beside 编号
    FIELDS = "fields"  # a grid of label/value cells
    TEXT = "text"  # fixed wording (declarations), may quote field values as {key}
    OPINION = "opinion"  # one level's 意见 + 签名 + (盖章) + 年 月 日
    SIGNATURE = "signature"  # declaration + applicant signature/fingerprint + date


class FilledBy(StrEnum):
    """Who fills a field: the UI shows town/county fields read-only to the village clerk."""

    VILLAGE = "village"
    TOWN = "town"
    COUNTY = "county"


@dataclass(frozen=True, slots=True)
class FieldLayout:
    """Print hints for one field (all optional in the TOML)."""

    span: int = 0  # value cell width in grid units; 0 = rest of the row
    label_span: int = 1
    newline: bool = False  # start a new grid row
    lines: int = 0  # fixed height in text lines (long text boxes)
    printed: bool = True
    align: str = ""  # "left" / "center"; default by type
    width: float = 1.0  # relative column width (table columns)
    print_rows: int = 0  # table rows printed at least (blank rows to write in)
    date_style: str = "day"  # "day" = 2024年5月3日, "month" = 2024年5月


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    label: str
    type: FieldType
    section: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    columns: tuple[FieldSpec, ...] = ()
    row_rules: tuple[RuleSpec, ...] = ()
    prefill: str | None = None
    compute: Expression | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_value: Any = None  # int / Decimal / date / "today", by type
    max_value: Any = None
    decimals: int = 2
    pattern: str | None = None
    pattern_message: str | None = None
    min_rows: int = 0
    max_rows: int | None = None
    unit: str = ""
    hint: str = ""
    filled_by: FilledBy = FilledBy.VILLAGE
    layout: FieldLayout = FieldLayout()

    @property
    def stores_value(self) -> bool:
        return self.type not in NO_VALUE_TYPES

    @property
    def printed(self) -> bool:
        return self.layout.printed

    def column(self, key: str) -> FieldSpec:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class SectionSpec:
    key: str
    kind: SectionKind
    title: str = ""
    fields: tuple[FieldSpec, ...] = ()
    side_title: bool = True  # print the title in a merged left column
    text: str = ""  # TEXT sections; SIGNATURE declaration
    note: str = ""  # small print under the section (e.g. 未成年人不公示)
    signers: tuple[str, ...] = ()  # OPINION: 经办人, 负责人 …; SIGNATURE: 申请人 …
    seal: bool = False  # OPINION: print （盖章）
    fingerprint: bool = False  # SIGNATURE: a box for the fingerprint
    row_height: float = 0.0  # mm; 0 = default
    lines: int = 0  # OPINION/SIGNATURE/TEXT body height in lines
    page_break_before: bool = False


class RuleKind(StrEnum):
    REQUIRED_IF = "required_if"  # field required when ``when`` holds
    INVALID_IF = "invalid_if"  # ``message`` reported on ``field`` when ``when`` holds
    EQUALS = "equals"  # field must equal ``expr`` (cross-field sums)
    COMPARE = "compare"  # field ``op`` other (dates or numbers)
    MIN_DAYS = "min_days"  # from ``start`` to ``end`` inclusive at least ``days`` days
    DISABILITY_CERT = "disability_cert"  # 残疾证号 ``field`` matches ``of`` = (身份证号, 类别, 等级)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    kind: RuleKind
    field: str
    message: str = ""
    when: Condition | None = None
    expr: Expression | None = None
    op: str = ""
    other: str = ""
    start: str = ""
    end: str = ""
    days: int = 0
    of: tuple[str, ...] = ()  # DISABILITY_CERT: the 身份证号, category and grade fields


@dataclass(frozen=True, slots=True)
class PageSpec:
    orientation: str = "portrait"  # or "landscape"
    grid: int = 8  # value/label grid units per row (beside the side-title column)
    side_width: float = 14.0  # mm; the merged section-title column
    row_height: float = 8.5  # mm; default minimum row height
    font_size: float = 10.5  # pt (五号)
    footer_note: str = ""  # e.g. 本表一式两份 (default from ``copies``)


@dataclass(frozen=True, eq=False)
class FormSpec:
    """One paper form as data (:class:`~jydesk.domain.forms.definition.FormDefinition` adds
    validation, prefill and computed values)."""

    code: str
    title: str
    source: Path
    case_type: bool
    publicity_days: int
    copies: int
    sections: tuple[SectionSpec, ...]
    rules: tuple[RuleSpec, ...] = ()
    companion_of: tuple[str, ...] = ()  # case forms this one may be printed for (授权书)
    description: str = ""
    page: PageSpec = PageSpec()
    # computed fields, each after the computed fields it reads (ordered by the loader)
    compute_order: tuple[FieldSpec, ...] = field(default=(), repr=False)
    version: int = 1  # a case records the version it was filled with (forms/history keeps old ones)
    register_name: str = ""  # the form's word in register numbers (低保 in 510185001001-低保-2026-01-0007)
    publicity_source: str = ""  # the rule the 公示 length (publicity_days) follows
    fields: tuple[FieldSpec, ...] = field(init=False)
    _by_key: dict[str, FieldSpec] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        fields = tuple(f for s in self.sections for f in s.fields)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "_by_key", {f.key: f for f in fields})

    def field(self, key: str) -> FieldSpec:
        """The field named ``key`` (KeyError if none)."""
        return self._by_key[key]

    def has_field(self, key: str) -> bool:
        return key in self._by_key

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.stores_value)

    @property
    def tables(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.type is FieldType.TABLE)
