"""Finding the change a server cannot take: a batch that keeps failing is split in two.

A batch the server keeps answering with 500/502 (after the transport's retries), or refuses
as a whole as malformed (422 ``invalid_request``), may hold one change the server cannot
take. Its rows get two NEW fixed batch ids (one transaction, before anything is sent) and
each half is sent on its own, down to the single change at fault, which goes to the clerk's
被退回 list with the server's answer; the other changes are sent and acknowledged as usual.

The fixed-batch-id invariant holds: the old id is never sent again, and every new batch is
fixed before it is sent. If the server had in fact applied the old batch (its answer lost,
and the replays failing too), the halves send the same changes again under new ids. That is
safe: re-sending a change writes the same values (a device never conflicts with its own
earlier edits), a new record arrives as the record it already is, and held changes of a
record queue behind each other.
"""

from __future__ import annotations

from sqlalchemy import update

from jydesk.domain.ids import new_id
from jydesk.store.database import Store
from jydesk.store.models import OutboxEntry
from jydesk.store.unit_of_work import SERVER_ACTOR
from sync.client import state
from sync.client.errors import NetworkError, RequestRefused, SyncError
from sync.client.outbox import PENDING, REJECTED

#: Server answers after which a batch is split (a gateway answers 502 when a worker died on it).
SPLIT_STATUSES = frozenset({500, 502})
#: Tries per half while splitting (a half that fails keeps failing: the split goes on).
SPLIT_ATTEMPTS = 2


def splits(exc: SyncError) -> bool:
    """Whether this failure of a batch may come from one of its changes."""
    if isinstance(exc, NetworkError):
        return exc.status in SPLIT_STATUSES
    return isinstance(exc, RequestRefused) and exc.status == 422 and exc.code == "invalid_request"


def split_batch(store: Store, batch_id: str, row_ids: list[int]) -> list[str]:
    """Give the batch's rows (in their order) two new fixed batch ids; return them."""
    half = len(row_ids) // 2
    parts = [(new_id(), row_ids[:half]), (new_id(), row_ids[half:])]
    t = OutboxEntry
    with store.write(SERVER_ACTOR, origin="server") as w:
        for new, ids in parts:
            w.session.execute(update(t).where(t.id.in_(ids), t.batch_id == batch_id, t.state == PENDING)
                              .values(batch_id=new))
    return [new for new, _ in parts]


def refuse(store: Store, batch_id: str, exc: SyncError) -> None:
    """Put the rows of ``batch_id`` (one change) in 被退回 with the server's answer."""
    error = {"batch_id": batch_id, "at": state.now_iso(), "revision": 0,
             "errors": [{"field": None, "code": exc.code or "server_error",
                         "message": f"服务器无法接收这条修改：{exc.message}"}]}
    t = OutboxEntry
    with store.write(SERVER_ACTOR, origin="server") as w:
        w.session.execute(update(t).where(t.batch_id == batch_id, t.state == PENDING)
                          .values(state=REJECTED, batch_id=None, error=error))
