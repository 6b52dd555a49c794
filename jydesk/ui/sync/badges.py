"""Sync badges in the windowed lists (待同步 / 已同步 / 被退回 / 冲突) and a filter by badge.

For a list panel (its 同步 column: ``jydesk.ui.registry.columns.SYNC_COLUMN``)::

    listing = badged_listing(PersonListing)(store, sort, desc)           # all, with badges
    listing = badged_listing(PersonListing, "冲突")(store, sort, desc)   # only records in conflict
    results = BadgedListing(StaticListing(rows), store, "person")        # search results

Badges of a page are read in one query pair when the page is fetched (200 rows: ~1 ms), so
the list stays windowed. The listing classes keep their constructor, so code that makes a
fresh listing of the same kind (``type(listing)(store, sort)``) still works.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jydesk.store.sync_status import Badge, badge_where_sql, badges

#: Choices of the lists' filter: everything, then one badge each.
SYNC_FILTERS = ("全部状态", Badge.WAITING.value, Badge.REJECTED.value, Badge.CONFLICT.value, Badge.SYNCED.value)
_TABLE_ENTITIES = {"persons": "person", "households": "household"}


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


def with_badges(store: Any, entity: str, rows: list[Any]) -> list[Any]:
    if not rows:
        return rows
    with store.sql() as db:
        found = badges(db, entity, [r.id for r in rows])
    return [Badged(r, found.get(r.id, Badge.SYNCED)) for r in rows]


class BadgedListing:
    """Wraps any listing (``count``/``page``…) so its rows carry sync badges (search results)."""

    def __init__(self, inner: Any, store: Any, entity: str) -> None:
        self.inner = inner
        self.store = store
        self.entity = entity

    def count(self) -> int:
        return self.inner.count()

    def page(self, offset: int, limit: int) -> list[Any]:
        return with_badges(self.store, self.entity, self.inner.page(offset, limit))

    def __getattr__(self, name: str) -> Any:  # prepare, prepared, estimate …
        return getattr(self.inner, name)


@cache
def badged_listing(listing_cls: type, badge: str | None = None) -> type:
    """A subclass of a ``jydesk.store.listings.Listing`` whose rows carry their badge, keeping
    only rows showing ``badge`` when given."""
    entity = _TABLE_ENTITIES[listing_cls._table]

    def page(self: Any, offset: int, limit: int) -> list[Any]:
        return with_badges(self.store, entity, listing_cls.page(self, offset, limit))

    attrs: dict[str, Any] = {"page": page, "sync_entity": entity}
    name = f"Badged{listing_cls.__name__}"
    if badge:
        where = f"{listing_cls._where_sql} AND {badge_where_sql(entity, badge)}"
        attrs |= {"_where_sql": where, "_count_sql": f"SELECT count(*) FROM {listing_cls._table} x WHERE {where}"}
        name += f"_{Badge(badge).name}"
    return type(name, (listing_cls,), attrs)


def filtered_listing(listing_cls: type, badge: Badge | str) -> type:
    """Rows of ``listing_cls`` showing ``badge`` (with their badges)."""
    return badged_listing(listing_cls, Badge(badge).value)
