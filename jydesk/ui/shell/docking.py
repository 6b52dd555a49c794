"""Docking for the main window: a qtads dock per registered panel, panels built when first
shown, the default layout, and each clerk's saved layout.

Per-clerk state lives in ``user_settings``: ``dock_layout`` (qtads state), ``dock_panels``
(which panels that state knew, so panels added by a later version still appear) and
``window_geometry``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import PySide6QtAds as ads
from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from jydesk.store import quick_reads
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.panel_base import Panel

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QMenu, QToolBar

    from jydesk.ui.shell.lock import IdleWatcher, LockOverlay

    _Window = QMainWindow
else:
    _Window = object

log = logging.getLogger(__name__)

LAYOUT_KEY = "dock_layout"
LAYOUT_PANELS_KEY = "dock_panels"
GEOMETRY_KEY = "window_geometry"
AREAS = {
    "left": ads.DockWidgetArea.LeftDockWidgetArea,
    "right": ads.DockWidgetArea.RightDockWidgetArea,
    "center": ads.DockWidgetArea.CenterDockWidgetArea,
    "top": ads.DockWidgetArea.TopDockWidgetArea,
    "bottom": ads.DockWidgetArea.BottomDockWidgetArea,
}
AREA_ORDER = ("left", "center", "right", "top", "bottom")


def configure_ads() -> None:
    M = ads.CDockManager
    M.setConfigFlag(M.eConfigFlag.OpaqueSplitterResize, True)
    M.setConfigFlag(M.eConfigFlag.FocusHighlighting, True)
    M.setConfigFlag(M.eConfigFlag.AllTabsHaveCloseButton, False)
    M.setConfigFlag(M.eConfigFlag.DockAreaHasCloseButton, True)
    M.setConfigFlag(M.eConfigFlag.DockAreaHasUndockButton, True)
    M.setConfigFlag(M.eConfigFlag.DockAreaHasTabsMenuButton, True)
    M.setConfigFlag(M.eConfigFlag.DockAreaDynamicTabsMenuButtonVisibility, True)
    M.setConfigFlag(M.eConfigFlag.EqualSplitOnInsertion, False)
    M.setConfigFlag(M.eConfigFlag.XmlCompressionEnabled, True)


class WindowParts(_Window):
    """What the main window's mixins (below, ``window_actions``, ``clerk_session``) share:
    ``MainWindow.__init__`` sets it all."""

    ctx: AppContext
    dock_manager: ads.CDockManager
    docks: dict[str, ads.CDockWidget]
    panels: dict[str, Panel]
    panel_classes: dict[str, type[Panel]]
    overlay: LockOverlay
    idle: IdleWatcher
    locked: bool
    lock_minutes: int
    toolbar: QToolBar
    view_menu: QMenu
    village_label: QLabel

    if TYPE_CHECKING:  # each is defined by one mixin (or MainWindow) and called from another
        def ensure_panel(self, panel_id: str) -> Panel: ...
        def _raise_dock(self, dock: ads.CDockWidget) -> None: ...
        def save_layout(self) -> None: ...
        def apply_clerk_layout(self) -> None: ...
        def reset_layout(self) -> None: ...
        def lock(self) -> None: ...
        def switch_clerk(self) -> bool: ...
        def _update_titles(self) -> None: ...


class DockLayout(WindowParts):
    """The main window's docks (a mixin of ``MainWindow``): ``panels`` maps panel id -> Panel
    (those built so far), ``panel_classes`` panel id -> class, ``docks`` panel id -> CDockWidget."""

    build_ms: dict[str, float]
    _started: bool
    _closing: bool
    _default_state: QByteArray
    _layout_changed: bool

    def _build_panels(self, classes: Sequence[type[Panel]]) -> None:
        """Default layout: columns left | center | right (each area's panels tabbed together),
        then full-width top/bottom rows; ``tab_with`` puts a panel beside a named one.

        Docks are made for every panel, but a panel itself is built when its dock is first
        shown, when it is asked for (``panel()``, navigation, drafts), or in the background
        after the first paint: the window paints with only the panels the clerk sees."""
        columns: dict[str, ads.CDockAreaWidget] = {}
        ordered = sorted(classes, key=lambda c: AREA_ORDER.index(c.area))
        for cls in ordered:
            self.panel_classes[cls.panel_id] = cls
            dock = ads.CDockWidget(self.dock_manager, cls.title)
            dock.setObjectName(cls.panel_id)  # the key qtads uses in saved layouts
            dock.setWidget(QWidget())  # replaced by the panel when it is built
            dock.setFeature(ads.CDockWidget.DockWidgetFeature.DockWidgetDeleteOnClose, False)
            dock.setMinimumSizeHintMode(ads.CDockWidget.eMinimumSizeHintMode.MinimumSizeHintFromDockWidget)
            dock.toggleViewAction().setText(cls.title)
            target = self.docks.get(cls.tab_with or "")
            if target is not None and target.dockAreaWidget() is not None:
                self.dock_manager.addDockWidgetTabToArea(dock, target.dockAreaWidget())
            elif cls.area in columns:
                self.dock_manager.addDockWidgetTabToArea(dock, columns[cls.area])
            else:
                side = {"left": "left", "top": "top", "bottom": "bottom"}.get(cls.area, "right")
                columns[cls.area] = self.dock_manager.addDockWidget(AREAS[side], dock)
            self.docks[cls.panel_id] = dock
        for area_widget in columns.values():
            area_widget.setCurrentIndex(0)
        weights = {columns[a]: max(c.stretch for c in ordered if c.area == a) for a in columns}
        self._apply_stretch(weights)
        for cls in ordered:
            if not cls.visible_by_default:
                self.docks[cls.panel_id].toggleView(False)

    def _build_shown_panels(self) -> None:
        """Build the panels the current layout shows; the others follow when first shown."""
        for panel_id, dock in self.docks.items():
            if panel_id not in self.panels and not dock.isClosed() and dock.isCurrentTab():
                self.ensure_panel(panel_id)
            if panel_id not in self.panels:
                dock.visibilityChanged.connect(self._dock_shown)

    def _dock_shown(self, visible: bool) -> None:
        dock = self.sender()
        if visible and isinstance(dock, ads.CDockWidget):
            self.ensure_panel(dock.objectName())

    def ensure_panel(self, panel_id: str) -> Panel:
        """The panel ``panel_id``, built now if it was not yet (its ``start()`` runs too when
        the window has started)."""
        panel = self.panels.get(panel_id)
        if panel is not None:
            return panel
        cls = self.panel_classes[panel_id]
        started = time.perf_counter()
        panel = cls(self.ctx)
        self.build_ms[panel_id] = (time.perf_counter() - started) * 1000
        self.panels[panel_id] = panel
        dock = self.docks[panel_id]
        placeholder = dock.takeWidget()
        dock.setWidget(panel)
        if placeholder is not None:
            placeholder.deleteLater()
        panel.raise_requested.connect(lambda d=dock: self._raise_dock(d))
        if panel_id == "navigation" and hasattr(panel, "set_entries"):
            panel.set_entries([e for c in self.panel_classes.values() for e in c.nav_entries])
        if self._started:
            self._start_panel(panel_id, panel)
        return panel

    def _build_next_panel(self) -> None:
        """Build the remaining panels one per event-loop turn, so the window stays responsive."""
        missing = [pid for pid in self.panel_classes if pid not in self.panels]
        if not missing or self._closing:
            return
        self.ensure_panel(missing[0])
        if len(missing) > 1:
            QTimer.singleShot(0, self, self._build_next_panel)

    def _apply_stretch(self, weights: dict[ads.CDockAreaWidget, int]) -> None:
        """Share the width of the columns' splitter by the panels' ``stretch`` weights."""
        if not weights:
            return
        splitter = next(iter(weights)).parentWidget()
        if not isinstance(splitter, QSplitter) or splitter.orientation() != Qt.Orientation.Horizontal:
            return
        per: list[int] = []
        for i in range(splitter.count()):
            widget = splitter.widget(i)
            per.append(max((w for area, w in weights.items() if widget is area or widget.isAncestorOf(area)),
                           default=1))
        unit = max(self.width(), 1200) / sum(per)
        splitter.setSizes([int(w * unit) for w in per])

    def panel(self, panel_id: str) -> Panel:
        return self.ensure_panel(panel_id)

    def apply_clerk_layout(self) -> None:
        """Restore the logged-in clerk's saved layout (else the default)."""
        store, uid = self.ctx.store, self.ctx.actor.id
        geometry = quick_reads.get_bytes_setting(store, uid, GEOMETRY_KEY)
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        state = quick_reads.get_bytes_setting(store, uid, LAYOUT_KEY)
        if not state:
            if self._layout_changed:  # another clerk's layout is showing
                self.reset_layout()
            return
        if not self.dock_manager.restoreState(QByteArray(state)):
            self.reset_layout()
            return
        self._layout_changed = True
        known = set((quick_reads.get_setting(store, uid, LAYOUT_PANELS_KEY) or "").split(","))
        for panel_id, dock in self.docks.items():
            if panel_id not in known and self.panel_classes[panel_id].visible_by_default:
                dock.toggleView(True)  # a panel newer than the saved layout

    def save_layout(self) -> None:
        from jydesk.store import registry

        store, actor = self.ctx.store, self.ctx.actor
        try:
            registry.set_bytes_setting(store, actor, LAYOUT_KEY, bytes(self.dock_manager.saveState().data()))
            registry.set_setting(store, actor, LAYOUT_PANELS_KEY, ",".join(self.docks))
            registry.set_bytes_setting(store, actor, GEOMETRY_KEY, bytes(self.saveGeometry().data()))
        except Exception:
            log.exception("保存窗口布局失败")

    def reset_layout(self) -> None:
        self._layout_changed = False
        self.dock_manager.restoreState(self._default_state)
        for panel_id, dock in self.docks.items():
            dock.toggleView(self.panel_classes[panel_id].visible_by_default)

    def _raise_dock(self, dock: ads.CDockWidget) -> None:
        if dock.isClosed():
            dock.toggleView(True)
        dock.setAsCurrentTab()

    def _navigate(self, key: str) -> None:
        for panel_id, cls in self.panel_classes.items():
            if any(e.key == key for e in cls.nav_entries):
                panel = self.ensure_panel(panel_id)
                self._raise_dock(self.docks[panel_id])
                panel.show_entry(key)
                return

    def _start_panel(self, panel_id: str, panel: Panel) -> None:
        try:
            panel.start()
        except Exception:
            log.exception("面板 %s 启动失败", panel_id)
