"""What every panel gets: the store, the logged-in clerk, the app-wide signal hub and the workers.

Panels never call each other directly; they talk through :class:`SignalHub`:

- ``record_selected(entity, id)``  a list made a record current (e.g. ``("person", id)``).
- ``open_record(entity, id)``      ask the panel that edits this kind of record to open it;
                                   entities: ``"household"``, ``"person"`` (opens its household),
                                   later ``"case"``, ``"visit"``.
- ``new_record(entity)``           ask for a new, empty record of this kind.
- ``record_saved(entity, id)``     a record was written; lists refresh, counters update.
- ``open_case(id)``                open a case (issue 5's case panel listens).
- ``navigate(key)``                a navigation entry was chosen (see ``Panel.nav_entries``).
- ``outbox_changed()``             the number of changes waiting to sync may have changed.
- ``sync_state_changed(text)``     online/offline text for the status bar (sync engineer emits).
- ``actor_changed()``              another clerk logged in (``ctx.actor`` is the new one).
- ``locked_changed(locked)``       the window was locked/unlocked after inactivity.
- ``status_message(text)``         a short message for the status bar.

``ctx.actor`` changes when the clerk switches: read it when writing, never keep a copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from jydesk.store.actor import Actor
from jydesk.ui.shell.workers import WorkerPool

if TYPE_CHECKING:
    from jydesk.store.database import Store


class SignalHub(QObject):
    """App-wide signals (see the module docstring for their meaning)."""

    record_selected = Signal(str, str)
    open_record = Signal(str, str)
    new_record = Signal(str)
    record_saved = Signal(str, str)
    show_history = Signal(str, str)  # 修改记录 of (entity, record id)
    open_case = Signal(str)
    navigate = Signal(str)
    outbox_changed = Signal()
    sync_state_changed = Signal(str)
    actor_changed = Signal()
    locked_changed = Signal(bool)
    status_message = Signal(str)


@dataclass
class AppContext:
    """Shared by the main window and all panels of one session."""

    store: Store
    actor: Actor
    hub: SignalHub = field(default_factory=SignalHub)
    workers: WorkerPool = field(default_factory=WorkerPool)
    username: str = ""  # login name of ``actor`` (for unlocking)
