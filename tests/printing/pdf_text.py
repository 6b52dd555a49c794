"""Reading PDFs back in tests: text without whitespace (labels wrap inside narrow cells)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def compact_text(pdf: bytes) -> str:
    """All pages' text in reading order, whitespace removed, full-width brackets made ASCII."""
    text = "".join(page.extract_text() or "" for page in reader(pdf).pages)
    return normalise(text)


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").replace("\u3000", "")


def page_texts(pdf: bytes) -> list[str]:
    return [normalise(page.extract_text() or "") for page in reader(pdf).pages]
