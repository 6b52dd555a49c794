"""Checking a database file: the full ``PRAGMA integrity_check`` (background, before backups),
and duplicate 身份证号 among live persons, which the unique index refuses from now on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jydesk.store.connection import (
    Connection,
    DatabaseError,
    DatabaseFileError,
    IntegrityError,
    check_header,
    connect,
)

if TYPE_CHECKING:
    from jydesk.store.crypto import DataKey

log = logging.getLogger(__name__)

UNIQUE_ID_INDEX = "uq_persons_live_id_number"
CREATE_UNIQUE_ID_INDEX = (f"CREATE UNIQUE INDEX IF NOT EXISTS {UNIQUE_ID_INDEX} ON persons (village_code, id_number) "
                          "WHERE deleted = 0 AND id_number <> ''")
_DUPLICATES = """
SELECT id_number, group_concat(name || '（' || substr(id, -8) || '）', '、')
FROM persons WHERE deleted = 0 AND id_number <> ''
GROUP BY village_code, id_number HAVING count(*) > 1 ORDER BY id_number
"""


def integrity_problems(path: Path, key: DataKey, *, limit: int = 20) -> list[str]:
    """What ``PRAGMA integrity_check`` finds wrong with ``path`` (empty when the file is whole).

    Raises :class:`DatabaseFileError` when the file cannot be read as a database at all."""
    check_header(path, key)
    try:
        conn = connect(path, key, read_only=True)
        try:
            rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
        finally:
            conn.close()
    except DatabaseError as exc:
        raise DatabaseFileError(path, f"已损坏（{exc}）") from None
    found = [str(r[0]) for r in rows]
    return [] if found == ["ok"] else found


def check_file(path: Path, key: DataKey) -> None:
    """Raise :class:`DatabaseFileError` unless ``path`` passes the full integrity check."""
    problems = integrity_problems(path, key)
    if problems:
        raise DatabaseFileError(path, f"已损坏（完整性检查发现 {len(problems)} 处问题，例如：{problems[0]}）")


@dataclass(frozen=True, slots=True)
class DuplicateIdNumber:
    """One 身份证号 held by more than one live person: the number and the people (name and short id)."""

    id_number: str
    people: str


def duplicate_id_numbers(conn: Connection) -> list[DuplicateIdNumber]:
    return [DuplicateIdNumber(n, people) for n, people in conn.execute(_DUPLICATES)]


def duplicates_message(path: Path, duplicates: list[DuplicateIdNumber], *, shown: int = 20) -> str:
    """The Chinese notice listing duplicate 身份证号 (the file still opens; the clerk fixes them)."""
    lines = [f"  {d.id_number}：{d.people}" for d in duplicates[:shown]]
    if len(duplicates) > shown:
        lines.append(f"  ……另有 {len(duplicates) - shown} 个")
    return (f"数据文件 {path} 中有 {len(duplicates)} 个身份证号被多名在册人员重复登记：\n" + "\n".join(lines) +
            "\n请逐一核对，删除或更正重复的人员。处理完之前，数据库暂不能强制身份证号唯一。")


def ensure_unique_id_index(path: Path, key: DataKey) -> list[DuplicateIdNumber]:
    """Create the unique index over live persons' 身份证号 if it is missing; when duplicates stop
    it, leave the data as it is and return them (the file still opens)."""
    conn = connect(path, key)
    try:
        try:
            conn.execute(CREATE_UNIQUE_ID_INDEX)
            return []
        except IntegrityError:
            duplicates = duplicate_id_numbers(conn)
            log.warning("%s", duplicates_message(path, duplicates))
            return duplicates
    finally:
        conn.close()
