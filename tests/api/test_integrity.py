"""Checksums verified on demand, touch, and several AVU changes as one, over HTTP, on both
backends."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from datetime import datetime, timezone


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def checksum_url(api, path: str) -> str:
    return api.url("/api/checksum" + path)


def touch_url(api, path: str) -> str:
    return api.url("/api/touch" + path)


def meta_url(api, path: str) -> str:
    return api.url("/api/metadata" + path)


def corrupt(api, path: str) -> None:
    """Flip a bit of the stored bytes behind the catalog's back (bit rot)."""
    if api.backend == "irods":
        with api.irods.catalog.lock:
            api.irods.catalog.objs[path].data[0] ^= 1
        return
    with sqlite3.connect(api.live.data_dir / "catalog.sqlite") as catalog:
        [vault] = catalog.execute("SELECT vault FROM nodes WHERE path = ?", (path,)).fetchone()
    stored = api.vault() / vault
    data = bytearray(stored.read_bytes())
    data[0] ^= 1
    stored.write_bytes(bytes(data))


# --- checksums -----------------------------------------------------------------------------------

def test_verify_reads_the_bytes_again(api, alice, place):
    path = place("precious.bin")
    assert alice.put(api.data_url(path), data=b"precious").status_code == 201
    verified = alice.post(checksum_url(api, path))
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"path": path, "checksum": sha2(b"precious"), "verified": True}

    corrupt(api, path)
    stored = alice.post(checksum_url(api, path), json={"verify": False})
    assert stored.json() == {"path": path, "checksum": sha2(b"precious"), "verified": False}
    mismatch = alice.post(checksum_url(api, path), json={"verify": True})
    assert mismatch.status_code == 409, mismatch.text
    assert mismatch.json()["type"] == "checksum_mismatch" and mismatch.json()["verified"] is False


def test_checksum_errors(api, alice, bob, anonymous, place):
    alice.put(api.data_url(place("f.txt")), data=b"f")
    assert alice.post(checksum_url(api, place("missing"))).status_code == 404
    assert alice.post(checksum_url(api, place(""))).status_code == 409  # a collection
    assert bob.post(checksum_url(api, place("f.txt"))).status_code == 403
    assert anonymous.post(checksum_url(api, place("f.txt"))).status_code == 401
    assert alice.post(checksum_url(api, place("f.txt")), json={"verify": "yes"}).status_code == 400
    assert alice.post(checksum_url(api, place("f.txt")), data=b"[",
                      headers={"Content-Type": "application/json"}).status_code == 400


# --- touch -----------------------------------------------------------------------------------------

def test_touch_creates_an_empty_object_then_sets_times(api, alice, place):
    path = place("touched.txt")
    created = alice.post(touch_url(api, path))
    assert created.status_code == 201, created.text
    assert created.json()["size"] == 0 and created.json()["checksum"] == sha2(b"")
    assert alice.get(api.data_url(path)).content == b""

    dated = alice.post(touch_url(api, path), json={"modified": "2021-05-04T03:02:01Z"})
    assert dated.status_code == 200, dated.text
    assert datetime.fromisoformat(dated.json()["modified"]) == datetime(2021, 5, 4, 3, 2, 1,
                                                                        tzinfo=timezone.utc)
    by_epoch = alice.post(touch_url(api, place("")), json={"modified": 1_600_000_000})
    assert by_epoch.status_code == 200 and by_epoch.json()["type"] == "collection"
    assert datetime.fromisoformat(by_epoch.json()["modified"]).timestamp() == 1_600_000_000


def test_touch_without_create_and_bad_input(api, alice, bob, anonymous, place):
    absent = place("absent.txt")
    assert alice.post(touch_url(api, absent), json={"no_create": True}).status_code == 404
    assert alice.get(api.data_url(absent)).status_code == 404
    assert alice.post(touch_url(api, absent), json={"modified": "last tuesday"}).status_code == 400
    assert alice.post(touch_url(api, absent), json={"no_create": "yes"}).status_code == 400
    assert alice.get(api.data_url(absent)).status_code == 404
    assert alice.post(touch_url(api, place("no/parent.txt"))).status_code == 404
    assert bob.post(touch_url(api, place("bobs.txt"))).status_code == 403
    assert anonymous.post(touch_url(api, place("anon.txt"))).status_code == 401


# --- several AVU changes as one ----------------------------------------------------------------------

def test_metadata_operations_apply_in_order(api, alice, place):
    path = place("m.nc")
    alice.put(api.data_url(path), data=b"netcdf")
    alice.post(meta_url(api, path), json={"attribute": "status", "value": "draft"})
    alice.post(meta_url(api, path), json={"attribute": "variable", "value": "TEMP", "unit": "degC"})
    changed = alice.patch(meta_url(api, path), json={"operations": [
        {"operation": "remove", "attribute": "status", "value": "draft"},
        {"operation": "add", "attribute": "status", "value": "final"},
        {"operation": "set", "attribute": "variable", "value": "PSAL", "unit": "PSU"},
        {"operation": "add", "attribute": "keywords", "value": "ocean"},
        {"operation": "add", "attribute": "keywords", "value": "ocean"},
    ]})
    assert changed.status_code == 200, changed.text
    expected = [{"attribute": "status", "value": "final", "unit": ""},
                {"attribute": "variable", "value": "PSAL", "unit": "PSU"},
                {"attribute": "keywords", "value": "ocean", "unit": ""}]
    key = lambda avu: (avu["attribute"], avu["value"])  # noqa: E731
    assert sorted(changed.json()["metadata"], key=key) == sorted(expected, key=key)
    assert sorted(alice.get(meta_url(api, path)).json()["metadata"], key=key) == sorted(expected, key=key)


def test_one_bad_operation_changes_nothing(api, alice, bob, place):
    path = place("c")
    assert alice.post(api.data_url(path)).status_code == 201
    alice.post(meta_url(api, path), json={"attribute": "project", "value": "SDC"})
    good = {"operation": "add", "attribute": "a", "value": "1"}
    for body in ({"operations": [good, {"operation": "rename", "attribute": "b", "value": "2"}]},
                 {"operations": [good, {"operation": "add", "attribute": "b", "value": ""}]},
                 {"operations": [good, {"operation": "add", "attribute": "b"}]},
                 {"operations": [good, {"operation": "add", "attribute": "b", "value": 3}]},
                 {"operations": [good, "add b=2"]},
                 {"operations": []},
                 {"operations": good},
                 {}):
        refused = alice.patch(meta_url(api, path), json=body)
        assert refused.status_code == 400, (body, refused.text)
    assert alice.get(meta_url(api, path)).json()["metadata"] == [
        {"attribute": "project", "value": "SDC", "unit": ""}]
    assert bob.patch(meta_url(api, path), json={"operations": [good]}).status_code == 403
    assert alice.patch(meta_url(api, place("missing")), json={"operations": [good]}).status_code == 404
