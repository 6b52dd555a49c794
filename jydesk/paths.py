"""Where the project's data folders are: forms/ and resources/ (source checkout or install)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


@cache
def forms_dir() -> Path:
    """The declarative form definitions ($JYDESK_FORMS_DIR overrides)."""
    env = os.environ.get("JYDESK_FORMS_DIR")
    return Path(env) if env else _ROOT / "forms"


@cache
def resources_dir() -> Path:
    return _ROOT / "resources"


def font_path() -> Path:
    return resources_dir() / "fonts" / "wqy-microhei.ttc"
