"""Login bans cannot lock others out (attack: six wrong passwords locked any account, the
administrator's included, for ten minutes, from anywhere).

Over HTTP against the real API under uWSGI. Clients come from distinct loopback addresses
(127.0.0.2, 127.0.0.3, ...: the whole 127/8 reaches this host), which uWSGI sees as
REMOTE_ADDR like any other client's.
"""

from __future__ import annotations

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.api.deployments import TIMEOUT
from tests.live import running_api

ATTEMPTS = 3
PROXY = "127.0.0.3"


class FromAddress(HTTPAdapter):
    """Connections leave from `address`."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def log_in(live, address: str, username: str, password: str, **headers) -> requests.Response:
    return client(address).post(live.url + "/auth/login", json={"username": username, "password": password},
                                headers=headers, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("bans"), AUTH_MAX_LOGIN_ATTEMPTS=ATTEMPTS,
                     AUTH_BAN_SECONDS=600) as live:
        yield live


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("bans-proxy"), AUTH_MAX_LOGIN_ATTEMPTS=ATTEMPTS,
                     AUTH_BAN_SECONDS=600, TRUSTED_PROXIES=PROXY) as live:
        yield live


def admin_session(live):
    return live.session(live.admin_token())


def test_wrong_passwords_from_one_address_do_not_keep_the_admin_out_from_another(live):
    username, password = live.admin
    for _ in range(2 * ATTEMPTS):
        assert log_in(live, "127.0.0.2", username, "guessed-wrong").status_code in (401, 403)

    banned = log_in(live, "127.0.0.2", username, password)
    assert banned.status_code == 403
    assert banned.json()["type"] == "account_banned" and "token" not in banned.json()
    allowed = log_in(live, "127.0.0.1", username, password)
    assert allowed.status_code == 200, allowed.text
    admin = live.session(allowed.json()["token"])
    assert admin.get(live.url + "/admin/users", timeout=TIMEOUT).status_code == 200
    # Forging X-Forwarded-For does not get the banned address back in: no proxy is trusted.
    forged = log_in(live, "127.0.0.2", username, password, **{"X-Forwarded-For": "192.0.2.10"})
    assert forged.status_code == 403


def test_an_administrator_lifts_a_ban(live):
    admin = admin_session(live)
    created = admin.post(live.url + "/admin/users", json={"username": "dora", "password": "dora-password-1"},
                         timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    for _ in range(ATTEMPTS):
        assert log_in(live, "127.0.0.4", "dora", "not-doras").status_code == 401
    assert log_in(live, "127.0.0.4", "dora", "dora-password-1").status_code == 403
    bans = admin.get(live.url + "/admin/bans", timeout=TIMEOUT).json()
    assert {"username": "dora", "address": "127.0.0.4"} in [
        {"username": ban["username"], "address": ban["address"]} for ban in bans]
    dora = live.session(log_in(live, "127.0.0.1", "dora", "dora-password-1").json()["token"])
    assert dora.delete(live.url + "/admin/bans/dora", timeout=TIMEOUT).status_code == 403

    lifted = admin.delete(live.url + "/admin/bans/dora", timeout=TIMEOUT)

    assert lifted.status_code == 204
    assert log_in(live, "127.0.0.4", "dora", "dora-password-1").status_code == 200
    bans = admin.get(live.url + "/admin/bans", timeout=TIMEOUT).json()
    assert "dora" not in [ban["username"] for ban in bans]


def test_the_ban_endpoints_are_documented(live):
    paths = requests.get(live.url + "/api/specs", timeout=TIMEOUT).json()["paths"]
    assert "get" in paths["/admin/bans"]
    assert {"204", "404"} <= set(paths["/admin/bans/{username}"]["delete"]["responses"])


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(behind_proxy):
    live = behind_proxy
    username, password = live.admin
    stranger = {"X-Forwarded-For": "192.0.2.66"}
    for _ in range(ATTEMPTS):
        assert log_in(live, PROXY, username, "guessed-wrong", **stranger).status_code == 401
    assert log_in(live, PROXY, username, password, **stranger).status_code == 403
    # The administrator, through the same proxy, from their own address.
    assert log_in(live, PROXY, username, password, **{"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    # What a client writes itself, left of the proxy's entry, is not believed.
    spoofed = {"X-Forwarded-For": "198.51.100.1, 192.0.2.66"}
    assert log_in(live, PROXY, username, password, **spoofed).status_code == 403
    # A client that is not the proxy cannot speak for others by sending the header.
    assert log_in(live, "127.0.0.5", username, password, **stranger).status_code == 200
