"""Resumable uploads (tus 1.0) driven by the `tuspy` client and by hand, on both backends;
downloads resumed by curl -C -."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import requests
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from tests.api.deployments import PASSWORD
from tests.api.test_uploads import curl
from tests.live import running_api

MiB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def metadata(**pairs: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in pairs.items())


def tus(api, user="alice") -> tus_client.TusClient:
    return tus_client.TusClient(api.url("/api/uploads"),
                                headers={"Authorization": f"Bearer {api.token_of(user)}"})


def create(session, api, path: str, length: int, **extra_metadata) -> str:
    response = session.post(api.url("/api/uploads"), headers={
        **TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(path=path, **extra_metadata)})
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def offset_of(session, url: str) -> int:
    response = session.head(url, headers=TUS)
    assert response.status_code == 200, response.status_code
    return int(response.headers["Upload-Offset"])


def cut_patch(url: str, token: str, data: bytes, sent: int) -> None:
    """A PATCH announcing all of `data` whose connection is cut after `sent` bytes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as conn:
        conn.sendall((f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
                      f"Authorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n"
                      f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                      f"Content-Length: {len(data)}\r\n\r\n").encode())
        conn.sendall(data[:sent])
        time.sleep(0.5)  # let the server write what it got before we vanish


def names_in(session, api, collection: str) -> list[str]:
    return [item["name"] for item in session.get(api.data_url(collection)).json()["items"]]


def test_tuspy_uploads_a_file_in_parts(api, alice, place, tmp_path):
    data = os.urandom(3 * MiB + 17)
    local = tmp_path / "parts.bin"
    local.write_bytes(data)
    uploader = tus(api).uploader(str(local), chunk_size=MiB, upload_checksum=True,
                                 metadata={"path": place("parts.bin")})
    uploader.upload()
    stored = alice.get(api.data_url(place("parts.bin")))
    assert stored.content == data
    assert stored.headers["X-Checksum"] == sha2(data)


