"""First pages of the sample forms as images: for reference-image tests and docs/forms/.

Run ``python -m tests.printing.page_images`` after an intended layout change to rewrite the
reference images (tests/printing/reference/) and the pictures in docs/forms/; look at them
before committing.
"""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageChops, ImageStat

if TYPE_CHECKING:
    from jydesk.printing import RosterRow

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REFERENCE_DIR = HERE / "reference"
DOCS_DIR = ROOT / "docs" / "forms"
REFERENCE_DPI = 50
DOCS_DPI = 80
ROSTER_CODE = "roster"

from tests.printing import form_samples  # noqa: E402


def first_page(pdf: bytes, dpi: int) -> Image.Image:
    """Page 1 rendered by poppler's pdftoppm, in grey."""
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", "1", "-l", "1", "-"],
                         input=pdf, capture_output=True, check=True).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def posterise(image: Image.Image) -> Image.Image:
    """Eight grey levels (white stays white): small files, and the same on both sides of a compare."""
    return image.point(lambda p: 255 if p >= 224 else p // 32 * 36)


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute pixel difference (0–255); sizes must match."""
    if a.size != b.size:
        return 255.0
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def sample_pdf(code: str) -> bytes:
    """The sample record of ``code`` (or the sample roster) as a PDF, dated form_samples.TODAY."""
    from jydesk.domain.forms import load_definitions
    from jydesk.printing import render_form, render_roster

    if code == ROSTER_CODE:
        return render_roster("2026-W21", sample_roster(), village_name="安象街社区", clerk="李专干",
                             printed_on=form_samples.TODAY)
    defn = load_definitions(ROOT / "forms")[code]
    return render_form(defn, form_samples.sample(defn), number=form_samples.NUMBERS[code],
                       printed_on=form_samples.TODAY)


def sample_roster() -> list[RosterRow]:
    from jydesk.printing import RosterRow

    people = [("王淑华", "女", 85, "简城街道安象街27号附2号（3组）", "13551234567", "高风险（每周）", date(2026, 5, 12), "已于5月12日探访"),
              ("曾德明", "男", 68, "简城街道安象街27号附2号（3组）", "13908012345", "高风险（每周）", date(2026, 5, 11), ""),
              ("赵守义", "男", 82, "简城街道安象街41号（3组）", "028-27021888", "重点（每月）", date(2026, 4, 16), "1项待跟进"),
              ("钱玉兰", "女", 77, "简城街道建设街8号附1号（4组）", "15882345678", "重点（每月）", None, "从未探访"),
              ("孙福贵", "男", 91, "简城街道建设街19号（4组）", "13688001234", "高风险（每周）", date(2026, 5, 4), "已超期7天"),
              ("周秀珍", "女", 73, "简城街道民乐巷3号（5组）", "18990012345", "一般（每季度）", date(2026, 2, 20), "")]
    return [RosterRow(name=n, sex=s, age=a, address=addr, phone=ph, tier=t, last_visit=last,
                      due=date(2026, 5, 18) if last is None else max(last, date(2026, 5, 18)), note=note)
            for n, s, a, addr, ph, t, last, note in people]


def codes() -> list[str]:
    from jydesk.domain.forms import load_definitions

    return [*sorted(load_definitions(ROOT / "forms")), ROSTER_CODE]


def main() -> None:
    REFERENCE_DIR.mkdir(exist_ok=True)
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    for code in codes():
        pdf = sample_pdf(code)
        posterise(first_page(pdf, REFERENCE_DPI)).save(REFERENCE_DIR / f"{code}.png", optimize=True)
        first_page(pdf, DOCS_DPI).quantize(16).save(DOCS_DIR / f"{code}.png", optimize=True)
        print(f"{code}: reference and docs images written")


if __name__ == "__main__":
    main()
