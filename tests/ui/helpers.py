"""Helpers shared by UI tests: valid ID numbers outside the demo range, row counts."""

from __future__ import annotations

from sqlalchemy import func, select

from jydesk.domain.idnumber import check_digit
from jydesk.store import Store
from jydesk.store.models import AuditEntry, Household, OutboxEntry, Person


def id_number(birth: str, seq: int, *, area: str = "110105") -> str:
    """A valid 18-digit number (area 110105 never occurs in the demo village): birth YYYYMMDD."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_digit(first17)


def bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:17] + wrong


def counts(store: Store) -> dict[str, int]:
    with store.read() as s:
        return {
            "households": s.execute(select(func.count()).select_from(Household)).scalar_one(),
            "persons": s.execute(select(func.count()).select_from(Person)).scalar_one(),
            "audit": s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            "outbox": s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one(),
        }


def first_household_with(store: Store, members: int) -> str:
    """Id of a demo household with at least ``members`` living members."""
    with store.read() as s:
        return s.execute(
            select(Person.household_id).where(Person.deleted.is_(False)).group_by(Person.household_id)
            .having(func.count() >= members).order_by(Person.household_id).limit(1)
        ).scalar_one()


def type_text(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type like a clerk: ASCII through key presses, Chinese through an input-method commit
    (as a pinyin IME delivers it). QTest cannot press keys for non-ASCII characters."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    run = ""
    for ch in text + "\0":
        if ch != "\0" and (ord(ch) >= 128) == (bool(run) and ord(run[0]) >= 128):
            run += ch
            continue
        if run:
            if ord(run[0]) < 128:
                qtbot.keyClicks(widget, run)
            else:
                event = QInputMethodEvent()
                event.setCommitString(run)
                QApplication.sendEvent(widget, event)
        run = ch if ch != "\0" else ""
