"""Orders over real HTTP with a real worker: checked before anything is queued, prepared as
one zip in storage, downloaded by its ticket link without a token, private to their owner,
and removed with their link."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

TIMEOUT = 30  # a safeguard against a hang, not a measurement
FILES = {"ctd/station-1.csv": b"depth,temperature\n5,14.2\n" * 200, "ctd/station-2.csv": b"1,2\n",
         "readme.txt": b"cruise 42"}


def _pid(seadata, session, path: str) -> str:
    metadata = session.get(seadata.url("/api/metadata" + path), timeout=TIMEOUT).json()["metadata"]
    return next(avu["value"] for avu in metadata if avu["attribute"] == "PID")


def test_an_order_is_prepared_and_downloaded_by_its_link_without_a_token(seadata, alice, bob):
    batch = seadata.imported_batch(alice, FILES)["path"]
    order = seadata.unique("order")
    # By path, by PID, and a collection for the files below it.
    accepted = seadata.order(alice, [f"{batch}/readme.txt", f"{batch}/ctd"], order=order)
    assert accepted.status_code == 202, accepted.text
    queued = accepted.json()
    assert queued["status"] in ("queued", "preparing", "ready") and queued["files"] == 3
    assert accepted.headers["Location"] == queued["url"] == seadata.url(f"/api/orders/{order}")
    by_pid = seadata.order(alice, [_pid(seadata, alice, f"{batch}/readme.txt")])
    assert by_pid.status_code == 202, by_pid.text

    ready = seadata.wait_order(alice, order)
    assert ready["status"] == "ready", ready
    zip_path = f"{seadata.home('alice')}/orders/{order}/{order}.zip"
    assert ready["path"] == zip_path and ready["expires"] and ready["download"]

    # The link is a ticket: no token needed. The zip holds the files, named as ordered.
    download = seadata.anonymous().get(ready["download"], timeout=TIMEOUT)
    assert download.status_code == 200, download.text
    assert len(download.content) == ready["size"]
    digest = base64.b64encode(hashlib.sha256(download.content).digest()).decode()
    assert ready["checksum"] == f"sha2:{digest}"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["ctd/station-1.csv", "ctd/station-2.csv", "readme.txt"]
        for name, content in FILES.items():
            assert archive.read(name) == content

    by_pid_ready = seadata.wait_order(alice, by_pid.json()["order"])
    assert by_pid_ready["status"] == "ready" and by_pid_ready["order"].startswith("order-")
    listed = [each["order"] for each in
              alice.get(seadata.url("/api/orders"), timeout=TIMEOUT).json()["orders"]]
    assert {order, by_pid_ready["order"]} <= set(listed)

    # The order's provenance: an activity of alice that used the files and generated the zip.
    document = seadata.lineage(alice, zip_path)
    assert "seadata-order" in seadata.activities(document)
    assert {zip_path, f"{batch}/readme.txt", f"{batch}/ctd/station-1.csv"} <= seadata.locations(document)

    # Nobody else sees the order, reads its zip, or deletes it (the link stays alice's to share).
    assert bob.get(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).status_code == 404
    assert bob.delete(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).status_code == 404
    assert bob.get(seadata.url("/api/data" + zip_path), timeout=TIMEOUT).status_code == 403
    assert order not in [each["order"] for each in
                         bob.get(seadata.url("/api/orders"), timeout=TIMEOUT).json()["orders"]]
    assert seadata.anonymous().get(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).status_code == 401

    # Deleting the order removes its zip, and the link stops working.
    assert alice.delete(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).status_code == 204
    assert alice.get(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).status_code == 404
    assert alice.get(seadata.url("/api/data" + zip_path), timeout=TIMEOUT).status_code == 404
    assert seadata.anonymous().get(ready["download"], timeout=TIMEOUT).status_code in (403, 404)


def test_an_order_is_refused_before_anything_is_queued(seadata, alice, bob):
    batch = seadata.imported_batch(alice, FILES)["path"]
    before = bob.get(seadata.url("/api/orders"), timeout=TIMEOUT).json()["orders"]

    # A file bob may not read, among files he may: 403, and no order.
    bob_file = f"{seadata.home('bob')}/mine.txt"
    assert bob.put(seadata.url("/api/data" + bob_file), data=b"mine", timeout=TIMEOUT).status_code == 201
    refused = seadata.order(bob, [bob_file, f"{batch}/readme.txt"], order=seadata.unique("theft"))
    assert refused.status_code == 403, refused.text
    # Nor by the PID of alice's file: PIDs resolve, storage still decides.
    pid = _pid(seadata, alice, f"{batch}/readme.txt")
    assert seadata.order(bob, [pid]).status_code == 403

    missing = seadata.order(bob, [f"{seadata.home('bob')}/no-such-file"])
    assert missing.status_code == 404
    assert seadata.order(bob, ["21.T12995/no-such-pid"]).status_code == 404
    for body in ({}, {"files": []}, {"files": "a"}, {"files": [7]}, {"files": [bob_file], "order": "../x"}):
        answer = bob.post(seadata.url("/api/orders"), json=body, timeout=TIMEOUT)
        assert answer.status_code == 400, (body, answer.text)
    twice = seadata.order(bob, [bob_file, bob_file])
    assert twice.status_code == 400 and "same name" in twice.json()["error"]
    assert bob.get(seadata.url("/api/orders"), timeout=TIMEOUT).json()["orders"] == before

    # An order id is taken once.
    order = seadata.unique("order")
    assert seadata.order(bob, [bob_file], order=order).status_code == 202
    assert seadata.order(bob, [bob_file], order=order).status_code == 409
    assert seadata.order(alice, [f"{batch}/readme.txt"], order=order).status_code == 409
    assert seadata.wait_order(bob, order)["status"] == "ready"
