"""Run slow work (I/O, sync, batch printing, list preparation) off the GUI thread.

Usage::

    job = ctx.workers.submit(fn, arg1, kw=...)          # fn(*args, progress=..., **kw) if wanted
    job.signals.result.connect(on_result)               # called in the GUI thread
    job.signals.error.connect(on_error)                 # (exception) — show a Chinese message
    job.signals.progress.connect(on_progress)           # (done, total)

``fn`` runs in a QThreadPool thread and must not touch widgets. The job starts when control
returns to the event loop, so signals connected right after ``submit`` are never missed. If ``fn`` accepts a keyword
argument named ``progress``, it receives a callable ``progress(done, total)``. A job can be
cancelled before it starts, and ``job.cancelled`` can be polled by cooperative functions.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

log = logging.getLogger(__name__)


class JobSignals(QObject):
    """Signals of one job; delivered to the GUI thread (queued connections)."""

    result = Signal(object)
    error = Signal(object)
    progress = Signal(int, int)
    finished = Signal()


class Job(QRunnable):
    """One call of ``fn`` in the pool; results come back through :attr:`signals`."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = JobSignals()
        self.cancelled = False
        self.setAutoDelete(False)
        try:
            wants_progress = "progress" in inspect.signature(fn).parameters
        except (TypeError, ValueError):
            wants_progress = False
        if wants_progress:
            self.kwargs["progress"] = self._progress

    def _progress(self, done: int, total: int) -> None:
        self.signals.progress.emit(int(done), int(total))

    def cancel(self) -> None:
        self.cancelled = True

    def run(self) -> None:
        if self.cancelled:
            self.signals.finished.emit()
            return
        try:
            value = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:
            log.error("后台任务出错：%s", "".join(traceback.format_exception(exc)))
            self.signals.error.emit(exc)
        else:
            if not self.cancelled:
                self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()


class WorkerPool(QObject):
    """A thread pool that keeps its running jobs referenced until they finish."""

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._running: dict[JobSignals, Job] = {}

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
        job = Job(fn, *args, **kwargs)
        self._running[job.signals] = job
        # Bound to this QObject: runs in the GUI thread after the job's result/error slots,
        # so the job (and its signals object) is released in the thread that made it.
        job.signals.finished.connect(self._job_done)
        # Started from the event loop, not here: the caller connects result/error after submit()
        # returns, and a fast job must not finish (and emit) before those connections exist.
        QTimer.singleShot(0, self, lambda: self.pool.start(job))
        return job

    def _job_done(self) -> None:
        self._running.pop(self.sender(), None)  # type: ignore[call-overload]

    def active(self) -> int:
        return len(self._running)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every started job is done (for shutdown and tests)."""
        return self.pool.waitForDone(msecs)
