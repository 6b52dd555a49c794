"""在保对象: the register of recipients with totals, reviews and proofs of life due, and the
dialogs recording a review, proposing a change and recording a death or a move."""

from __future__ import annotations

from jydesk.ui.recipients.register_panel import RegisterPanel
from jydesk.ui.recipients.reviews_panel import ReviewsDuePanel
from jydesk.ui.recipients.stats_panel import BenefitStatsPanel

PANELS = [RegisterPanel, ReviewsDuePanel, BenefitStatsPanel]
