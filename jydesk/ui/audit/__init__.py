"""修改记录 (one record's history) and 操作日志 (the whole audit log, administrators); no dock:
the record menus open the history, the 工具 menu the log. The start-up check of the log's hash
chain runs in a worker (``checks``)."""
