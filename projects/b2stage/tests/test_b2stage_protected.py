"""Registered objects stay registered through the core's endpoints too (attack: a registered
object deleted through /api/data left its PID pointing at nothing). Over real HTTP (local
storage backend): the project's `before_data_operation` hook refuses, 409 naming the PID."""

from __future__ import annotations

TIMEOUT = 30  # a safeguard against a hang, not a measurement


def data(b2stage, path: str) -> str:
    return b2stage.url("/api/data" + path)


def refused(response, pid: str, words: str) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == 409 and body["type"] == "conflict"
    assert pid in body["error"] and words in body["error"], body


def resolves_to(b2stage, session, pid: str, path: str, content: bytes) -> None:
    record = session.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).json()
    assert record["path"] == path, record
    assert session.get(record["url"], timeout=TIMEOUT).content == content


def test_a_registered_object_cannot_be_deleted_through_the_core(b2stage, alice, place):
    path = place("box/keep.nc")
    pid = b2stage.upload(alice, path, b"forever", parents="true")["PID"]

    refused(alice.delete(data(b2stage, path), timeout=TIMEOUT), pid, "cannot be deleted")
    # Nor with the collection holding it.
    for collection in (place("box"), place()):
        refused(alice.delete(data(b2stage, collection), params={"recursive": "true"}, timeout=TIMEOUT),
                pid, "cannot be deleted")

    resolves_to(b2stage, alice, pid, path, b"forever")


def test_a_registered_object_cannot_be_overwritten_through_the_core(b2stage, alice, place):
    path = place("fixed.nc")
    stored = b2stage.upload(alice, path, b"the registered bytes")
    pid = stored["PID"]
    b2stage.upload(alice, place("other.nc"), b"other bytes")
    writer = alice.post(b2stage.url("/api/tickets"), json={"path": path, "type": "write"},
                        timeout=TIMEOUT).json()["url"]

    attempts = [
        alice.put(data(b2stage, path), data=b"replaced", params={"force": "true"}, timeout=TIMEOUT),
        alice.post(b2stage.url("/api/copy"), json={"source": place("other.nc"), "destination": path,
                                                   "force": True}, timeout=TIMEOUT),
        b2stage.anonymous().put(writer, data=b"replaced", params={"force": "true"}, timeout=TIMEOUT),
    ]

    for attempt in attempts:
        refused(attempt, pid, "cannot be overwritten")
    resolves_to(b2stage, alice, pid, path, b"the registered bytes")
    record = alice.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).json()
    assert record["checksum"] == stored["checksum"]


def test_a_pid_that_cannot_follow_refuses_a_move(b2stage, alice, place):
    # An object carrying a PID given elsewhere (no record here): a move would strand it.
    path = place("imported.nc")
    stored = alice.put(data(b2stage, path), data=b"from B2SAFE", timeout=TIMEOUT)
    assert stored.status_code == 201, stored.text
    foreign = "11100/0beb6af8-1f47-4cd1-b3e9-9bd1b3b2b6d3"
    tagged = alice.post(b2stage.url("/api/metadata" + path), json={"attribute": "PID", "value": foreign},
                        timeout=TIMEOUT)
    assert tagged.status_code == 201, tagged.text

    moved = alice.post(b2stage.url("/api/move"), json={"source": path, "destination": place("moved.nc")},
                       timeout=TIMEOUT)

    refused(moved, foreign, "cannot be moved")
    refused(alice.delete(data(b2stage, path), timeout=TIMEOUT), foreign, "cannot be deleted")
    assert alice.get(data(b2stage, path), timeout=TIMEOUT).content == b"from B2SAFE"


def test_removing_the_pid_avu_does_not_unregister_an_object(b2stage, alice, place):
    path = place("stripped.nc")
    pid = b2stage.upload(alice, path, b"still registered")["PID"]
    stripped = alice.delete(b2stage.url("/api/metadata" + path), params={"attribute": "PID", "value": pid},
                            timeout=TIMEOUT)
    assert stripped.status_code == 204, stripped.text

    refused(alice.delete(data(b2stage, path), timeout=TIMEOUT), pid, "cannot be deleted")
    resolves_to(b2stage, alice, pid, path, b"still registered")


def test_unregistered_data_and_copies_are_deleted_as_usual(b2stage, alice, place):
    original = place("original.nc")
    pid = b2stage.upload(alice, original, b"the original")["PID"]
    plain = place("plain/scratch.txt")
    assert alice.put(data(b2stage, plain), data=b"scratch", params={"parents": "true"},
                     timeout=TIMEOUT).status_code == 201
    # A copy carries the original's PID AVU, but the PID points at the original.
    copied = alice.post(b2stage.url("/api/copy"), json={"source": original, "destination": place("copy.nc")},
                        timeout=TIMEOUT)
    assert copied.status_code == 201, copied.text

    assert alice.delete(data(b2stage, place("copy.nc")), timeout=TIMEOUT).status_code == 204
    assert alice.delete(data(b2stage, place("plain")), params={"recursive": "true"},
                        timeout=TIMEOUT).status_code == 204
    assert alice.put(data(b2stage, place("overwritable.txt")), data=b"v2", params={"force": "true"},
                     timeout=TIMEOUT).status_code == 201
    resolves_to(b2stage, alice, pid, original, b"the original")
