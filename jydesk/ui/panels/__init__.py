"""The dockable panels. To add one: write ``jydesk/ui/panels/<name>.py`` with a ``Panel``
subclass (id, Chinese title, default area, optional ``nav_entries``) and add it to PANELS.

The order of PANELS is the order docks are placed in the default layout.
"""

from __future__ import annotations

from jydesk.ui.panels.base import NavEntry, Panel
from jydesk.ui.panels.cases import CaseEditorPanel, CasesPanel
from jydesk.ui.panels.conflicts import ConflictsPanel
from jydesk.ui.panels.coverage import CoveragePanel
from jydesk.ui.panels.detail import DetailPanel
from jydesk.ui.panels.navigation import NavigationPanel
from jydesk.ui.panels.print_preview import PrintPreviewPanel
from jydesk.ui.panels.record_list import RecordListPanel
from jydesk.ui.panels.sync_panel import SyncPanel
from jydesk.ui.panels.visits_due import VisitsDuePanel

PANELS: list[type[Panel]] = [
    NavigationPanel,
    RecordListPanel,
    DetailPanel,
    CasesPanel,
    CaseEditorPanel,
    PrintPreviewPanel,
    VisitsDuePanel,
    CoveragePanel,
    SyncPanel,
    ConflictsPanel,
]

__all__ = ["PANELS", "NavEntry", "Panel"]
