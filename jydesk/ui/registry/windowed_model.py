"""A table model over a whole database table without loading it: count + pages on demand.

``rowCount`` comes from the listing's COUNT (for the first paint: a 1 ms upper bound, made
exact when the row order arrives from the worker); ``data()`` fetches the 200-row page a row falls
in (kept in a small LRU) the moment the view paints it. After a reset the listing's
``prepare()`` runs in a worker so that later pages anywhere are 1 ms rowid lookups
(see :class:`jydesk.store.listings.Listing`). Memory stays at a few pages whatever the size.

Other list panels reuse it: give it a list of :class:`Column` and a factory
``(sort_key, descending) -> listing`` where a listing has ``count()``, ``page(offset, limit)``
and optionally ``prepare()``.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from jydesk.ui.shell.workers import WorkerPool

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex
PREPARE_DELAY_MS = 150
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)


class ListingLike(Protocol):
    """``count()`` and ``page()``; optionally ``prepare()`` (worker) and ``estimate()`` (fast upper
    bound used for the first paint when the listing can be prepared)."""

    def count(self) -> int: ...

    def page(self, offset: int, limit: int) -> list[Any]: ...


class StaticListing:
    """A listing over rows already in memory (search results)."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = list(rows)

    def count(self) -> int:
        return len(self.rows)

    def page(self, offset: int, limit: int) -> list[Any]:
        return self.rows[offset:offset + limit]


@dataclass(frozen=True)
class Column:
    """One column: Chinese header, display text of a row, optional sort key and alignment."""

    title: str
    text: Callable[[Any], str]
    sort_key: str | None = None
    width: int = 100
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    tooltip: Callable[[Any], str | None] | None = None


