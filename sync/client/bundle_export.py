"""``导出同步包``: every pending change as fixed batches in one signed file for a USB stick.

The batches are formed exactly as for an online push (their ids fixed in the outbox first),
so when the city imports the file (``jydesk-server import-bundle``) and the device later
goes online, the same batch ids are answered with the stored results: the device applies
them and nothing is applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jydesk.store.database import Store
from sync.bundle import bundle_key, save_bundle, write_bundle
from sync.client import outbox, state
from sync.client.engine import write_log
from sync.client.errors import NotEnrolledError, SyncError


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    batches: int
    changes: int
    size: int


def export_bundle(store: Store, path: Path | str, limits: outbox.BatchLimits | None = None) -> ExportResult:
    creds = state.credentials(store)
    if creds is None:
        raise NotEnrolledError("本机尚未登记到市级平台，不能导出同步包（数据包需用本机密钥签名）")
    village = creds.village_code or store.village_code() or ""
    outbox.form_batches(store, limits or outbox.BatchLimits())
    with store.read() as s:
        batches = [outbox.load_batch(s, b, creds.device_id)[0] for b in outbox.in_flight(s)]
    batches = [b for b in batches if b.changes]
    if not batches:
        raise SyncError("没有待同步的修改，无需导出同步包")
    data = write_bundle(batches, device_id=creds.device_id, village_code=village, key=bundle_key(creds.secret))
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        save_bundle(target, data)
    except OSError as exc:
        raise SyncError(f"无法写入文件 {target}：{exc.strerror or exc}") from None
    changes = sum(len(b.changes) for b in batches)
    write_log(store, f"已导出同步包 {target.name}：{len(batches)} 批，{changes} 条修改，交市民政局导入后，下次联网同步时取回结果")
    return ExportResult(target, len(batches), changes, len(data))
