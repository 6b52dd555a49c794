"""探访: the 待探访 list, the 统计 panel, the visit entry and plan dialogs, visit printouts."""

from __future__ import annotations

from jydesk.ui.visits.coverage_panel import CoveragePanel
from jydesk.ui.visits.due_panel import VisitsDuePanel

PANELS = [VisitsDuePanel, CoveragePanel]
