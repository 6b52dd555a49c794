"""Submitting worker jobs whose signals are connected before the job may run.

``WorkerPool.submit`` starts the job at once; a job that finishes before the caller has
connected ``result`` would be lost (a queued signal goes only to existing connections).
:func:`run_in_worker` holds the job at a gate until its handlers are connected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from jydesk.ui.shell.context import AppContext


def run_in_worker(ctx: AppContext, fn: Callable[..., Any], *args: Any,
                  on_result: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None,
                  on_progress: Callable[[int, int], None] | None = None) -> Any:
    """Run ``fn(*args)`` in the session's worker pool (``progress`` passed if ``on_progress``)."""
    gate = threading.Event()

    if on_progress is not None:
        def gated(progress: Callable[[int, int], None]) -> Any:
            gate.wait()
            return fn(*args, progress=progress)
    else:
        def gated() -> Any:  # type: ignore[misc]
            gate.wait()
            return fn(*args)

    job = ctx.workers.submit(gated)
    if on_result is not None:
        job.signals.result.connect(on_result)
    if on_error is not None:
        job.signals.error.connect(on_error)
    if on_progress is not None:
        job.signals.progress.connect(on_progress)
    gate.set()
    return job
