"""One sync run: push the outbox batch by batch, upload attachments, pull by cursor, then
fetch the attachment files of other computers.

``SyncClient(store).sync()`` is what ``jydesk sync`` and the app's background worker call.
Only one run per installation at a time (a lock file beside the database, so the app and a
night-time ``jydesk sync`` never interleave). Progress goes to ``progress(stage, done,
total)``; every batch and error also goes to the sync log the clerk reads, in Chinese.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

import httpx
from filelock import FileLock, Timeout
from sqlalchemy import delete, func, select

from jydesk.store.database import Store
from jydesk.store.sync_models import SyncLogEntry
from jydesk.store.unit_of_work import SERVER_ACTOR
from sync.client import apply, attachments, outbox, split, state
from sync.client.errors import AuthError, NetworkError, NotEnrolledError, RequestRefused, SyncError
from sync.client.transport import RetryPolicy, Transport
from sync.protocol.models import BatchResult, HeldAnswer, PullResult
from sync.protocol.wire import device_authorization

log = logging.getLogger("jydesk.sync")
PULL_LIMIT = 500
HELD_QUERY = 500  # records asked about per POST /held
SLOW_PULL_LIMIT = 100
LOG_KEEP = 1000
LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
STATUS_NAMES = {"applied": "已写入", "merged": "已合并", "conflict": "冲突", "rejected": "被退回", "held": "待上级记录"}

Progress = Callable[[str, int, int], None]


@dataclass
class SyncSummary:
    """What one run did (counts by status for the push, by kind for the pull)."""

    batches: int = 0
    pushed: Counter[str] = field(default_factory=Counter)
    pulled: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)  # what became of held changes (apply.apply_held)
    uploaded: int = 0
    downloaded: int = 0  # attachment files of other computers fetched
    bytes_sent: int = 0
    bytes_received: int = 0
    problems: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def text(self) -> str:
        """One line for the clerk."""
        pushed = sum(self.pushed.values())
        parts = [f"上传 {pushed} 条修改（{self.batches} 批）"]
        detail = "，".join(f"{STATUS_NAMES.get(k, k)} {v}" for k, v in sorted(self.pushed.items()) if v)
        if detail:
            parts[0] += f"：{detail}"
        got = self.pulled["created"] + self.pulled["updated"]
        parts.append(f"下载 {got} 条更新")
        if self.pulled["deferred"]:
            parts.append(f"{self.pulled['deferred']} 条暂缓")
        if self.held["waiting"]:
            parts.append(f"{self.held['waiting']} 条修改仍待上级记录")
        if self.uploaded:
            parts.append(f"附件 {self.uploaded} 个")
        if self.downloaded:
            parts.append(f"下载附件 {self.downloaded} 个")
        return "；".join(parts)


def write_log(store: Store, message: str, level: str = "info", *, audit: bool = False) -> None:
    """Append to the sync log (old lines are trimmed); ``audit``: to the 操作日志 too (同步)."""
    log.log(LEVELS.get(level, logging.INFO), message)
    with store.write(SERVER_ACTOR, origin="server") as w:
        w.session.add(SyncLogEntry(level=level, message=message))
        if audit:
            w.audit("sync", detail=message)
        w.session.flush()
        last = w.session.execute(select(func.max(SyncLogEntry.id))).scalar() or 0
        if last > LOG_KEEP and last % 100 == 0:
            w.session.execute(delete(SyncLogEntry).where(SyncLogEntry.id <= last - LOG_KEEP))


class SyncClient:
    """Talks to the city server for one installation (see the module docstring)."""

    def __init__(self, store: Store, *, server_url: str | None = None, http: httpx.Client | None = None,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 rng: Callable[[], float] = random.random, limits: outbox.BatchLimits | None = None,
                 progress: Progress | None = None,
                 after_response: Callable[[str, BatchResult], None] | None = None,
                 lock_timeout: float = 0.0) -> None:
        creds = state.credentials(store)
        if creds is None:
            raise NotEnrolledError("本机尚未登记到市级平台，请先用登记码登记（jydesk enroll 或“同步”面板中的“登记本机”）")
        self.store = store
        self.creds = creds
        self.server_url = (server_url or creds.server_url).rstrip("/")
        self.transport = Transport(self.server_url, auth=device_authorization(creds.device_id, creds.secret),
                                   client=http, retry=retry, sleep=sleep, rng=rng,
                                   on_retry=lambda text: write_log(store, text, "warning"))
        self.limits = limits or outbox.BatchLimits()
        self.progress = progress
        self.after_response = after_response
        self.lock = FileLock(str(store.path) + ".sync.lock", timeout=lock_timeout, mode=0o600)
        self.answered = 0  # batches the server answered (see _split)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    # -- the run ------------------------------------------------------------------------------

    def sync(self) -> SyncSummary:
        """Push, upload attachments, pull; raises SyncError (already logged) on failure."""
        try:
            with self.lock:
                return self._run()
        except Timeout:
            raise SyncError("另一个同步正在进行（本程序或命令行），请稍后再试") from None

    def _run(self) -> SyncSummary:
        summary = SyncSummary(started_at=datetime.now())
        try:
            self.push(summary)
            uploads = attachments.upload_due(self.transport, self.store,
                                             lambda d, t: self._progress("attachments", d, t))
            summary.uploaded = uploads.uploaded
            if uploads.missing:
                summary.problems.append(f"{len(uploads.missing)} 个附件的文件在本机找不到，未能上传")
            self.pull(summary)
            downloads = attachments.download_due(self.transport, self.store,
                                                 lambda d, t: self._progress("downloads", d, t))
            summary.downloaded = downloads.downloaded
            if downloads.waiting:
                write_log(self.store, f"{downloads.waiting} 个附件暂未下载（另一台电脑尚未上传完，或超出本次下载量），下次同步时再下载")
            if downloads.damaged:
                summary.problems.append(f"{downloads.damaged} 个附件下载后校验不符，未保存，下次同步时重新下载")
        except AuthError as exc:
            write_log(self.store, f"同步停止：{exc.message}", "error", audit=True)
            raise
        except SyncError as exc:
            write_log(self.store, f"同步失败：{exc.message}", "error", audit=True)
            raise
        finally:
            summary.bytes_sent = self.transport.bytes_sent
            summary.bytes_received = self.transport.bytes_received
        summary.finished_at = datetime.now()
        for problem in summary.problems:
            write_log(self.store, problem, "warning")
        # A server address given for this run is remembered once it has worked.
        state.write(self.store, **{state.LAST_SYNC_AT: state.now_iso(), state.SERVER_URL: self.server_url})
        write_log(self.store, f"同步完成：{summary.text()}", audit=True)
        return summary

    # -- push ---------------------------------------------------------------------------------

    def push(self, summary: SyncSummary | None = None) -> SyncSummary:
        summary = summary or SyncSummary()
        for _round in range(3):  # a batch the server found too big is cut smaller and sent again
            limits = self.limits
            if self.transport.slow:
                limits = outbox.BatchLimits(min(limits.max_changes, 100), min(limits.max_bytes, 64 * 1024))
            outbox.form_batches(self.store, limits)
            with self.store.read() as s:
                batch_ids = outbox.in_flight(s)
            reissued = False
            for i, batch_id in enumerate(batch_ids):
                self._progress("push", i, len(batch_ids))
                reissued |= self.send_batch(batch_id, summary)
            self._progress("push", len(batch_ids), len(batch_ids))
            if not reissued:
                break
        return summary

    def send_batch(self, batch_id: str, summary: SyncSummary, *, splitting_since: int | None = None) -> bool:
        """Send one fixed batch (unchanged on every retry) and apply the answer. True if the
        server refused the batch as such (too big, id taken) and its rows wait for a new batch.
        ``splitting_since``: the batch is a part of a failing one, split when ``answered`` was this."""
        with self.store.read() as s:
            batch, rows = outbox.load_batch(s, batch_id, self.creds.device_id)
            row_ids = [r.id for r in rows]
        if not batch.changes:
            return False
        try:
            answer = self.transport.json("POST", "/batches", batch)
        except (NetworkError, RequestRefused) as exc:
            if split.splits(exc):
                since = self.answered if splitting_since is None else splitting_since
                return self._split(batch_id, row_ids, exc, summary, since)
            if not isinstance(exc, RequestRefused):
                raise
            if exc.code == "batch_id_reused":
                self._reissue(batch_id)
                write_log(self.store, f"批次 {batch_id[-8:]} 的编号已被占用，已换新编号重新发送", "warning")
                return True
            if exc.code in ("batch_too_long", "payload_too_large") and len(batch.changes) > 1:
                self._reissue(batch_id)
                self.limits = outbox.BatchLimits(max(1, len(batch.changes) // 2), self.limits.max_bytes // 2)
                write_log(self.store, f"批次 {batch_id[-8:]} 超过服务器的限制，已拆成更小的批次重新发送", "warning")
                return True
            raise
        self.answered += 1
        result = BatchResult.model_validate(answer)
        if self.after_response:
            self.after_response(batch_id, result)
        outcome = apply.apply_ack(self.store, batch_id, result)
        summary.batches += 1
        summary.pushed.update(outcome.counts)
        summary.problems += outcome.problems
        counts = "，".join(f"{STATUS_NAMES.get(k, k)} {v}" for k, v in sorted(outcome.counts.items()))
        replay = "（服务器此前已收到，按原结果处理）" if result.replayed else ""
        write_log(self.store, f"已上传批次 {batch_id[-8:]}：{len(batch.changes)} 条修改，{counts}{replay}")
        if outcome.counts.get("rejected"):
            write_log(self.store, f"批次 {batch_id[-8:]} 中有 {outcome.counts['rejected']} 条修改被退回，请在“同步”面板查看原因并修改后重发",
                      "warning")
        return False

    def _split(self, batch_id: str, row_ids: list[int], exc: SyncError, summary: SyncSummary, since: int) -> bool:
        """Send the batch's changes in halves to find the one the server cannot take
        (``sync.client.split``); that one goes to 被退回 with the server's answer — if the
        server answered another part meanwhile (else it is failing for all, not for this change)."""
        if len(row_ids) > 1:
            halves = split.split_batch(self.store, batch_id, row_ids)
            write_log(self.store, f"批次 {batch_id[-8:]} 未能上传（{exc.message}），已拆成两批重新发送，以找出服务器无法接收的修改",
                      "warning")
            policy = self.transport.retry
            self.transport.retry = replace(policy, attempts=min(policy.attempts, split.SPLIT_ATTEMPTS))
            try:
                return any([self.send_batch(half, summary, splitting_since=since) for half in halves])
            finally:
                self.transport.retry = policy
        if isinstance(exc, NetworkError) and self.answered == since:
            raise exc
        split.refuse(self.store, batch_id, exc)
        summary.pushed["rejected"] += 1
        write_log(self.store, f"批次 {batch_id[-8:]} 中的一条修改服务器无法接收（{exc.message}），已列入“被退回”，其余修改照常上传",
                  "warning")
        return False

    def _reissue(self, batch_id: str) -> None:
        """Give a batch's rows back to the next formation (its id was taken on the server)."""
        from sqlalchemy import update

        from jydesk.store.models import OutboxEntry

        with self.store.write(SERVER_ACTOR, origin="server") as w:
            w.session.execute(update(OutboxEntry).where(OutboxEntry.batch_id == batch_id)
                              .values(batch_id=None))

    # -- pull ---------------------------------------------------------------------------------

    def pull(self, summary: SyncSummary | None = None) -> SyncSummary:
        summary = summary or SyncSummary()
        with self.store.read() as s:
            cursor = state.get(s, state.CURSOR) or ""
        pages = 0
        while True:
            limit = SLOW_PULL_LIMIT if self.transport.slow else PULL_LIMIT
            page = PullResult.model_validate(self.transport.json("GET", "/changes",
                                                                 params={"cursor": cursor, "limit": limit}))
            outcome = apply.apply_page(self.store, page.changes, page.cursor)
            summary.pulled.update(outcome.counts)
            summary.problems += outcome.problems
            cursor = page.cursor
            pages += 1
            self._progress("pull", pages, pages + (1 if page.more else 0))
            if not page.more:
                break
        retried = apply.retry_deferred(self.store)
        summary.pulled["created"] += retried.counts["created"]
        summary.pulled["updated"] += retried.counts["updated"]
        summary.problems += retried.problems
        with self.store.read() as s:
            summary.pulled["deferred"] = apply.deferred_count(s)
        self.settle_held(summary)
        return summary

    def settle_held(self, summary: SyncSummary) -> None:
        """Ask what became of changes the server still held after this pull (a held change
        rejected when its parent arrived would otherwise wait for ever)."""
        with self.store.read() as s:
            keys = outbox.held_keys(s)
        for i in range(0, len(keys), HELD_QUERY):
            asked = {"changes": [{"entity": e, "id": rid} for e, rid in keys[i:i + HELD_QUERY]]}
            try:
                answer = HeldAnswer.model_validate(self.transport.json("POST", "/held", asked))
            except RequestRefused as exc:
                if exc.status != 404:
                    raise
                log.info("server has no POST /held yet: held changes wait for their records")
                return
            outcome = apply.apply_held(self.store, answer.results)
            summary.held.update(outcome.counts)
            summary.problems += outcome.problems
