"""The local store: SQLAlchemy 2 models and the unit of work over the installation's SQLite file.

Open with :func:`open_store`; read with ``store.read()``; write ONLY with ``store.write(actor)``,
which stores each row, its audit entry and its outbox entry in one transaction.
"""

from jydesk.store.database import SchemaTooNewError, Store, open_store
from jydesk.store.unit_of_work import SYSTEM_ACTOR, Actor, Writer

__all__ = ["SYSTEM_ACTOR", "Actor", "SchemaTooNewError", "Store", "Writer", "open_store"]
