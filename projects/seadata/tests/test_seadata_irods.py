"""The seadata project on iRODS (STORAGE_BACKEND=irods, proxy mode), over real HTTP, with its
worker: the import reads the zip through python-irodsclient (seeking in a data object), the
order's zip is streamed into iRODS and fetched with an iRODS ticket."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.api.deployments import ZONE, add_irods_users, irods_settings
from tests.irods_server import IrodsTestServer

TIMEOUT = 30  # a safeguard against a hang, not a measurement
FILES = {"ctd/station-1.csv": b"depth,temperature\n5,14.2\n" * 100, "readme.txt": b"cruise 42"}


@pytest.fixture
def irods_seadata(seadata_factory):
    server = IrodsTestServer(zone=ZONE).start()
    try:
        add_irods_users(server, "alice", "bob")
        yield seadata_factory(**irods_settings(server))
    finally:
        server.stop()


def test_import_and_order_on_irods(irods_seadata):
    seadata = irods_seadata
    alice, bob = seadata.session_of("alice"), seadata.session_of("bob")
    batch = seadata.imported_batch(alice, {**FILES, "../escape": b"x"})
    assert (batch["files"], batch["skipped"]) == (2, 1)
    path = batch["path"]
    listing = alice.get(seadata.url("/api/data" + path), timeout=TIMEOUT).json()
    assert sorted(item["name"] for item in listing["items"]) == ["ctd", "readme.txt"]
    metadata = alice.get(seadata.url(f"/api/metadata{path}/readme.txt"), timeout=TIMEOUT).json()["metadata"]
    pid = next(avu["value"] for avu in metadata if avu["attribute"] == "PID")
    assert alice.get(seadata.url(f"/api/pids/{pid}"), timeout=TIMEOUT).json()["path"] == f"{path}/readme.txt"

    damaged = seadata.new_batch(alice)
    seadata.put_zip(alice, damaged, seadata.zip_of(FILES)[:-30])
    failed = seadata.wait_batch(alice, damaged)
    assert failed["status"] == "failed" and "not a readable zip" in failed["message"]

    order = seadata.unique("order")
    assert seadata.order(bob, [f"{path}/readme.txt"]).status_code == 403
    assert seadata.order(alice, [pid, f"{path}/ctd"], order=order).status_code == 202
    ready = seadata.wait_order(alice, order)
    assert ready["status"] == "ready", ready
    download = seadata.anonymous().get(ready["download"], timeout=TIMEOUT)
    assert download.status_code == 200 and len(download.content) == ready["size"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == FILES
    assert alice.delete(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).status_code == 204
    assert seadata.anonymous().get(ready["download"], timeout=TIMEOUT).status_code in (403, 404)
