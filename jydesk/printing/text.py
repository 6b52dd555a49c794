"""Inline text for table cells: tokens, Chinese line wrapping and shrink-to-fit.

A paragraph is a list of tokens. Chinese wraps between any two characters; a run of
Latin letters/digits (an ID number, an amount, a phone number) stays whole unless it is
longer than the line. Closing punctuation never starts a line. Check boxes are tokens too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from math import ceil
from typing import NamedTuple

from jydesk.printing.fonts import char_width, text_width

TEXT, BOX, CHECKED, BREAK, SPACE = 0, 1, 2, 3, 4
BOX_WIDTH = 1.0  # em, box plus a little gap
LEADING = 1.32
MIN_SIZE = 7.0
SIZE_STEP = 0.5
CONTINUED = "…（见续页）"
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_/:@%+×*#]*|\n|[ \t]+|.", re.S)
_CLOSING = frozenset("，。、；：？！）》」』】〕”’,.;:?!)]%…—")


class Token(NamedTuple):
    kind: int
    text: str
    width: float  # at 1 pt


SPACE_TOKEN = Token(SPACE, " ", 0.3)
NEWLINE = Token(BREAK, "\n", 0.0)


def tokens(text: str) -> list[Token]:
    """Tokens of plain text (newlines become hard breaks)."""
    return list(_tokens(text))


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[Token, ...]:
    result: list[Token] = []
    append = result.append
    known = _char_tokens
    for piece in _TOKEN.findall(text):
        if len(piece) == 1 and piece not in "\n \t":
            append(known.get(piece) or _char_token(piece))
        elif piece == "\n":
            append(NEWLINE)
        elif piece[0] in " \t":
            append(Token(SPACE, " ", char_width(" ") * len(piece)))
        else:
            append(Token(TEXT, piece, text_width(piece, 1.0)))
    return tuple(result)


_char_tokens: dict[str, Token] = {}  # one token per character, shared (tokens are immutable)


def _char_token(char: str) -> Token:
    token = _char_tokens[char] = Token(TEXT, char, char_width(char))
    return token


def word(text: str) -> Token:
    """``text`` as one unbreakable token (a choice label) unless it is wider than the line."""
    return Token(TEXT, text, text_width(text, 1.0))


def box(checked: bool) -> Token:
    return Token(CHECKED if checked else BOX, "✓" if checked else "", BOX_WIDTH)


def gap(ems: float = 1.0) -> Token:
    return Token(SPACE, " ", ems)


Line = list[Token]


def line_width(line: Line) -> float:
    return sum([t[2] for t in line])


def wrap(items: list[Token], width: float) -> tuple[list[Line], bool]:
    """Lines no wider than ``width`` (in 1-pt units); True if a word had to be split.

    Remembered per (tokens, width): a form's labels and fixed wording wrap the same way for
    every record. The lines are shared between callers and must not be modified.
    """
    lines, split = _wrap(tuple(items), width)
    return list(lines), split


@lru_cache(maxsize=4096)
def _wrap(items: tuple[Token, ...], width: float) -> tuple[tuple[Line, ...], bool]:
    lines: list[Line] = []
    current: Line = []
    used = 0.0
    split = False
    soft = False  # the current line began at a wrap, not at a hard break
    pending = list(reversed(items))
    while pending:
        token = pending.pop()
        if token.kind == BREAK:
            lines.append(current)
            current, used, soft = [], 0.0, False
            continue
        if token.kind == SPACE and not current and soft:
            continue  # no space at the start of a wrapped line
        if used + token.width <= width + 1e-6:
            current.append(token)
            used += token.width
            continue
        soft = True
        if token.kind == SPACE:
            lines.append(current)
            current, used = [], 0.0
            continue
        if token.kind == TEXT and token.text[0] in _CLOSING and current:
            # 避头: a closing mark never starts a line; the character before it moves down with it
            if len(current) > 1 and current[-1].kind == TEXT:
                carried_char = current.pop()
                lines.append(current)
                current = [carried_char, token]
                used = carried_char.width + token.width
            else:
                current.append(token)
                lines.append(current)
                current, used = [], 0.0
            continue
        if token.width > width and token.kind == TEXT and len(token.text) > 1:
            split = True
            pending.extend(reversed([Token(TEXT, c, char_width(c)) for c in token.text]))
            continue
        carried: Line = []
        if current and current[-1].kind in (BOX, CHECKED):
            carried = [current.pop()]  # a check box stays with its label
        if current:
            lines.append(current)
        current = [*carried, token]
        used = sum(t.width for t in current)
    if current or not lines:
        lines.append(current)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return tuple(lines), split


@dataclass(frozen=True, slots=True)
class Fitted:
    """Lines set at ``size`` that fit the box; ``overflow`` when text had to be cut."""

    lines: list[Line]
    size: float
    overflow: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


def needed_height(items: list[Token], width: float, size: float) -> float:
    """Height the paragraph needs at ``size`` in a box ``width`` wide (points)."""
    lines, _ = wrap(items, width / size)
    return len(lines) * size * LEADING


def one_line_size(items: list[Token], width: float, size: float, floor: float) -> float | None:
    """The largest size between ``size`` and ``floor`` at which ``items`` fit on one line."""
    natural = line_width(items)
    if natural <= 0 or any(t.kind == BREAK for t in items):
        return size if natural <= 0 else None
    best = min(size, width / natural)
    best = int(best / SIZE_STEP) * SIZE_STEP if best < size else size
    return best if best >= floor - 1e-6 else None


def fit(items: list[Token], width: float, height: float, size: float, min_size: float = MIN_SIZE,
        one_line_floor: float = 0.0, first: tuple[list[Line], bool] | None = None) -> Fitted:
    """Set ``items`` in ``width`` x ``height`` points: shrink down to ``min_size``, then cut.

    With ``one_line_floor``, a short value is first shrunk (not below that size) to stay on
    one line rather than wrap. A cut paragraph ends with “…（见续页）” and ``overflow`` is
    True: the caller prints the full text on a continuation sheet, so nothing is lost silently.
    ``first`` is the wrap at ``size`` if the caller already has it.
    """
    if one_line_floor:
        single = one_line_size(items, width, size, one_line_floor)
        if single is not None and single * LEADING <= height + 0.01:
            return Fitted([list(items)], single)
    # A size is skipped unwrapped when even a perfect fill needs too many lines: every token
    # but a space lands on a line, and no line holds more than the width (or widest token) plus one token.
    inked = sum([t[2] for t in items if t[0] != SPACE])
    widest = max([t[2] for t in items], default=0.0)
    current = size
    while True:
        if first is not None and current == size:
            lines, split = first
        elif ceil(inked / (max(width / current, widest) + widest) - 1e-9) * current * LEADING > height + 0.01:
            lines, split = [], False
        else:
            lines, split = wrap(items, width / current)
        fits = bool(lines) and len(lines) * current * LEADING <= height + 0.01
        if fits and (not split or current <= min_size):
            return Fitted(lines, current)
        if current - SIZE_STEP < min_size - 1e-6:
            break
        current -= SIZE_STEP
    current = min_size
    lines, _ = wrap(items, width / current)
    if len(lines) * current * LEADING <= height + 0.01:
        return Fitted(lines, current)
    keep = max(1, int(height // (current * LEADING)))
    marker = tokens(CONTINUED)
    last = list(lines[keep - 1])
    room = width / current - line_width(marker)
    while last and line_width(last) > room:
        last.pop()
    return Fitted([*lines[: keep - 1], last + marker], current, overflow=True)
