"""Pinyin initials for search, with surname readings for the first character.

pypinyin reads polyphonic surnames with their common reading (曾 -> c, 单 -> d …); names
start with the surname, so the first character uses the surname reading.
"""

from __future__ import annotations

from functools import lru_cache

# Surname readings that differ from the common reading (first letter only matters here).
SURNAME_INITIALS = {
    "曾": "z", "单": "s", "解": "x", "仇": "q", "查": "z", "朴": "p", "区": "o", "尉": "y",
    "缪": "m", "翟": "z", "覃": "q", "盖": "g", "乐": "y", "召": "s", "种": "c",
    "秘": "b", "万": "w", "黑": "h", "晟": "c", "便": "p", "员": "y", "能": "n", "华": "h",
    "纪": "j", "沈": "s", "句": "g", "朝": "c", "重": "c", "藏": "z", "宿": "s", "繁": "p",
}


@lru_cache(maxsize=65536)
def initials(name: str) -> str:
    """``曾伟`` -> ``zw``; non-Chinese characters are kept lower-cased, spaces dropped."""
    name = "".join(name.split())
    if not name:
        return ""
    from pypinyin import Style, lazy_pinyin  # imported on first use: it costs ~0.3 s at start-up

    letters = [p[:1].lower() for p in lazy_pinyin(name, style=Style.NORMAL, errors=lambda s: list(s))]
    first = SURNAME_INITIALS.get(name[0])
    if first and letters:
        letters[0] = first
    return "".join(letters)
