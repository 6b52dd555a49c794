"""The program's version (pyproject.toml's ``version``) and how versions compare.

Installed (wheel, editable install) and in the desktop bundle (packaging/jydesk.spec copies
the package metadata) it comes from ``importlib.metadata``; run from a bare checkout it is
``jydesk.__version__``, which tests/test_version.py keeps equal to pyproject.toml's.
"""

from __future__ import annotations

import re
from functools import cache

from jydesk import __version__

DISTRIBUTION = "jydesk"
#: The longest version text a server stores for a device.
MAX_LENGTH = 40


@cache
def app_version() -> str:
    """``0.1.0``: this program's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return __version__


def version_key(text: str) -> tuple[int, ...]:
    """``"0.10.2"`` → ``(0, 10, 2)`` for ordering; the leading digits of each dotted part
    count (``1.2.0rc1`` → ``(1, 2, 0)``), a part without digits counts 0."""
    parts = []
    for part in text.strip().lstrip("vV").split("."):
        digits = re.match(r"\d+", part)
        parts.append(int(digits.group()) if digits else 0)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def is_version(text: str) -> bool:
    """Whether ``text`` reads as a dotted version (``0.2``, ``0.2.0``, ``v1.0``)."""
    text = text.strip()
    return len(text) <= MAX_LENGTH and re.fullmatch(r"[vV]?\d+(?:\.\d+)*(?:[A-Za-z]+\d*)?(?:[.+\-][0-9A-Za-z]+)*", text) is not None
