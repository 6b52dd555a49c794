"""Storage faults in Chinese: what happened to a read or save, and what the clerk should do.

:func:`classify` looks through an exception and its causes (SQLAlchemy wraps ``sqlite3``
errors; ``OSError`` comes from files) for a full disk, a locked database, a read-only folder,
an I/O error or a damaged file. The UI shows the message in the editor's banner and the CLI
prints it as its one line; nothing here imports SQLAlchemy or Qt.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.store.connection import dbapi

log = logging.getLogger(__name__)
STORAGE_CODE = "storage"  # FieldError.code of a storage fault turned into a ValidationError


class FaultKind(StrEnum):
    FULL = "full"
    LOCKED = "locked"
    READ_ONLY = "read_only"
    IO = "io"
    DAMAGED = "damaged"
    UNAVAILABLE = "unavailable"


MESSAGES: dict[FaultKind, str] = {
    FaultKind.FULL: "磁盘空间不足：请清理磁盘（删除不用的文件、清空回收站）后重试",
    FaultKind.LOCKED: "数据库正被其他程序占用：请关闭其他正在使用本数据文件夹的程序（或另一个本程序窗口）后重试",
    FaultKind.READ_ONLY: "数据文件夹是只读的，不能写入：请检查文件夹权限或U盘的写保护开关，改为可写后重试",
    FaultKind.IO: "读写磁盘出错：请检查磁盘、U盘或网络盘是否连接正常后重试；如反复出现请联系技术支持检查磁盘",
    FaultKind.DAMAGED: "数据库文件已损坏：请不要继续录入，联系技术支持用备份恢复",
    FaultKind.UNAVAILABLE: "无法打开数据库文件：请检查数据文件夹是否存在、U盘或网络盘是否已连接",
}

# sqlite3 primary result codes (https://www.sqlite.org/rescode.html)
_SQLITE_CODES = {5: FaultKind.LOCKED, 6: FaultKind.LOCKED, 8: FaultKind.READ_ONLY, 10: FaultKind.IO,
                 11: FaultKind.DAMAGED, 13: FaultKind.FULL, 14: FaultKind.UNAVAILABLE, 26: FaultKind.DAMAGED}
_SQLITE_TEXT = (("disk is full", FaultKind.FULL), ("database is locked", FaultKind.LOCKED),
                ("table is locked", FaultKind.LOCKED), ("readonly database", FaultKind.READ_ONLY),
                ("disk i/o error", FaultKind.IO), ("malformed", FaultKind.DAMAGED),
                ("not a database", FaultKind.DAMAGED), ("unable to open database", FaultKind.UNAVAILABLE))
_ERRNO = {errno.ENOSPC: FaultKind.FULL, errno.EDQUOT: FaultKind.FULL, errno.EROFS: FaultKind.READ_ONLY,
          errno.EACCES: FaultKind.READ_ONLY, errno.EPERM: FaultKind.READ_ONLY, errno.EIO: FaultKind.IO,
          errno.EAGAIN: FaultKind.LOCKED, errno.ENOENT: FaultKind.UNAVAILABLE}


@dataclass(frozen=True, slots=True)
class StorageFault:
    kind: FaultKind
    message: str  # Chinese: what happened and what to do
    detail: str  # the original (English) text, for the log

    def __str__(self) -> str:
        return self.message


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]


def _kind(exc: BaseException) -> FaultKind | None:
    if isinstance(exc, sqlite3.Error | dbapi.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) in _SQLITE_CODES:
            return _SQLITE_CODES[code & 0xFF]
        text = str(exc).lower()
        return next((kind for needle, kind in _SQLITE_TEXT if needle in text), None)
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    return None


def classify(exc: BaseException) -> StorageFault | None:
    """The storage fault behind ``exc`` (or one of its causes); None if it is something else."""
    for link in _chain(exc):
        kind = _kind(link)
        if kind is not None:
            return StorageFault(kind, MESSAGES[kind], f"{type(link).__name__}: {link}")
    return None


def save_failed_message(exc: BaseException) -> str | None:
    """The banner text for a save that failed on ``exc``; None if it is not a storage fault."""
    fault = classify(exc)
    return f"未能保存，录入内容仍保留在本窗口：{fault.message}" if fault else None


@contextmanager
def saving() -> Iterator[None]:
    """Around a save: a storage fault becomes a :class:`ValidationError` (field "", code
    ``storage``) with :func:`save_failed_message`, so every form shows it where it shows refusals."""
    try:
        yield
    except ValidationError:
        raise
    except Exception as exc:
        text = save_failed_message(exc)
        if text is None:
            raise
        log.warning("保存时存储出错：%s", classify(exc).detail)  # type: ignore[union-attr]
        raise ValidationError(FieldError("", text, STORAGE_CODE)) from exc
