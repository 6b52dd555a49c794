"""Printing: form definition + record → PDF bytes (reportlab, no Qt).

``render_form`` one form, ``render_batch`` many records as one PDF, ``render_roster`` the
weekly visit roster. The bundled WenQuanYi Micro Hei font is embedded as a subset.
"""

from jydesk.domain.visits import RosterRow
from jydesk.printing.forms import render_batch, render_form
from jydesk.printing.roster import render_roster

__all__ = ["RosterRow", "render_batch", "render_form", "render_roster"]
