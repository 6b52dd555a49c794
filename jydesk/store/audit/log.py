"""Reading the audit log with plain SQL (``store.sql()``): what kind an entry is, who wrote it, one
record's history (修改记录), and the filtered, windowed 操作日志 (like the registry lists:
``count()``/``estimate()``/``page()``/``prepare()``, newest first).

Times are stored in UTC; the clerk sees and filters by China time (UTC+8, no daylight saving).
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jydesk.domain.field_labels import FIELD_LABELS
from jydesk.domain.idnumber import mask
from jydesk.store.audit.chain import stored_changes

if TYPE_CHECKING:
    from jydesk.store.database import Store

CHINA = timedelta(hours=8)
SERVER_ID = "server"
SERVER_NAME = "市级平台"

#: The kinds the 操作日志 filters by (in menu order) -> the actions each covers.
KINDS: dict[str, tuple[str, ...]] = {
    "新增": ("create", "create_user"),
    "修改": ("update", "role_changed", "password_changed", "password_reset", "user_activated",
             "user_deactivated", "setup", "settings", "holiday"),
    "删除": ("delete",),
    "查看身份证号": ("reveal",),
    "打印": ("print",),
    "导出": ("export",),
    "登录": ("login", "login_failed", "password_failed", "switch_user"),
    "锁定": ("lock",),
    "同步": ("sync",),
    "备份恢复": ("backup", "restore"),
}
KIND_OF: dict[str, str] = {action: kind for kind, actions in KINDS.items() for action in actions}
ACTION_NAMES: dict[str, str] = {
    "create": "新增", "update": "修改", "delete": "删除", "reveal": "查看身份证号", "print": "打印",
    "export": "导出", "login": "登录", "login_failed": "登录失败", "password_failed": "改密码时密码错误",
    "switch_user": "切换专干", "lock": "锁定", "sync": "同步", "backup": "备份", "restore": "恢复",
    "create_user": "新增账号", "role_changed": "修改角色", "password_changed": "修改密码",
    "password_reset": "重置密码", "user_activated": "启用账号", "user_deactivated": "停用账号",
    "setup": "设置本机", "settings": "修改设置", "holiday": "节假日",
}
ENTITY_NAMES: dict[str, str] = {
    "household": "家庭户", "person": "人员", "case": "申请", "case_event": "办理记录", "visit": "探访",
    "follow_up": "跟进事项", "attachment": "附件", "user": "账号", "installation": "本机", "holiday": "节假日",
}
#: Fields whose values are 身份证号 (masked unless the viewer revealed them).
ID_FIELDS = frozenset({"id_number"})


def to_local(at: datetime | str | None) -> datetime | None:
    """A stored UTC time -> China time."""
    if at is None:
        return None
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at + CHINA


def utc_bound(day: date) -> str:
    """The stored-time text of 00:00 China time on ``day`` (for range filters); the ends of the
    calendar clamp (before every entry / after every entry)."""
    try:
        return (datetime.combine(day, datetime.min.time()) - CHINA).isoformat(sep=" ", timespec="microseconds")
    except OverflowError:
        return ""


def who(actor_id: str, actor_name: str, detail: str | None = None) -> str:
    """The name an entry is shown under: the clerk, or 市级平台 (with the reviewer, when known)."""
    if actor_id != SERVER_ID:
        return actor_name
    reviewer = reviewer_of(detail)
    return f"{SERVER_NAME}（{reviewer}）" if reviewer else SERVER_NAME


def reviewer_of(detail: str | None) -> str | None:
    """The reviewer named in a server entry's detail (``来自市级平台（审核人：X）``)."""
    if detail and "审核人：" in detail:
        name = detail.split("审核人：", 1)[1]
        return name[:-1] if name.endswith("）") else name
    return None


def label(field_name: str) -> str:
    """Chinese label of a changed field (form values: ``data.<key>`` -> the key's label or the key)."""
    if field_name.startswith("data."):
        key = field_name[5:]
        return FIELD_LABELS.get(key, key)
    return FIELD_LABELS.get(field_name, field_name)


