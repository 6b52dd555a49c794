"""同步: the sync status and conflicts panels, enrolment, the background sync service, list badges."""

from __future__ import annotations

from jydesk.ui.sync.conflicts_panel import ConflictsPanel
from jydesk.ui.sync.status_panel import SyncPanel

PANELS = [SyncPanel, ConflictsPanel]
