"""操作日志 → .xlsx (openpyxl, written row by row so a year of entries fits in little memory).
The export is itself an audit entry; 身份证号 in it are masked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jydesk.store.actor import Actor
from jydesk.store.audit.events import record_event
from jydesk.store.audit.log import AuditListing, LogFilter

if TYPE_CHECKING:
    from jydesk.store.database import Store

HEADERS = ("序号", "时间", "操作人", "类型", "操作", "记录类型", "记录编号", "说明", "修改内容")
MAX_ROWS = 1_048_575  # an .xlsx sheet holds 1,048,576 rows, the header included


def describe(where: LogFilter) -> str:
    """The filter in words, for the export's audit entry."""
    parts = []
    if where.actor_id:
        parts.append(f"操作人 {where.actor_id}")
    if where.since or where.until:
        parts.append(f"日期 {where.since or '…'} 至 {where.until or '…'}")
    if where.kind:
        parts.append(f"类型 {where.kind}")
    if where.record_id:
        parts.append(f"记录 {where.record_id}")
    return "，".join(parts) or "全部"


def export_xlsx(store: Store, actor: Actor, where: LogFilter, path: Path) -> int:
    """Write the filtered log to ``path`` (newest first); returns the number of entries. Written to
    a temporary file first and renamed, so a failed export leaves no half file."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("操作日志")
    sheet.append(list(HEADERS))
    count = 0
    for row in AuditListing(store, where).rows():
        if count >= MAX_ROWS:
            break
        sheet.append([row.id, row.at.strftime("%Y-%m-%d %H:%M:%S"), row.who, row.kind, row.action_name,
                      row.entity_name, row.record_id or "", _cell(row.detail or ""), _cell(row.summary())])
        count += 1
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    try:
        book.save(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    record_event(store, actor, "export", f"导出操作日志（{describe(where)}，{count} 条）到 {path}")
    return count


def _cell(text: str) -> str:
    """Text as a spreadsheet cell: no control characters (openpyxl refuses them), no formula."""
    cleaned = "".join(ch for ch in text if ch >= " " or ch in "\t\n")
    return "'" + cleaned if cleaned[:1] in ("=", "+", "-", "@") else cleaned
