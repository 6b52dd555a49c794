"""救助申请: the 案件 list and the 申请表 editor generated from the form definitions."""

from __future__ import annotations

from jydesk.ui.cases.editor_panel import CaseEditorPanel
from jydesk.ui.cases.list_panel import CasesPanel

PANELS = [CasesPanel, CaseEditorPanel]
