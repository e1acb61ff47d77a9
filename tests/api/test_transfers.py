"""Uploads and downloads through real HTTP: streamed, checksummed, atomic, with ranges."""

import base64
import hashlib
import os

import pytest


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_upload_answers_the_stored_checksum_and_download_returns_the_bytes(api, alice, place):
    data = os.urandom(3 * 1024 * 1024 + 17)
    put = alice.put(api.data_url(place("sample.bin")), data=data)
    assert put.status_code == 201, put.text
    assert put.json()["checksum"] == sha2(data)
    assert put.json()["size"] == len(data)

    got = alice.get(api.data_url(place("sample.bin")))
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["Content-Length"] == str(len(data))
    assert got.headers["ETag"] == f'"{sha2(data)}"'
    assert got.headers["Content-Type"] == "application/octet-stream"


def test_content_type_is_guessed_from_the_name(api, alice, place):
    alice.put(api.data_url(place("notes.txt")), data=b"hello")
    assert alice.get(api.data_url(place("notes.txt"))).headers["Content-Type"].startswith("text/plain")


def test_head_gives_headers_without_body(api, alice, place):
    alice.put(api.data_url(place("h.bin")), data=b"x" * 1000)
    head = alice.head(api.data_url(place("h.bin")))
    assert head.status_code == 200
    assert head.headers["Content-Length"] == "1000"
    assert head.content == b""


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-9", slice(0, 10)),
    ("bytes=100-", slice(100, None)),
    ("bytes=-25", slice(-25, None)),
    ("bytes=4090-4200", slice(4090, 4096)),
])
def test_range_returns_the_exact_slice(api, alice, place, header, expected):
    data = os.urandom(4096)
    alice.put(api.data_url(place("r.bin")), data=data)
    got = alice.get(api.data_url(place("r.bin")), headers={"Range": header})
    assert got.status_code == 206
    assert got.content == data[expected]
    start = expected.start if expected.start >= 0 else len(data) + expected.start
    assert got.headers["Content-Range"] == f"bytes {start}-{start + len(got.content) - 1}/4096"


def test_unsatisfiable_range_is_416(api, alice, place):
    alice.put(api.data_url(place("r.bin")), data=b"abc")
    got = alice.get(api.data_url(place("r.bin")), headers={"Range": "bytes=10-20"})
    assert got.status_code == 416
    assert got.headers["Content-Range"] == "bytes */3"
    assert got.json()["code"] == 416


def test_if_none_match_gives_304(api, alice, place):
    put = alice.put(api.data_url(place("e.bin")), data=b"etag me")
    etag = f'"{put.json()["checksum"]}"'
    assert alice.get(api.data_url(place("e.bin")), headers={"If-None-Match": etag}).status_code == 304


def test_overwrite_needs_force(api, alice, place):
    url = api.data_url(place("o.txt"))
    assert alice.put(url, data=b"one").status_code == 201
    refused = alice.put(url, data=b"two")
    assert refused.status_code == 409
    assert refused.json()["code"] == 409
    assert alice.get(url).content == b"one"
    assert alice.put(url, params={"force": "true"}, data=b"two").status_code == 200
    assert alice.get(url).content == b"two"


def test_missing_parents_are_created_only_when_asked(api, alice, place):
    url = api.data_url(place("a/b/c.txt"))
    assert alice.put(url, data=b"deep").status_code == 404
    assert alice.put(url, params={"parents": "true"}, data=b"deep").status_code == 201
    assert alice.get(url).content == b"deep"


@pytest.mark.parametrize("how", ["query", "header", "hex", "content-digest"])
def test_a_correct_client_checksum_is_accepted(api, alice, place, how):
    data = b"checked data"
    digest = hashlib.sha256(data).digest()
    kwargs = {
        "query": {"params": {"checksum": sha2(data)}},
        "header": {"headers": {"X-Checksum": sha2(data)}},
        "hex": {"params": {"checksum": digest.hex()}},
        "content-digest": {"headers": {"Content-Digest": f"sha-256=:{base64.b64encode(digest).decode()}:"}},
    }[how]
    put = alice.put(api.data_url(place("c.txt")), data=data, **kwargs)
    assert put.status_code == 201, put.text
    assert put.json()["checksum"] == sha2(data)


def test_checksum_mismatch_is_400_and_stores_nothing(api, alice, place):
    url = api.data_url(place("bad.txt"))
    put = alice.put(url, data=b"real data", params={"checksum": sha2(b"other data")})
    assert put.status_code == 400
    assert put.json()["type"] == "checksum_mismatch"
    assert alice.get(url).status_code == 404
    assert api.temporary_files() == []


def test_checksum_mismatch_on_forced_overwrite_keeps_the_old_object(api, alice, place):
    url = api.data_url(place("keep.txt"))
    alice.put(url, data=b"original")
    put = alice.put(url, data=b"new", params={"force": "true", "checksum": sha2(b"nope")})
    assert put.status_code == 400
    assert alice.get(url).content == b"original"


def test_multipart_upload(api, alice, place):
    data = os.urandom(700_000)
    put = alice.put(api.data_url(place("form.bin")), files={"file": ("form.bin", data)})
    assert put.status_code == 201, put.text
    assert put.json()["checksum"] == sha2(data)
    assert alice.get(api.data_url(place("form.bin"))).content == data


def test_multipart_without_file_part_is_400(api, alice, place):
    put = alice.put(api.data_url(place("form.bin")), files={"other": ("x", b"x")})
    assert put.status_code == 400


def test_upload_over_a_collection_is_409(api, alice, place):
    alice.post(api.data_url(place("coll")))
    assert alice.put(api.data_url(place("coll")), data=b"x", params={"force": "true"}).status_code == 409


def test_downloading_a_missing_object_is_404_json(api, alice, place):
    got = alice.get(api.data_url(place("nothing-here")))
    assert got.status_code == 404
    assert got.json()["code"] == 404 and got.json()["error"]
