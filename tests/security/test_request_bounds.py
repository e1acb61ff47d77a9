"""Requests are bounded, and what users store is served inertly (issue 14, point 7).

Attacks reproduced over HTTP against the real API under uWSGI: a 200 MB JSON login body
grew a worker to 894 MB; deeply nested JSON gave 500; four slow clients made /api/status
unreachable; a file named `a"; filename="evil.sh` injected a header into its download;
HTML a user stored was served inline from the API's origin with no nosniff and no CSP.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from urllib.parse import quote, urlsplit

import requests
from werkzeug.http import parse_options_header

from tests.api.deployments import PASSWORD, TIMEOUT

HOME = "/tempZone/home/carol"


def user_session(live, name="carol"):
    admin = live.session(live.admin_token())
    created = admin.post(live.url + "/admin/users", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return live.session(live.login(name, PASSWORD))


def raw_request(live, head: str, body: bytes = b"") -> bytes:
    """Send `head` (and `body`) on a bare socket; the whole answer, up to the server's close."""
    split = urlsplit(live.url)
    with socket.create_connection((split.hostname, split.port), timeout=TIMEOUT) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_json_body_over_the_limit_is_413_before_it_is_sent(live_api):
    # Announce 200 MB and send none of it: the answer comes anyway, so nothing was read.
    answer = raw_request(live_api, "POST /auth/login HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                   "Content-Length: 200000000\n\n")
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 413 " in status_line, answer[:300]
    assert b"JSON bodies are limited to 1048576 bytes" in rest


def test_a_json_body_over_the_limit_is_413_when_sent(live_api):
    carol = user_session(live_api)
    padding = "x" * (1024 * 1024)
    response = carol.post(live_api.url + "/auth/login", json={"username": "carol", "password": padding})
    assert response.status_code == 413
    assert response.json()["type"] == "payload_too_large"
    # Just under the limit is parsed as usual (and is a wrong password, not a size error).
    small = carol.post(live_api.url + "/auth/login", json={"username": "carol", "password": "x" * 1000})
    assert small.status_code == 401


def test_the_json_limit_is_a_setting(live_api_factory):
    live = live_api_factory(MAX_JSON_SIZE=200)
    response = requests.post(live.url + "/auth/login", json={"username": "u", "password": "p" * 300},
                             timeout=TIMEOUT)
    assert response.status_code == 413
    assert "200 bytes" in response.json()["error"]


def test_deeply_nested_json_is_400_not_500(live_api):
    carol = user_session(live_api)
    url = live_api.url + f"/api/metadata{HOME}"
    assert carol.put(live_api.url + f"/api/data{HOME}/f.txt", data=b"f").status_code == 201
    headers = {"Content-Type": "application/json"}
    for body in ("[" * 100_000, '{"a":' * 40 + "1" + "}" * 40):
        response = carol.post(url + "/f.txt", data=body, headers=headers)
        assert response.status_code == 400, response.text
        assert "nest at most 32 levels" in response.json()["error"]
    # Everyday bodies are untouched.
    added = carol.post(url + "/f.txt", json={"attribute": "a", "value": "1"})
    assert added.status_code in (200, 201), added.text


def test_invalid_json_is_a_clear_400(live_api):
    carol = user_session(live_api)
    response = carol.post(live_api.url + "/api/tickets", data="{not json",
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "the request body is not valid JSON"


class SlowClient(threading.Thread):
    """Sends a request head that never completes, a byte every second, until stopped."""

    def __init__(self, live, head: str, stop: threading.Event):
        super().__init__(daemon=True)
        split = urlsplit(live.url)
        self.address, self.head, self.stop = (split.hostname, split.port), head, stop

    def run(self) -> None:
        with socket.create_connection(self.address) as connection:
            connection.sendall(self.head.replace("\n", "\r\n").encode())
            while not self.stop.wait(1.0):
                try:
                    connection.sendall(b"x")
                except OSError:
                    return


def test_slow_clients_do_not_make_the_api_unreachable(live_api):
    carol = user_session(live_api)
    token = carol.headers["Authorization"]
    heads = [f"PUT /api/data{HOME}/slow.bin HTTP/1.1\nHost: x\nAuthorization: {token}\n"
             "Content-Length: 100000\n\n",
             "POST /auth/login HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 90\n\n",
             "GET /api/status HTTP/1.1\nHost: x\nX-Slow: "]
    stop = threading.Event()
    # Five times the four single-threaded workers that this attack used to exhaust.
    clients = [SlowClient(live_api, heads[i % len(heads)], stop) for i in range(20)]
    try:
        for client in clients:
            client.start()
        stop.wait(3)
        for _ in range(10):
            assert requests.get(live_api.url + "/api/status", timeout=TIMEOUT).status_code == 200
        assert carol.get(live_api.url + f"/api/data{HOME}").status_code == 200
        assert all(client.is_alive() for client in clients)  # the attack was still on
    finally:
        stop.set()


NAMES = ['a"; filename="evil.sh', "données 数据 — Ωμέγα.txt", "semi;colon=,'single' %41.txt"]


def filename_star(header: str) -> str:
    """The file name an RFC 6266 client takes from Content-Disposition (filename* first)."""
    disposition, options = parse_options_header(header)
    return options["filename"]


def test_downloads_keep_any_name_and_inject_no_header(live_api, tmp_path):
    carol = user_session(live_api)
    for index, name in enumerate(NAMES):
        body = f"content {index}\n".encode()
        url = live_api.url + "/api/data" + quote(f"{HOME}/{name}")
        assert carol.put(url, data=body).status_code == 201
        download = carol.get(url, params={"download": "true"})
        assert download.status_code == 200
        assert download.content == body
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert filename_star(disposition) == name
        assert "evil.sh" not in download.headers.get("Content-Type", "")
        # curl -OJ uses the plain `filename`: it must stay one harmless name in the folder.
        folder = tmp_path / str(index)
        folder.mkdir()
        subprocess.run(["curl", "-sS", "-OJ", "-H", f"Authorization: {carol.headers['Authorization']}",
                        url + "?download=true"], cwd=folder, check=True, timeout=TIMEOUT)
        saved = list(folder.iterdir())
        assert len(saved) == 1 and saved[0].read_bytes() == body
        assert saved[0].resolve().parent == folder.resolve()


def test_stored_html_is_served_inert(live_api):
    carol = user_session(live_api)
    html = b"<html><script>fetch('/api/data/tempZone/home/carol')</script></html>"
    url = live_api.url + f"/api/data{HOME}/page.html"
    assert carol.put(url, data=html).status_code == 201
    ticket = carol.post(live_api.url + "/api/tickets", json={"path": f"{HOME}/page.html"}).json()
    for response in (carol.get(url), requests.get(ticket["url"], timeout=TIMEOUT), carol.head(url)):
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "sandbox"

