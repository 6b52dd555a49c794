"""The panel registry: every dockable panel, gathered from the feature packages.

A feature is a package under ``jydesk/ui/`` that lists its dock panels in ``PANELS`` (in its
``__init__``): ``Panel`` subclasses with an id, a Chinese title, a default area and optional
``nav_entries`` (see ``panel_base``). A new feature is a new package plus one line in FEATURES.

The order of PANELS is the order docks are placed in the default layout.
"""

from __future__ import annotations

from jydesk.ui import cases, printing, recipients, registry, sync, visits
from jydesk.ui.shell.navigation_panel import NavigationPanel
from jydesk.ui.shell.panel_base import Panel

# 账号 (jydesk.ui.accounts) has no dock panel: the 工具 menu opens its dialogs.
FEATURES = (registry, cases, printing, visits, recipients, sync)

PANELS: list[type[Panel]] = [NavigationPanel, *(cls for feature in FEATURES for cls in feature.PANELS)]

__all__ = ["FEATURES", "PANELS"]
