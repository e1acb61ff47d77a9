"""Uploads as curl makes them: Expect: 100-continue, bodies from a pipe (chunked), refusals
before the body, fragments refused, multipart forms (files and folders). Both backends."""

from __future__ import annotations

import hashlib
import subprocess
import time

import pytest

CURL_TIMEOUT = 60


def curl(*args: str, stdin: bytes | None = None) -> tuple[int, str, float]:
    """(HTTP status, body, seconds) of one curl run."""
    started = time.monotonic()
    done = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args], input=stdin,
                          capture_output=True, timeout=CURL_TIMEOUT, check=True)
    elapsed = time.monotonic() - started
    body, _, status = done.stdout.decode().rpartition("\n")
    return int(status), body, elapsed


def curl_refused_upload(url: str, source, *headers: str) -> tuple[int, str, float]:
    """(status, body, bytes curl sent) of `curl -T source` with Expect: 100-continue."""
    done = subprocess.run(
        ["curl", "-sS", "-T", str(source), "-H", "Expect: 100-continue",
         *[arg for header in headers for arg in ("-H", header)],
         "-w", "\n%{http_code} %{size_upload}", url],
        capture_output=True, timeout=CURL_TIMEOUT, check=True)
    body, _, summary = done.stdout.decode().rpartition("\n")
    status, uploaded = summary.split()
    return int(status), body, float(uploaded)


def bearer(api, user="alice") -> str:
    return f"Authorization: Bearer {api.token_of(user)}"


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.txt"
    path.write_bytes(b"hello\n")
    return path


def test_curl_upload_gets_100_continue_instead_of_waiting_a_second(api, alice, place, small_file):
    """curl waits up to 1 s for `100 Continue` before sending a body; compared in the same
    run with the wait switched off (`-H 'Expect:'`), the upload takes no such second."""
    timings = {}
    for label, extra in (("expect", ["-H", "Expect: 100-continue"]), ("no_expect", ["-H", "Expect:"])):
        best = float("inf")
        for attempt in range(3):
            status, body, seconds = curl("-T", str(small_file), "-H", bearer(api),
                                         api.data_url(place(f"{label}-{attempt}.txt")), *extra)
            assert status == 201, body
            best = min(best, seconds)
        timings[label] = best
    assert timings["expect"] < timings["no_expect"] + 0.5, timings
    assert alice.get(api.data_url(place("expect-0.txt"))).content == b"hello\n"


@pytest.mark.parametrize("refusal", ["unauthorized", "forbidden", "missing_parent", "exists"])
def test_a_refused_upload_is_answered_before_its_body_is_sent(api, alice, bob_place, place, tmp_path,
                                                              refusal):
    """With Expect: 100-continue the answer comes before any byte of the 64 MiB body: curl
    reports the refusal's JSON, having uploaded (almost) nothing. (413 and quota: test_limits.)"""
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        out.truncate(64 * 1024 * 1024)
    alice.put(api.data_url(place("there.bin")), data=b"x")
    target, headers = {
        "unauthorized": (place("a.bin"), []),
        "forbidden": (bob_place("a.bin"), [bearer(api)]),
        "missing_parent": (place("no/such/a.bin"), [bearer(api)]),
        "exists": (place("there.bin"), [bearer(api)]),
    }[refusal]
    status, body, uploaded = curl_refused_upload(api.data_url(target), big, *headers)
    expected = {"unauthorized": 401, "forbidden": 403, "missing_parent": 404, "exists": 409}[refusal]
    assert status == expected, body
    assert "error" in body
    assert uploaded < 1024 * 1024, "curl sent the body of a refused upload"


def test_upload_from_a_pipe_is_streamed_and_stored(api, alice, place):
    """`tar c dir | curl -T - ...`: no length, chunked transfer encoding."""
    data = bytes(range(256)) * 40_000  # 10 MiB
    status, body, _ = curl("-T", "-", "-H", bearer(api), api.data_url(place("piped.bin")), stdin=data)
    assert status == 201, body
    got = alice.get(api.data_url(place("piped.bin")))
    assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(data).hexdigest()


def test_put_with_content_range_is_refused_and_stores_nothing(api, alice, place):
    url = api.data_url(place("fragment.bin"))
    response = alice.put(url, data=b"x" * 1000, headers={"Content-Range": "bytes 0-999/50000000"})
    assert response.status_code == 400
    assert "Content-Range" in response.json()["error"]
    assert alice.get(url).status_code == 404


def test_multipart_post_stores_the_file_and_a_folder(api, alice, place):
    single = alice.post(api.data_url(place("x")), files={"file": ("x", b"single")})
    assert single.status_code == 201, single.text
    assert alice.get(api.data_url(place("x"))).content == b"single"
    alice.post(api.data_url(place("folder")))
    folder = alice.post(api.data_url(place("folder")), files=[
        ("file", ("a.txt", b"A")), ("file", ("sub/b.txt", b"B")), ("file", ("sub/deeper/c.txt", b"C"))])
    assert folder.status_code == 201, folder.text
    assert sorted(item["path"] for item in folder.json()["items"]) == sorted(
        place(name) for name in ("folder/a.txt", "folder/sub/b.txt", "folder/sub/deeper/c.txt"))
    assert alice.get(api.data_url(place("folder/sub/deeper/c.txt"))).content == b"C"


def test_multipart_folder_upload_is_all_or_nothing(api, alice, place):
    alice.post(api.data_url(place("folder")))
    alice.put(api.data_url(place("folder/b.txt")), data=b"old")
    refused = alice.post(api.data_url(place("folder")),
                         files=[("file", ("a.txt", b"A")), ("file", ("b.txt", b"B"))])
    assert refused.status_code == 409
    assert alice.get(api.data_url(place("folder/a.txt"))).status_code == 404
    assert alice.get(api.data_url(place("folder/b.txt"))).content == b"old"
    escaping = alice.post(api.data_url(place("folder")), files=[("file", ("../evil.txt", b"E"))])
    assert escaping.status_code == 400


def test_post_with_a_raw_body_is_415_not_a_collection(api, alice, place):
    response = alice.post(api.data_url(place("raw")), data=b"bytes",
                          headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 415
    assert alice.get(api.data_url(place("raw"))).status_code == 404
