"""``import-bundle``: apply a USB bundle with exactly the batch semantics.

The bundle's device must be enrolled and not revoked; its signature must verify with
that device's bundle key. Each batch is then applied like a push (idempotent per batch
id), so importing twice — or pushing the same batches online later — changes nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sync.bundle import BundleError, read_header, verify
from sync.protocol.errors import ErrorCode
from sync.server.batches import apply_batch
from sync.server.db import Database
from sync.server.devices import get_device
from sync.server.errors import ServiceError


def import_bundle(db: Database, data: bytes) -> dict[str, Any]:
    try:
        header = read_header(data)[0]
    except BundleError as exc:
        raise ServiceError(exc.code, 422, exc.message) from None
    device = get_device(db, header.device_id)
    if device is None:
        raise ServiceError(ErrorCode.BUNDLE_TAMPERED, 422, f"数据包来自未登记的设备 {header.device_id}，已拒绝导入")
    if device.revoked_at is not None:
        raise ServiceError(ErrorCode.DEVICE_REVOKED, 403, "数据包来自已停用的设备，已拒绝导入")
    try:
        bundle = verify(data, device.bundle_key)
    except BundleError as exc:
        raise ServiceError(exc.code, 422, exc.message) from None
    if header.village_code != device.ref.village_code:
        raise ServiceError(ErrorCode.BUNDLE_TAMPERED, 422, "数据包中的村(社区)代码与设备不一致")
    counts: Counter[str] = Counter()
    replayed = 0
    results = []
    for batch in bundle.batches:
        result = apply_batch(db, device.ref, batch, source="bundle")
        replayed += bool(result["replayed"])
        counts.update(r["status"] for r in result["results"])
        results.append(result)
    return {"device_id": device.ref.id, "village_code": device.ref.village_code, "batches": len(bundle.batches),
            "replayed": replayed, "counts": dict(counts), "results": results}