def show_value(field_name: str, value: Any, revealed: bool) -> str:
    """A before/after value as text; 身份证号 masked unless ``revealed``."""
    if value is None or value == "" or value == [] or value == {}:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if field_name in ID_FIELDS and not revealed:
        return mask(text)
    return text


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One entry as the lists show it (``at`` in China time)."""

    id: int
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    entity: str | None
    record_id: str | None
    detail: str | None
    changes: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def who(self) -> str:
        return who(self.actor_id, self.actor_name, self.detail)

    @property
    def kind(self) -> str:
        return KIND_OF.get(self.action, "其他")

    @property
    def action_name(self) -> str:
        return ACTION_NAMES.get(self.action, self.action)

    @property
    def entity_name(self) -> str:
        return ENTITY_NAMES.get(self.entity or "", self.entity or "")

    def field_changes(self) -> list[FieldChange]:
        """Changed fields with labels, in the order stored (entries without changes: none)."""
        changes = self.changes if isinstance(self.changes, dict) else {}
        out = []
        for name, pair in changes.items():
            before, after = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
            out.append(FieldChange(name, label(name), before, after))
        return out

    def summary(self, revealed: bool = False) -> str:
        """One line: ``姓名：张三 → 张山；月收入：（空） → 800``."""
        parts = [f"{c.label}：{show_value(c.field, c.before, revealed)} → {show_value(c.field, c.after, revealed)}"
                 for c in self.field_changes()]
        return "；".join(parts)


_COLUMNS = "id, at, actor_id, actor_name, action, entity, record_id, detail, changes"


def _row(r: Sequence[Any]) -> AuditRow:
    return AuditRow(r[0], to_local(r[1]) or datetime.min, r[2], r[3], r[4], r[5], r[6], r[7], stored_changes(r[8]))


# ---- one record's history (修改记录) ----

#: Child records shown in a record's history: entity -> (table, column naming the parent).
_CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "household": (("persons", "household_id"),),
    "case": (("case_events", "case_id"),),
    "visit": (("follow_ups", "visit_id"),),
}


def history(db: sqlite3.Connection, entity: str, record_id: str) -> list[AuditRow]:
    """Every entry about one household, person, case or visit, oldest first: its own changes,
    reveals and prints, and those of its members (household), 办理记录 (case) or 跟进事项 (visit)."""
    ids = [record_id]
    for table, column in _CHILDREN.get(entity, ()):
        ids += [r[0] for r in db.execute(f"SELECT id FROM {table} WHERE {column} = ?", (record_id,))]
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE record_id IN ({marks}) ORDER BY id", ids)
    return [_row(r) for r in rows]


def record_names(db: sqlite3.Connection, rows: Sequence[AuditRow]) -> dict[str, str]:
    """record id -> what the lists call it (``人员 张三``) for the people, households and accounts
    the rows name; other records by their kind only."""
    ids: dict[str, set[str]] = {}
    for row in rows:
        if row.record_id:
            ids.setdefault(row.entity or "", set()).add(row.record_id)
    names: dict[str, str] = {}
    sources = {"person": "SELECT id, name FROM persons", "household": "SELECT id, address FROM households",
               "user": "SELECT id, display_name FROM users",
               "case": "SELECT c.id, p.name || ' ' || coalesce(c.register_no, c.form_code) FROM cases c "
                       "LEFT JOIN persons p ON p.id = c.applicant_id",
               "visit": "SELECT v.id, p.name || ' ' || v.visited_on FROM visits v LEFT JOIN persons p ON p.id = v.person_id"}
    for entity, wanted in ids.items():
        kind = ENTITY_NAMES.get(entity, entity)
        found: dict[str, str] = {}
        if entity in sources:
            marks = ",".join("?" * len(wanted))
            alias = sources[entity].split(" FROM ", 1)[1].split()[1] + "." if " LEFT JOIN " in sources[entity] else ""
            found = dict(db.execute(f"{sources[entity]} WHERE {alias}id IN ({marks})", sorted(wanted)).fetchall())
        for rid in wanted:
            names[rid] = f"{kind} {found[rid]}" if found.get(rid) else kind
    return names


# ---- the whole log, filtered (操作日志) ----

#: Newest first by time (what the clerk expects, and what the time-ordered indexes deliver for each
#: filter: ``at``, ``(actor_id, at)``, ``(action, at)``), the id breaking ties.
ORDER = "at DESC, id DESC"


@dataclass(frozen=True, slots=True)
class LogFilter:
    """What the 操作日志 shows: one clerk (actor id), a date range (China time, inclusive), a
    kind (``KINDS`` key), one record. Empty fields do not filter."""

    actor_id: str | None = None
    since: date | None = None
    until: date | None = None
    kind: str | None = None
    record_id: str | None = None

    def where(self, with_kind: bool = True) -> tuple[str, list[Any]]:
        """The WHERE clause and its parameters (``with_kind=False``: all but the kind)."""
        clauses, params = ["1"], []
        if self.actor_id:
            clauses.append("actor_id = ?")
            params.append(self.actor_id)
        if self.since:
            clauses.append("at >= ?")
            params.append(utc_bound(self.since))
        if self.until and self.until < date.max:
            clauses.append("at < ?")
            params.append(utc_bound(self.until + timedelta(days=1)))
        if self.kind and with_kind:
            clauses.append(f"action IN ({','.join('?' * len(self.actions))})")
            params += self.actions
        if self.record_id:
            clauses.append("record_id = ?")
            params.append(self.record_id)
        return " AND ".join(clauses), params

    @property
    def actions(self) -> tuple[str, ...]:
        """The actions of the kind filtered by (none: every action)."""
        if not self.kind:
            return ()
        actions = KINDS.get(self.kind)
        if actions is None:
            raise ValueError(f"未知的操作类型“{self.kind}”，可选：{'、'.join(KINDS)}")
        return actions

    def keys_sql(self) -> tuple[str, list[Any]]:
        """``SELECT id, at`` of the matching entries newest first. A kind of several actions is a
        UNION ALL of one arm per action, which SQLite merges in order, each arm walking the
        ``(action, at)`` index: no sort of half the log for 修改."""
        actions = self.actions
        if len(actions) <= 1:
            where, params = self.where()
            return f"SELECT id, at FROM audit_log WHERE {where} ORDER BY {ORDER}", params
        where, params = self.where(with_kind=False)
        arm = f"SELECT id, at FROM audit_log WHERE {where} AND action = ?"
        return " UNION ALL ".join([arm] * len(actions)) + " ORDER BY 2 DESC, 1 DESC", \
            [p for action in actions for p in (*params, action)]


ESTIMATE_CAP = 2_000


class AuditListing:
    """The filtered log, newest first, windowed: ``estimate()`` for the first paint (exact up to
    ``ESTIMATE_CAP``), pages by ``LIMIT/OFFSET`` over the narrow id query until ``prepare()``
    (worker) has loaded the whole order as an array of ids; then any page is an id lookup."""

    def __init__(self, store: Store, where: LogFilter | None = None) -> None:
        self.store = store
        self.filter = where or LogFilter()
        self._where, self._params = self.filter.where()
        self._keys_sql, self._keys_params = self.filter.keys_sql()
        self._keys: array[int] | None = None

    @property
    def prepared(self) -> bool:
        return self._keys is not None

    def estimate(self) -> int:
        with self.store.sql() as db:
            return int(db.execute(f"SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE {self._where} "
                                  f"LIMIT {ESTIMATE_CAP})", self._params).fetchone()[0])

    def count(self) -> int:
        if self._keys is not None:
            return len(self._keys)
        with self.store.sql() as db:
            return int(db.execute(f"SELECT count(*) FROM audit_log WHERE {self._where}", self._params).fetchone()[0])

    def prepare(self) -> None:
        with self.store.sql() as db:
            keys: array[int] = array("q")
            cursor = db.execute(self._keys_sql, self._keys_params)
            while chunk := cursor.fetchmany(50_000):
                keys.extend(r[0] for r in chunk)
        self._keys = keys

    def page(self, offset: int, limit: int) -> list[AuditRow]:
        with self.store.sql() as db:
            if self._keys is None:
                wanted = [r[0] for r in db.execute(f"{self._keys_sql} LIMIT ? OFFSET ?",
                                                   [*self._keys_params, limit, offset])]
            else:
                wanted = self._keys[offset:offset + limit].tolist()
            if not wanted:
                return []
            rows = db.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE id IN ({','.join('?' * len(wanted))})",
                              wanted).fetchall()
        by_id = {r[0]: r for r in rows}
        return [_row(by_id[k]) for k in wanted if k in by_id]

    def rows(self, batch: int = 5000) -> Any:
        """Every matching entry, newest first, read in batches (export, the command line)."""
        before: list[Any] = []
        while True:
            extra = " AND (at, id) < (?, ?)" if before else ""
            with self.store.sql() as db:
                found = db.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE {self._where}{extra} "
                                   f"ORDER BY {ORDER} LIMIT {batch}", self._params + before).fetchall()
            if not found:
                return
            yield from (_row(r) for r in found)
            before = [found[-1][1], found[-1][0]]


def last_visit_id(db: sqlite3.Connection, person_id: str) -> str | None:
    """The person's most recent visit (the one whose 修改记录 the 待探访 list opens)."""
    row = db.execute("SELECT id FROM visits WHERE person_id = ? AND deleted = 0 ORDER BY visited_on DESC, id DESC "
                     "LIMIT 1", (person_id,)).fetchone()
    return row[0] if row else None


def clerks(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """(actor id, name) choices of the clerk filter: the accounts, then 市级平台 and 系统."""
    rows = [(r[0], r[1]) for r in db.execute("SELECT id, display_name FROM users ORDER BY display_name")]
    return [*rows, (SERVER_ID, SERVER_NAME), ("cli", "命令行"), ("system", "系统")]
