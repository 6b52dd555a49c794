"""The city server: HTTP API (``app``), storage (``models``, ``db``, alembic migrations),
plain services (``enrollment``, ``batches``, ``pull``, ``attachments``, ``review``) and the
``jydesk-server`` command line (``cli``). Imports ``sync.protocol`` and ``jydesk.domain``
only — never the desktop's ui or store."""
