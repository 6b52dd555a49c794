"""Applying what the server says to the local store, each in ONE local transaction.

- :func:`apply_ack`: a batch result. Acknowledged rows leave the outbox in the same
  transaction that records the server revision, adopts the server's values of other fields
  (merged) and keeps both values of every conflicting field; rejected rows stay with the
  reason; held rows wait for the record to come back through pull.
- :func:`apply_held`: what became of changes the server had held (asked after the pull).
  One rejected when its parent arrived becomes a rejected row with the reason (it would
  otherwise wait for a record that never comes back); one applied leaves the outbox; one
  the server knows nothing of is sent again (applying a change twice writes nothing new).
- :func:`apply_page`: one pull page and the new cursor together. Fields this device has
  changed and the server has not taken yet keep their local value (the push that follows
  settles them: merged or conflict). A record that cannot be applied yet — its parent has
  not arrived, or it clashes with a local record — is kept whole in ``sync_deferred`` and
  retried on every sync, so the cursor can move on without losing anything.

Server values never fail silently: a value the local rules refuse is logged and the record
deferred, never half-applied.

The batch answers are ``sync.client.answers``, the pulled records ``sync.client.pulled``.
"""

from __future__ import annotations

from sync.client.answers import apply_ack, apply_held
from sync.client.local_writes import Outcome
from sync.client.outbox import PENDING, REJECTED
from sync.client.pulled import apply_page, deferred_count, retry_deferred

__all__ = ["PENDING", "REJECTED", "Outcome", "apply_ack", "apply_held", "apply_page", "deferred_count",
           "retry_deferred"]
