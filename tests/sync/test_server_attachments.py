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
    same_village = server.enroll(device.village)
    assert start(same_village, data)["complete"] is True  # nothing to send again
    assert put(same_village, sha, 0, data).json()["complete"] is True
    other = server.enroll()  # another village sends the bytes itself, but they are kept once
    assert start(other, data) == {"sha256": sha, "size": len(data), "received": 0, "complete": False}
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


def test_another_villages_file_is_neither_seen_nor_fetched(server: ServerEnv, device) -> None:
    """Issue 15, item 6: village B can neither learn that village A has a file nor fetch it
    by claiming its hash, until a device of B has sent the same bytes itself."""
    data = os.urandom(50_000)
    sha = hashlib.sha256(data).hexdigest()
    start(device, data)
    put(device, sha, 0, data[:20_000])
    b = server.enroll()
    unknown = b.http.get(f"/api/v1/attachments/{'e' * 64}", headers=b.headers)
    probe = b.http.get(f"/api/v1/attachments/{sha}", headers=b.headers)
    assert probe.status_code == unknown.status_code == 404 and probe.json()["detail"] == unknown.json()["detail"]
    put(device, sha, 20_000, data[20_000:])
    probe = b.http.get(f"/api/v1/attachments/{sha}", headers=b.headers)
    assert probe.status_code == 404 and probe.json()["detail"] == unknown.json()["detail"]
    # claiming the hash does not make it present, and a link of B's own does not open it
    assert start(b, data) == {"sha256": sha, "size": len(data), "received": 0, "complete": False}
    assert b.http.get(f"/api/v1/attachments/{sha}", headers=b.headers).json()["received"] == 0
    link(b, sha, len(data))
    assert b.http.get(f"/api/v1/attachments/{sha}/content", headers=b.headers).status_code == 409  # not sent yet
    forged = put(b, sha, 0, os.urandom(len(data)))
    assert forged.status_code == 422 and forged.json()["code"] == "hash_mismatch"
    assert b.http.get(f"/api/v1/attachments/{sha}/content", headers=b.headers).status_code == 409
    # a wrong size is B's own business: it tells nothing of A's file
    other_size = b.http.post("/api/v1/attachments", headers=b.headers,
                             json={"sha256": sha, "size": 7, "mime": "image/jpeg"})
    assert other_size.status_code == 200 and other_size.json()["received"] == 0
    assert start(b, data)["received"] == 0
    # once B has sent the bytes, the file is B's too (stored once) and A's is untouched
    assert put(b, sha, 0, data).json()["complete"] is True
    got = b.http.get(f"/api/v1/attachments/{sha}/content", headers=b.headers)
    assert got.status_code == 200 and got.content == data
    assert len(list((server.settings.blob_dir / sha[:2]).glob(sha + "*"))) == 1
    link(device, sha, len(data))
    assert device.http.get(f"/api/v1/attachments/{sha}/content", headers=device.headers).content == data


def test_uploads_of_two_villages_do_not_disturb_each_other(server: ServerEnv, device) -> None:
    data = os.urandom(30_000)
    sha = hashlib.sha256(data).hexdigest()
    b = server.enroll()
    start(device, data)
    start(b, data)
    assert put(device, sha, 0, data[:10_000]).json()["received"] == 10_000
    assert put(b, sha, 0, data[:5_000]).json()["received"] == 5_000
    assert start(device, data)["received"] == 10_000 and start(b, data)["received"] == 5_000
    assert put(b, sha, 5_000, data[5_000:]).json()["complete"] is True
    assert start(device, data)["received"] == 10_000  # A goes on from where it was
    assert put(device, sha, 10_000, data[10_000:]).json()["complete"] is True
    assert not list((server.settings.blob_dir / sha[:2]).glob(sha + "*.part"))
