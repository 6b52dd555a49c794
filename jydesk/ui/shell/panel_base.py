"""The base class of every dockable panel.

A panel is one ``Panel`` subclass in a module of its feature package (``jydesk/ui/<feature>/``),
listed in that package's ``PANELS`` (gathered by ``jydesk/ui/shell/panels.py``). The main
window wraps it in a qtads dock, adds it to the 视图 menu, saves/restores its place per clerk,
and calls the hooks below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from jydesk.ui.shell.context import AppContext

Area = Literal["left", "right", "center", "top", "bottom"]


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A line in the 导航 panel: choosing it shows the owning panel and emits ``hub.navigate(key)``."""

    key: str
    title: str
    group: str  # heading it is listed under, e.g. "户籍"
    order: int = 100


class Panel(QWidget):
    """A dockable panel. Subclasses set the class attributes and build their widgets in ``__init__``."""

    panel_id: ClassVar[str]  # stable, used in saved layouts: never rename
    title: ClassVar[str]  # Chinese dock title
    area: ClassVar[Area] = "center"
    # Put this panel as a tab beside another panel (by id) in the default layout, if present.
    tab_with: ClassVar[str | None] = None
    # Default size share of the area's splitter (relative weight).
    stretch: ClassVar[int] = 1
    visible_by_default: ClassVar[bool] = True
    nav_entries: ClassVar[tuple[NavEntry, ...]] = ()

    # Emit (or call ``bring_to_front()``) to have the main window show this panel's dock and
    # make it the current tab of its area, e.g. after opening a record in it.
    raise_requested = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(f"panel-{self.panel_id}")

    def bring_to_front(self) -> None:
        self.raise_requested.emit()

    # ---- hooks the main window calls (override as needed) ----

    def start(self) -> None:
        """Called once right after the main window's first paint. Load data and import heavy
        modules here (or submit a worker), not in ``__init__``: every panel's ``__init__`` runs
        before the clerk sees the window (docs/architecture.md § Budgets: start ≤ 0.6 s)."""

    def show_entry(self, key: str) -> None:
        """One of this panel's ``nav_entries`` was chosen."""

    def focus_search(self) -> bool:
        """Give the panel's search box the focus (Ctrl+F); False if it has none."""
        return False

    def has_unsaved_changes(self) -> bool:
        return False

    def save(self) -> bool:
        """Save pending input (Ctrl+S). True if saved or nothing to save."""
        return True

    def discard_changes(self) -> None:
        """Forget pending input (after the clerk chose not to save)."""

    def unsaved_summary(self) -> str:
        """What is unsaved, in Chinese, for the 'save changes?' question."""
        return self.title

    def confirm_leave(self, question: str | None = None) -> bool:
        """Before the panel's input is replaced: ask 保存 / 不保存 / 取消 if anything is unsaved.
        True: go on (saved or discarded); False: stay."""
        if not self.has_unsaved_changes():
            return True
        from jydesk.ui.widgets import ask

        answer = ask.save_discard_cancel(self, question or f"{self.unsaved_summary()}有尚未保存的修改，是否保存？")
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.discard_changes()
            return True
        return False

    def save_draft(self) -> None:
        """Write pending input to the drafts table (on lock, periodically, for crash recovery)."""

    def restore_draft(self, kind: str, key: str, payload: dict) -> bool:
        """Reopen a draft of a kind this panel owns; True if it was taken."""
        return False

    def clear_for_other_clerk(self) -> None:
        """Another clerk takes over: drop in-memory input (its draft is already saved)."""
        self.discard_changes()

    def on_actor_changed(self) -> None:
        """``ctx.actor`` is a different clerk now."""


class EditorPanel(Panel):
    """A panel showing one record's editor over an empty-state placeholder (``stack``); the
    editor itself is built by the subclass on first use. ``draft_timer`` fires ``save_draft``
    a few seconds after the last edit, so a crash loses nothing typed."""

    placeholder_text: ClassVar[str] = ""
    draft_delay_ms: ClassVar[int] = 5_000

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.placeholder = QLabel(self.placeholder_text)
        self.placeholder.setObjectName("emptyState")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(self.draft_delay_ms)
        self.draft_timer.timeout.connect(self.save_draft)
