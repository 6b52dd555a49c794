"""打印: the print preview panel and printing a PDF on a QPrinter."""

from __future__ import annotations

from jydesk.ui.printing.preview_panel import PrintPreviewPanel

PANELS = [PrintPreviewPanel]
