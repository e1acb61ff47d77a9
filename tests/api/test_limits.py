"""Upload limits and what the request log may show; each test runs its own server."""

import requests

from tests.api.deployments import PASSWORD
from tests.api.test_uploads import curl_refused_upload
from tests.live import wait_for


def user_session(live, name="carol"):
    admin = live.session(live.admin_token())
    created = admin.post(live.url + "/admin/users", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return live.session(live.login(name, PASSWORD))


def test_uploads_over_max_upload_size_are_413_and_store_nothing(live_api_factory):
    live = live_api_factory(MAX_UPLOAD_SIZE=1000)
    carol = user_session(live)
    url = live.url + "/api/data/tempZone/home/carol/big.bin"
    assert carol.put(url, data=b"x" * 1001).status_code == 413
    assert carol.put(url, files={"file": ("big.bin", b"x" * 5000)}).status_code == 413
    assert carol.get(url).status_code == 404
    assert carol.put(url, data=b"x" * 1000).status_code == 201


def test_curl_gets_413_before_sending_an_oversized_body(live_api_factory, tmp_path):
    live = live_api_factory(MAX_UPLOAD_SIZE=1000)
    user_session(live)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (8 * 1024 * 1024))
    status, body, uploaded = curl_refused_upload(
        live.url + "/api/data/tempZone/home/carol/big.bin", big,
        f"Authorization: Bearer {live.login('carol', PASSWORD)}")
    assert status == 413 and "limited" in body
    assert uploaded < 1024 * 1024


def test_chunked_uploads_are_stored_and_bounded_by_max_upload_size(live_api_factory):
    live = live_api_factory(MAX_UPLOAD_SIZE=1000)
    carol = user_session(live)
    url = live.url + "/api/data/tempZone/home/carol/stream.bin"
    # A generator body is sent chunked, without Content-Length.
    assert carol.put(url, data=iter([b"abc", b"def"])).status_code == 201
    assert carol.get(url).content == b"abcdef"
    too_long = live.url + "/api/data/tempZone/home/carol/long.bin"
    response = carol.put(too_long, data=iter([b"x" * 600, b"y" * 600]))
    assert response.status_code == 413, response.text
    assert carol.get(too_long).status_code == 404


def test_ticket_strings_and_tokens_never_reach_the_log(live_api):
    carol = user_session(live_api)
    carol.put(live_api.url + "/api/data/tempZone/home/carol/f.txt", data=b"f")
    ticket = carol.post(live_api.url + "/api/tickets",
                        json={"path": "/tempZone/home/carol/f.txt"}).json()
    assert requests.get(ticket["url"], timeout=30).content == b"f"
    # uWSGI writes a request's log line after the response has gone out.
    assert wait_for(lambda: "/api/tickets/***/content" in live_api.log(), timeout=30)
    log = live_api.log()
    assert ticket["string"] not in log
    assert carol.headers["Authorization"].split()[1] not in log
    assert PASSWORD not in log


def test_curl_gets_the_quota_refusal_before_sending_the_body(live_api_factory, tmp_path):
    live = live_api_factory()
    admin = live.session(live.admin_token())
    assert admin.post(live.url + "/admin/users", json={"username": "dora", "password": PASSWORD,
                                                      "quota": 1000}).status_code == 201
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (8 * 1024 * 1024))
    status, body, uploaded = curl_refused_upload(
        live.url + "/api/data/tempZone/home/dora/big.bin", big,
        f"Authorization: Bearer {live.login('dora', PASSWORD)}")
    assert status == 403 and "quota" in body
    assert uploaded < 1024 * 1024
