"""户籍: the household and person lists and the household editor (详情)."""

from __future__ import annotations

from jydesk.ui.registry.detail_panel import DetailPanel
from jydesk.ui.registry.list_panel import RecordListPanel

PANELS = [RecordListPanel, DetailPanel]
