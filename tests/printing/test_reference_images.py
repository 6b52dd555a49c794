"""Layout regressions: page 1 of every sample form (and the roster) against a kept reference image.

An intended layout change: run ``python -m tests.printing.page_images``, look at the new
images in tests/printing/reference/ and docs/forms/, and commit them with the change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.printing.page_images import (
    REFERENCE_DIR,
    REFERENCE_DPI,
    codes,
    difference,
    first_page,
    posterise,
    sample_pdf,
)

TOLERANCE = 1.0  # mean |Δ| over 0–255: another name ~0.03; rows 0.2 mm taller ~26

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")


@pytest.mark.parametrize("code", codes())
def test_first_page_matches_reference(code: str, tmp_path: Path) -> None:
    reference = Image.open(REFERENCE_DIR / f"{code}.png").convert("L")
    actual = posterise(first_page(sample_pdf(code), REFERENCE_DPI))
    diff = difference(actual, reference)
    if diff > TOLERANCE:
        actual.save(tmp_path / f"{code}-actual.png")
    assert diff <= TOLERANCE, f"{code}: page 1 differs from its reference by {diff:.2f} (see {tmp_path})"


def test_the_comparison_sees_a_layout_change() -> None:
    """The tolerance is tight enough: a form with a different layout is told apart."""
    reference = Image.open(REFERENCE_DIR / "dibao.png").convert("L")
    other = posterise(first_page(sample_pdf("tekun"), REFERENCE_DPI))
    assert difference(other, reference) > 5 * TOLERANCE
