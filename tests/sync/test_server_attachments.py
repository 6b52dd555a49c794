"""Attachments: chunked resumable upload, sha256 verification, one copy per hash, village scope."""

from __future__ import annotations

import hashlib
import os

from jydesk.domain.ids import new_id
from tests.sync.conftest import DeviceClient, ServerEnv, change


def start(device: DeviceClient, data: bytes, sha: str | None = None) -> dict:
    r = device.http.post("/api/v1/attachments", headers=device.headers,
                         json={"sha256": sha or hashlib.sha256(data).hexdigest(), "size": len(data), "mime": "image/jpeg"})
    assert r.status_code == 200, r.text
    return r.json()


def put(device: DeviceClient, sha: str, offset: int, chunk: bytes):
    return device.http.put(f"/api/v1/attachments/{sha}", params={"offset": offset}, content=chunk,
                           headers={**device.headers, "Content-Type": "application/octet-stream"})


def link(device: DeviceClient, sha: str, size: int) -> str:
    """An attachment record of the device's village pointing at the file."""
    hid, hh = device.household()
    aid = new_id()
    res = device.push([hh, change("attachment", aid, {"village_code": device.village, "owner_entity": "household",
                                                      "owner_id": hid, "sha256": sha, "size": size,
                                                      "mime": "image/jpeg", "filename": "户口本.jpg"})])
    assert [r["status"] for r in res] == ["applied", "applied"], res
    return aid


def test_upload_resumes_from_the_servers_offset(server: ServerEnv, device) -> None:
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    assert start(device, data) == {"sha256": sha, "size": len(data), "received": 0, "complete": False}
    assert put(device, sha, 0, data[:100_000]).json()["received"] == 100_000
    # the link drops; the client asks where to go on and resends from there
    assert start(device, data)["received"] == 100_000
    wrong = put(device, sha, 50_000, data[50_000:150_000])
    assert wrong.status_code == 409 and wrong.json()["code"] == "offset_mismatch"
    assert wrong.json()["received"] == 100_000 and wrong.json()["field"] == "offset"
    assert put(device, sha, 100_000, data[100_000:250_000]).json() == {
        "sha256": sha, "size": len(data), "received": 250_000, "complete": False}
    done = put(device, sha, 250_000, data[250_000:])
    assert done.json()["complete"] is True
    stored = server.settings.blob_dir / sha[:2] / sha
    assert stored.read_bytes() == data
    link(device, sha, len(data))
    got = device.http.get(f"/api/v1/attachments/{sha}/content", headers=device.headers)
    assert got.status_code == 200 and got.content == data and got.headers["content-type"] == "image/jpeg"


def test_same_file_is_stored_once(server: ServerEnv, device) -> None:
    data = os.urandom(10_000)
    sha = hashlib.sha256(data).hexdigest()
    start(device, data)
    put(device, sha, 0, data)
    other = server.enroll()
    assert start(other, data)["complete"] is True  # nothing to send again
    assert put(other, sha, 0, data).json()["complete"] is True
    assert server.scalar("SELECT count(*) FROM blobs WHERE sha256 = :s", s=sha) == 1
    assert len(list((server.settings.blob_dir / sha[:2]).glob(sha + "*"))) == 1


def test_corrupted_upload_is_discarded(server: ServerEnv, device) -> None:
    data = os.urandom(5_000)
    sha = hashlib.sha256(data).hexdigest()
    start(device, data)
    bad = put(device, sha, 0, data[:-1] + bytes([data[-1] ^ 0xFF]))
    assert bad.status_code == 422 and bad.json()["code"] == "hash_mismatch"
    status = device.http.get(f"/api/v1/attachments/{sha}", headers=device.headers).json()
    assert status == {"sha256": sha, "size": len(data), "received": 0, "complete": False}
    assert put(device, sha, 0, data).json()["complete"] is True


def test_files_are_served_only_to_the_village_that_links_them(server: ServerEnv, device) -> None:
    data = os.urandom(2_000)
    sha = hashlib.sha256(data).hexdigest()
    start(device, data)
    put(device, sha, 0, data)
    other = server.enroll()
    assert other.http.get(f"/api/v1/attachments/{sha}/content", headers=other.headers).status_code == 404
    link(device, sha, len(data))
    assert other.http.get(f"/api/v1/attachments/{sha}/content", headers=other.headers).status_code == 404
    assert device.http.get(f"/api/v1/attachments/{sha}/content", headers=device.headers).status_code == 200


def test_oversized_declarations_and_chunks_are_refused(server: ServerEnv, device) -> None:
    r = device.http.post("/api/v1/attachments", headers=device.headers,
                         json={"sha256": "0" * 64, "size": server.settings.limits.max_attachment_bytes + 1})
    assert r.status_code == 413 and r.json()["code"] == "attachment_too_large"
    data = b"abc"
    sha = hashlib.sha256(data).hexdigest()
    start(device, data)
    r = put(device, sha, 0, b"abcdef")
    assert r.status_code == 413
    assert device.http.get(f"/api/v1/attachments/{'f' * 64}", headers=device.headers).status_code == 404
