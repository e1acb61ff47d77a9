"""Large transfers stream through the real uWSGI server: memory stays flat,
checksums are right, and a client that vanishes leaves nothing behind."""

import base64
import hashlib
import os
import socket
from urllib.parse import urlsplit

import pytest

from tests.live import wait_for
from tests.memory import PeakMemory

MiB = 1024 * 1024
LARGE = 300 * MiB
# Far below the file size: a server that buffered the file would blow through it.
MEMORY_BUDGET = 48 * MiB


@pytest.fixture(scope="module")
def large_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "large.bin"
    block = os.urandom(MiB)
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for index in range(LARGE // MiB):
            chunk = index.to_bytes(8, "big") + block[8:]  # every MiB differs
            digest.update(chunk)
            out.write(chunk)
    return path, digest


def test_large_upload_and_download_stream_with_flat_memory(api, alice, place, large_file):
    path, digest = large_file
    url = api.data_url(place("large.bin"))
    parallel_opens = api.irods.api_calls[20000] if api.irods else 0
    with PeakMemory(api.pid) as upload_memory, path.open("rb") as body:
        put = alice.put(url, data=body)
    assert put.status_code == 201, put.text
    if api.irods:
        # Above IRODS_PARALLEL_MIN_SIZE the irods backend takes PRC's parallel path: the
        # replica token for the extra connections (API 20000) is asked for.
        assert api.irods.api_calls[20000] > parallel_opens
    assert put.json()["checksum"] == "sha2:" + base64.b64encode(digest.digest()).decode()
    assert upload_memory.peak_growth < MEMORY_BUDGET, upload_memory.peak_growth

    received = hashlib.sha256()
    size = 0
    with PeakMemory(api.pid) as download_memory:
        with alice.get(url, stream=True) as got:
            assert got.status_code == 200
            for chunk in got.iter_content(MiB):
                received.update(chunk)
                size += len(chunk)
    assert size == LARGE
    assert received.digest() == digest.digest()
    assert download_memory.peak_growth < MEMORY_BUDGET, download_memory.peak_growth

    start, stop = 123 * MiB + 7, 200 * MiB + 3
    got = alice.get(url, headers={"Range": f"bytes={start}-{stop - 1}"})
    assert got.status_code == 206
    with path.open("rb") as local:
        local.seek(start)
        assert got.content == local.read(stop - start)


def test_client_disconnecting_mid_upload_leaves_nothing(api, alice, place):
    target = place("interrupted.bin")
    parts = urlsplit(api.url("/"))
    announced, sent = 64 * MiB, 8 * MiB
    with socket.create_connection((parts.hostname, parts.port)) as conn:
        conn.sendall((f"PUT /api/data{target} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
                      f"Authorization: Bearer {api.token_of('alice')}\r\n"
                      f"Content-Length: {announced}\r\n\r\n").encode())
        conn.sendall(os.urandom(sent))
        # Let the server start writing its temporary file before we vanish.
        assert wait_for(lambda: api.temporary_files() != [])
    assert wait_for(lambda: api.temporary_files() == [])
    assert alice.get(api.data_url(target)).status_code == 404
    listing = alice.get(api.data_url(place("")), params={"limit": 1000}).json()["items"]
    assert "interrupted.bin" not in [item["name"] for item in listing]
