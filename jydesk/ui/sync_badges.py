"""Sync badges in the windowed lists (待同步 / 已同步 / 被退回 / 冲突) and a filter by badge.

For a list panel (two lines each)::

    columns = (*PERSON_COLUMNS, SYNC_COLUMN)
    listing = BadgedListing(PersonListing(store, sort, desc), store, "person")
    # filter: filtered_listing(PersonListing, "冲突")(store, sort, desc), then wrap as above

``BadgedListing`` reads the badges of each page's ids in one query when the page is fetched
(200 rows: ~1 ms), so the list stays windowed; everything else is delegated to the listing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from jydesk.store.sync_status import Badge, badge_where_sql, badges
from jydesk.ui.windowed_model import Column

#: Choices of the lists' filter: everything, then one badge each.
SYNC_FILTERS = ("全部状态", Badge.WAITING.value, Badge.REJECTED.value, Badge.CONFLICT.value, Badge.SYNCED.value)


class Badged:
    """A list row with its ``sync_badge``; other attributes are the row's."""

    __slots__ = ("row", "sync_badge")

    def __init__(self, row: Any, badge: Badge) -> None:
        self.row = row
        self.sync_badge = badge

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)

    # isinstance(badged, PersonRow) stays true for code that checks the row's kind.
    __class__ = property(lambda self: type(self.row))  # type: ignore[assignment]


class BadgedListing:
    """Wraps a listing (``count``/``page``/``prepare``…) so its rows carry sync badges."""

    def __init__(self, inner: Any, store: Any, entity: str) -> None:
        self.inner = inner
        self.store = store
        self.entity = entity

    def count(self) -> int:
        return self.inner.count()

    def page(self, offset: int, limit: int) -> list[Any]:
        rows = self.inner.page(offset, limit)
        if not rows:
            return rows
        with self.store.read() as s:
            found = badges(s, self.entity, [r.id for r in rows])
        return [Badged(r, found.get(r.id, Badge.SYNCED)) for r in rows]

    def __getattr__(self, name: str) -> Any:  # prepare, prepared, estimate …
        return getattr(self.inner, name)


SYNC_COLUMN = Column("同步", lambda r: str(getattr(r, "sync_badge", "")), None, 56, Qt.AlignmentFlag.AlignCenter,
                     tooltip=lambda r: {Badge.WAITING: "本机的修改尚未上传到市级平台",
                                        Badge.REJECTED: "市级平台退回了本机的修改，请在“同步”面板查看原因",
                                        Badge.CONFLICT: "本机与市级平台改了同一项，请在“冲突”面板选择保留哪个值",
                                        }.get(getattr(r, "sync_badge", None), "已与市级平台一致"))


def filtered_listing(listing_cls: type, badge: Badge | str) -> type:
    """A subclass of a ``jydesk.store.registry.Listing`` keeping only rows showing ``badge``."""
    entity = {"persons": "person", "households": "household"}[listing_cls._table]
    where = f"{listing_cls._where_sql} AND {badge_where_sql(entity, badge)}"
    return type(f"{listing_cls.__name__}_{Badge(badge).name}", (listing_cls,), {
        "_where_sql": where,
        "_count_sql": f"SELECT count(*) FROM {listing_cls._table} x WHERE {where}",
    })