class WindowedTableModel(QAbstractTableModel):
    PAGE_SIZE = 200
    CACHED_PAGES = 8
    count_settled = Signal(int)  # the exact row count replaced the first-paint estimate

    def __init__(self, columns: Sequence[Column],
                 factory: Callable[[str, bool], ListingLike] | None = None,
                 workers: WorkerPool | None = None, *, default_sort: str = "registered",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.factory = factory
        self.workers = workers
        self.sort_key, self.descending = default_sort, False
        self._listing: ListingLike | None = None
        self._preparing: dict[QObject, ListingLike] = {}  # job signals -> the listing it prepares
        self._count = 0
        self.exact = True  # False while rowCount is the first-paint estimate
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._texts: dict[int, list[str]] = {}  # row -> display texts, for rows of cached pages
        self._aligns = [int(c.align.value) for c in self.columns]
        self.page_fetches = 0  # pages read from the database (tests and benchmarks look at it)

    # ---- feeding ----

    def set_listing(self, listing: ListingLike) -> None:
        """Show another listing (new sort, search results, refreshed data)."""
        self.beginResetModel()
        self._listing = listing
        self._pages.clear()
        self._texts.clear()
        estimate = getattr(listing, "estimate", None)
        deferred = estimate is not None and self.workers is not None and not getattr(listing, "prepared", False)
        # With a worker the exact count comes with the prepared order a moment later: the first
        # paint needs only the (1 ms) upper bound instead of a (20 ms) scan of the table.
        self._count = estimate() if deferred else listing.count()  # type: ignore[misc]
        self.exact = not deferred
        self.endResetModel()
        self._prepare(listing)

    def reload(self) -> None:
        """Re-read from the database in the current order (after a save)."""
        if self.factory is None:
            return
        self.set_listing(self.factory(self.sort_key, self.descending))

    def _prepare(self, listing: ListingLike) -> None:
        prepare = getattr(listing, "prepare", None)
        if prepare is None or getattr(listing, "prepared", False):
            return
        if self.workers is None:
            prepare()
            return
        # Start after the first page is painted: the view's first paint comes before the full order.
        # The pool is the timer's context: if the window (and its pool) is gone, nothing runs.
        QTimer.singleShot(PREPARE_DELAY_MS, self.workers, lambda: self._submit_prepare(listing))

    def _submit_prepare(self, listing: ListingLike) -> None:
        if listing is not self._listing or self.workers is None:
            return  # replaced meanwhile (new sort, new search)
        job = self.workers.submit(listing.prepare)  # type: ignore[attr-defined]
        # Bound methods of this model, not lambdas: Qt drops the connections if the model is
        # destroyed (window closed) before the worker finishes.
        self._preparing[job.signals] = listing
        job.signals.result.connect(self._prepared)
        job.signals.error.connect(self._prepare_failed)

    def _prepared(self, _result: object) -> None:
        listing = self._preparing.pop(self.sender(), None)  # type: ignore[call-overload]
        if listing is not None:
            self._settle(listing)

    def _prepare_failed(self, exc: BaseException) -> None:
        log.warning("列表排序索引加载失败：%s", exc)
        self._prepared(None)

    def _settle(self, listing: ListingLike) -> None:
        """Replace the estimated row count by the exact one (rows removed/added at the end)."""
        if listing is not self._listing:
            return
        exact = listing.count()
        if exact < self._count:
            self.beginRemoveRows(QModelIndex(), exact, self._count - 1)
            self._count = exact
            self.endRemoveRows()
        elif exact > self._count:
            self.beginInsertRows(QModelIndex(), self._count, exact - 1)
            self._count = exact
            self.endInsertRows()
        self._texts = {r: t for r, t in self._texts.items() if r < exact}
        if not self.exact:
            self.exact = True
            self.count_settled.emit(exact)

    def detach(self) -> None:
        """Forget the listing and any order still being prepared (call before the model is
        destroyed with a closing dialog: a late worker result must not reach it)."""
        for signals in list(self._preparing):
            for signal, slot in ((signals.result, self._prepared), (signals.error, self._prepare_failed)):
                with contextlib.suppress(RuntimeError, TypeError):  # already gone
                    signal.disconnect(slot)
        self._preparing.clear()
        self._listing = None

    @property
    def listing(self) -> ListingLike | None:
        return self._listing

    # ---- rows ----

    def row_object(self, row: int) -> Any | None:
        if not 0 <= row < self._count or self._listing is None:
            return None
        number, offset = divmod(row, self.PAGE_SIZE)
        page = self._pages.get(number)
        if page is None:
            try:
                page = self._listing.page(number * self.PAGE_SIZE, self.PAGE_SIZE)
            except Exception:
                log.exception("读取列表第 %s 页失败", number)
                return None
            self.page_fetches += 1
            self._pages[number] = page
            while len(self._pages) > self.CACHED_PAGES:
                dropped, _ = self._pages.popitem(last=False)
                start = dropped * self.PAGE_SIZE
                for r in range(start, start + self.PAGE_SIZE):
                    self._texts.pop(r, None)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def find_row(self, record_id: str) -> int:
        """Row of a record among the pages in memory (-1 if not loaded)."""
        for number, page in self._pages.items():
            for i, obj in enumerate(page):
                if getattr(obj, "id", None) == record_id:
                    return number * self.PAGE_SIZE + i
        return -1

    # ---- Qt model interface ----

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        # Called ~8 times per painted cell: roles compared as ints (PySide enum compares are slow),
        # display texts cached per row while its page is in memory.
        role = int(role)
        if role == _DISPLAY:
            row = index.row()
            texts = self._texts.get(row)
            if texts is None:
                obj = self.row_object(row)
                if obj is None:
                    return "…"
                texts = self._texts[row] = [c.text(obj) for c in self.columns]
            return texts[index.column()]
        if role == _ALIGN:
            return self._aligns[index.column()]
        if role == _USER:
            obj = self.row_object(index.row())
            return None if obj is None else getattr(obj, "id", None)
        if role == _TOOLTIP:
            column = self.columns[index.column()]
            if column.tooltip is not None:
                obj = self.row_object(index.row())
                return None if obj is None else column.tooltip(obj)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].sort_key
        descending = order == Qt.SortOrder.DescendingOrder
        if isinstance(self._listing, StaticListing):  # search results: sort the few rows in memory
            text = self.columns[column].text
            rows = sorted(self._listing.rows, key=text, reverse=descending)
            self.set_listing(StaticListing(rows))
            return
        if key is None or self.factory is None:
            return
        if (key, descending) == (self.sort_key, self.descending) and self._listing is not None:
            return
        self.sort_key, self.descending = key, descending
        self.reload()

    def sort_column(self) -> int:
        return next((i for i, c in enumerate(self.columns) if c.sort_key == self.sort_key), -1)
