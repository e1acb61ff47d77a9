"""confs/uwsgi.ini under real uWSGI, serving the probe app (tests/controller/probe_app.py)
instead of the backend, so that these tests are about uWSGI alone."""

import hashlib
import json
import os
import socket

import requests

from tests.live import wait_for

PROBE = "tests.controller.probe_app:app"
MiB = 1024 * 1024


def read_response(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_request_body_streams_into_the_app_before_the_client_finished(live_api_factory):
    api = live_api_factory(module=PROBE)
    port = int(api.url.rsplit(":", 1)[1])
    body = os.urandom(16 * MiB)
    first = MiB
    marker = api.data_dir / "upload-started"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"PUT /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                     + body[:first])
        # 15 MiB are still held back: a buffering server would not have called the app yet.
        assert wait_for(marker.exists), "the app did not get the body until the client finished sending it"
        assert int(marker.read_text()) < first
        sock.sendall(body[first:])
        status, answer = read_response(sock)
    assert status == 200
    assert answer == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_workers_are_separate_processes_of_the_master(live_api_factory):
    api = live_api_factory(module=PROBE)
    workers = api.pids() - {api.pid}
    assert len(workers) == 4
    answered = {requests.get(api.url + "/api/status", timeout=10).json()["pid"] for _ in range(8)}
    assert answered <= workers


def test_the_request_log_keeps_neither_headers_nor_query_strings(live_api):
    # The real backend: it hands uWSGI the path to log (backend/request_log.py).
    api = live_api
    response = requests.get(api.url + "/api/status", params={"ticket": "QUERY-SECRET-4711"},
                            headers={"Authorization": "Bearer HEADER-SECRET-4711"}, data=b"BODY-SECRET-4711",
                            timeout=10)
    assert response.status_code == 200
    assert wait_for(lambda: '"GET /api/status HTTP/1.1" 200' in api.log())
    log = api.log()
    assert "SECRET-4711" not in log
