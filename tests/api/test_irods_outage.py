"""The iRODS server goes away while the API runs: clear 503s, bounded by IRODS_TIMEOUT, and
recovery without restarting the API. The server is tests/irods_server in its own process,
killed (connection refused) or stopped with SIGSTOP (it accepts but never answers, the
case a timeout exists for), through python-irodsclient's real network code."""

from __future__ import annotations

import os
import signal
import socket
import threading

import pytest
from irods.column import Like
from irods.models import DataObject
from irods.session import iRODSSession

from tests.irods_server.process import IrodsProcess
from tests.live import running_api

PASSWORD = "a-long-test-password"
HOME = "/tempZone/home/alice"


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    server = IrodsProcess(users={"alice": PASSWORD}).start()
    env = dict(STORAGE_BACKEND="irods", IRODS_HOST="127.0.0.1", IRODS_PORT=str(server.port),
               IRODS_USER="rods", IRODS_PASSWORD="rods", IRODS_TIMEOUT="2")
    try:
        with running_api(tmp_path_factory.mktemp("outage"), **env) as live:
            admin = live.session(live.admin_token())
            created = admin.post(live.url + "/admin/users",
                                 json={"username": "alice", "password": PASSWORD, "role": "user"})
            assert created.status_code == 201, created.text
            yield live, server, live.session(live.login("alice", PASSWORD))
    finally:
        server.stop()


def assert_unavailable(response):
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["type"] == "service_unavailable" and "iRODS" in body["error"]


def test_killed_server_gives_503_and_the_api_recovers_when_it_is_back(outage):
    live, server, alice = outage
    assert alice.put(live.url + f"/api/data{HOME}/before.txt", data=b"x").status_code == 201
    server.kill()
    try:
        assert_unavailable(alice.get(live.url + f"/api/data{HOME}"))
        status = live.session().get(live.url + "/api/status")
        assert status.status_code == 503 and status.json()["services"]["storage"]["status"] == "down"
    finally:
        server.start()  # same port; the in-memory catalog starts again with alice's home
    listing = alice.get(live.url + f"/api/data{HOME}")
    assert listing.status_code == 200, listing.text
    assert live.session().get(live.url + "/api/status").status_code == 200


def test_a_server_that_stops_answering_mid_upload_gives_503(outage):
    live, server, alice = outage
    token = alice.headers["Authorization"]
    size = 8 * 1024 * 1024
    host, port = live.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall((f"PUT /api/data{HOME}/stalled.bin HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: {token}\r\nContent-Length: {size}\r\n\r\n").encode())
        conn.sendall(b"a" * (size // 2))
        os.kill(server._proc.pid, signal.SIGSTOP)  # accepts, never answers
        try:
            sender = threading.Thread(target=_send_quietly, args=(conn, b"b" * (size // 2)))
            sender.start()
            answer = conn.makefile("rb").read().decode("latin-1")
            sender.join()
        finally:
            os.kill(server._proc.pid, signal.SIGCONT)
    assert answer.startswith("HTTP/1.1 503"), answer[:300]
    assert '"service_unavailable"' in answer
    # Back to normal by itself; the stalled upload left nothing visible behind.
    listing = alice.get(live.url + f"/api/data{HOME}")
    assert listing.status_code == 200, listing.text
    assert "stalled.bin" not in [item["name"] for item in listing.json()["items"]]
    # The temporary object the outage kept the API from removing is gone once iRODS is back
    # (the next session any worker opens removes it).
    with iRODSSession(host="127.0.0.1", port=server.port, user="rods", password="rods",
                      zone="tempZone") as rods:
        left = rods.query(DataObject.name).filter(Like(DataObject.name, ".rapydo-upload.%")).all()
        assert len(left) == 0


def _send_quietly(conn, data: bytes) -> None:
    try:
        conn.sendall(data)
    except OSError:
        pass  # the API may answer and close before it has read everything
