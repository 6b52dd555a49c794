"""The audit log: its hash chain (``chain``), reading it (``log``: one record's history, the
filtered 操作日志 list, kinds) and exporting it (``export``). See docs/architecture.md § Audit log."""