def test_tuspy_resumes_an_upload_cut_half_way(api, alice, place, tmp_path):
    data = os.urandom(8 * MiB + 5)
    local = tmp_path / "cut.bin"
    local.write_bytes(data)
    url = create(alice, api, place("cut.bin"), len(data), checksum=sha2(data))
    cut_patch(url, api.token_of("alice"), data, len(data) // 2)
    held = offset_of(alice, url)
    assert 0 < held <= len(data) // 2
    # Nothing is visible before the upload completes.
    assert alice.get(api.data_url(place("cut.bin"))).status_code == 404
    assert "cut.bin" not in names_in(alice, api, place(""))
    uploader = tus(api).uploader(str(local), url=url, chunk_size=4 * MiB, upload_checksum=True)
    assert uploader.offset == held  # tuspy asked the server where to go on
    uploader.upload()
    stored = alice.get(api.data_url(place("cut.bin")))
    assert stored.content == data
    assert stored.headers["X-Checksum"] == sha2(data)
    assert alice.head(url, headers=TUS).status_code == 404  # done: the upload is gone
    assert api.temporary_files() == []


def test_a_part_with_a_wrong_checksum_is_460_and_kept_out(api, alice, place):
    url = create(alice, api, place("sum.bin"), 10)
    alice.patch(url, data=b"12345", headers={**TUS, "Upload-Offset": "0",
                                            "Content-Type": "application/offset+octet-stream"})
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    response = alice.patch(url, data=b"67890", headers={
        **TUS, "Upload-Offset": "5", "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": f"sha1 {wrong}"})
    assert response.status_code == 460, response.text
    assert offset_of(alice, url) == 5
    right = base64.b64encode(hashlib.sha1(b"67890").digest()).decode()
    done = alice.patch(url, data=b"67890", headers={
        **TUS, "Upload-Offset": "5", "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": f"sha1 {right}"})
    assert done.status_code == 204 and done.headers["Upload-Offset"] == "10"
    assert alice.get(api.data_url(place("sum.bin"))).content == b"1234567890"


def test_protocol_errors(api, alice, bob, place):
    url = create(alice, api, place("errors.bin"), 4)
    patch = {**TUS, "Content-Type": "application/offset+octet-stream"}
    assert alice.patch(url, data=b"ab", headers={**patch, "Upload-Offset": "1"}).status_code == 409
    assert alice.patch(url, data=b"abcdef", headers={**patch, "Upload-Offset": "0"}).status_code == 413
    assert alice.patch(url, data=b"ab", headers={"Upload-Offset": "0",
                                                 "Content-Type": patch["Content-Type"]}).status_code == 412
    assert alice.patch(url, data=b"ab", headers={**TUS, "Upload-Offset": "0"}).status_code == 415
    assert bob.head(url, headers=TUS).status_code == 404  # someone else's upload does not exist
    assert requests.head(url, headers=TUS, timeout=30).status_code == 401
    assert alice.post(api.url("/api/uploads"), headers={**TUS, "Upload-Length": "3"}).status_code == 400
    options = alice.options(api.url("/api/uploads"))
    assert options.headers["Tus-Version"] == "1.0.0"
    assert "termination" in options.headers["Tus-Extension"]


def test_creation_is_refused_where_an_upload_could_not_be_stored(api, alice, bob_place, place):
    alice.put(api.data_url(place("exists.bin")), data=b"x")
    for path, status in ((bob_place("x.bin"), 403), (place("no/such/x.bin"), 404),
                         (place("exists.bin"), 409)):
        response = alice.post(api.url("/api/uploads"), headers={
            **TUS, "Upload-Length": "3", "Upload-Metadata": metadata(path=path)})
        assert response.status_code == status, (path, response.text)


def test_termination_removes_the_bytes(api, alice, place):
    url = create(alice, api, place("gone.bin"), 100)
    alice.patch(url, data=b"x" * 50, headers={**TUS, "Upload-Offset": "0",
                                             "Content-Type": "application/offset+octet-stream"})
    assert alice.delete(url, headers=TUS).status_code == 204
    assert alice.head(url, headers=TUS).status_code == 404
    assert alice.get(api.data_url(place("gone.bin"))).status_code == 404


def test_a_whole_checksum_that_does_not_match_stores_nothing(api, alice, place):
    url = create(alice, api, place("bad.bin"), 3, checksum=sha2(b"abd"))
    response = alice.patch(url, data=b"abc", headers={**TUS, "Upload-Offset": "0",
                                                      "Content-Type": "application/offset+octet-stream"})
    assert response.status_code == 400 and response.json()["type"] == "checksum_mismatch"
    assert alice.get(api.data_url(place("bad.bin"))).status_code == 404
    assert alice.head(url, headers=TUS).status_code == 404


def test_curl_resumes_a_download_with_C(api, alice, place, tmp_path):
    data = os.urandom(2 * MiB)
    alice.put(api.data_url(place("resume.bin")), data=data)
    local = tmp_path / "resume.bin"
    local.write_bytes(data[:MiB + 3])  # an interrupted earlier download
    subprocess.run(["curl", "-sS", "-f", "-C", "-", "-o", str(local),
                    "-H", f"Authorization: Bearer {api.token_of('alice')}",
                    api.data_url(place("resume.bin"))], check=True, timeout=60)
    assert local.read_bytes() == data


# --- what one server of its own shows: expiry, quota, a restart ----------------------------

def user(live, name="carol", **fields):
    admin = live.session(live.admin_token())
    assert admin.post(live.url + "/admin/users",
                      json={"username": name, "password": PASSWORD, **fields}).status_code == 201
    return live.session(live.login(name, PASSWORD))


def test_unfinished_uploads_expire(live_api_factory):
    live = live_api_factory(UPLOAD_EXPIRY=1)
    carol = user(live)
    url = carol.post(live.url + "/api/uploads", headers={
        **TUS, "Upload-Length": "10", "Upload-Metadata": metadata(path="/tempZone/home/carol/e")}).headers["Location"]
    assert "Upload-Expires" in carol.head(url, headers=TUS).headers
    time.sleep(1.5)
    assert carol.head(url, headers=TUS).status_code == 410
    assert list((live.data_dir / "vault" / ".uploads").iterdir()) == []


def test_unfinished_uploads_count_against_the_quota(live_api_factory):
    live = live_api_factory()
    carol = user(live, quota=1000)
    def begin(name, length):
        return carol.post(live.url + "/api/uploads", headers={
            **TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(path=f"/tempZone/home/carol/{name}")})
    assert begin("big", 1001).status_code == 403
    assert begin("first", 600).status_code == 201
    refused = begin("second", 600)
    assert refused.status_code == 403 and "quota" in refused.json()["error"]


def test_an_upload_survives_a_restarted_api(tmp_path):
    data = os.urandom(3 * MiB)
    local = tmp_path / "restart.bin"
    local.write_bytes(data)
    with running_api(tmp_path / "data") as live:
        carol = user(live)
        url = carol.post(live.url + "/api/uploads", headers={
            **TUS, "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata(path="/tempZone/home/carol/restart.bin")}).headers["Location"]
        carol.patch(url, data=data[:MiB], headers={**TUS, "Upload-Offset": "0",
                                                  "Content-Type": "application/offset+octet-stream"})
    with running_api(tmp_path / "data") as live:  # on another port: the same path there
        token = live.login("carol", PASSWORD)
        client = tus_client.TusClient(live.url + "/api/uploads", headers={"Authorization": f"Bearer {token}"})
        uploader = client.uploader(str(local), url=live.url + urlsplit(url).path)
        assert uploader.offset == MiB
        uploader.upload()
        assert live.session(token).get(live.url + "/api/data/tempZone/home/carol/restart.bin").content == data


def test_tuspy_reports_a_refused_upload(api, place, tmp_path):
    local = tmp_path / "refused.bin"
    local.write_bytes(b"x")
    with pytest.raises(TusCommunicationError):
        tus(api, "bob").uploader(str(local), metadata={"path": place("refused.bin")}).upload()


def test_unicode_and_quote_names_upload_and_download(api, alice, place, tmp_path):
    name = 'Zürich "quoted" 数据 ☃.txt'
    local = tmp_path / "unicode.txt"
    local.write_bytes(b"unicode")
    tus(api).uploader(str(local), metadata={"path": place(name)}).upload()
    got = alice.get(api.data_url(place(name)), params={"download": "true"})
    assert got.status_code == 200 and got.content == b"unicode"
    disposition = got.headers["Content-Disposition"]
    assert "filename*=UTF-8''Z%C3%BCrich%20%22quoted%22%20%E6%95%B0%E6%8D%AE%20%E2%98%83.txt" in disposition
    assert disposition.count('"') == 2  # the ASCII stand-in is quoted once, its own quotes replaced
    status, body, _ = curl(
        "-T", str(local), "-H", f"Authorization: Bearer {api.token_of('alice')}",
        api.data_url(place("curl " + name)).replace(" ", "%20").replace('"', "%22"))
    assert status == 201, body
    assert name in names_in(alice, api, place("")) and "curl " + name in names_in(alice, api, place(""))


def test_a_large_part_cut_mid_way_leaves_no_hole(api, alice, place, tmp_path):
    """A part large enough to be written over parallel iRODS connections, cut mid-way: what
    the upload holds is a prefix of what was sent, so resuming from it gives the file."""
    data = os.urandom(48 * MiB)
    local = tmp_path / "large.bin"
    local.write_bytes(data)
    url = create(alice, api, place("large.bin"), len(data))
    cut_patch(url, api.token_of("alice"), data, 40 * MiB)
    held = offset_of(alice, url)
    assert 0 < held <= 40 * MiB
    uploader = tus(api).uploader(str(local), url=url, chunk_size=len(data))
    uploader.upload()
    stored = alice.get(api.data_url(place("large.bin")))
    assert hashlib.sha256(stored.content).digest() == hashlib.sha256(data).digest()
