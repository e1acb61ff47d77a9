"""Login bans: too many failures in a row to one account from one client address ban that
address from that account for a while, even with the right password, and nobody else."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.auth.conftest import ADMIN_PASSWORD, bearer, login

BAN_SECONDS = 2
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.fixture
def app(make_app):
    return make_app(auth_max_login_attempts=3, auth_ban_seconds=BAN_SECONDS)


def attempt(client, password, username="alice", address=None, **headers):
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post("/auth/login", json={"username": username, "password": password},
                       environ_base=environ, headers=headers)


def test_banned_after_consecutive_failures_then_allowed_again(client, make_user):
    make_user("alice", "alice-password")
    for _ in range(3):
        assert attempt(client, "wrong-password").status_code == 401

    banned = attempt(client, "alice-password")
    assert banned.status_code == 403
    body = banned.get_json()
    assert body["type"] == "account_banned"
    assert "from your address" in body["error"]
    until = datetime.fromisoformat(body["error"].rsplit("until ", 1)[1])
    assert until.tzinfo is not None

    time.sleep(BAN_SECONDS + 0.5)
    allowed = attempt(client, "alice-password")
    assert allowed.status_code == 200
    assert client.get("/auth/profile", headers=bearer(allowed.get_json()["token"])).status_code == 200


def test_a_success_resets_the_failure_count(client, make_user):
    make_user("alice", "alice-password")
    for _ in range(2):
        assert attempt(client, "wrong-password").status_code == 401
    assert attempt(client, "alice-password").status_code == 200
    for _ in range(2):
        assert attempt(client, "wrong-password").status_code == 401
    assert attempt(client, "alice-password").status_code == 200


def test_failures_older_than_a_ban_no_longer_count(client, make_user):
    make_user("alice", "alice-password")
    for _ in range(2):
        assert attempt(client, "wrong-password").status_code == 401
    time.sleep(BAN_SECONDS + 0.5)
    for _ in range(2):
        assert attempt(client, "wrong-password").status_code == 401
    assert attempt(client, "alice-password").status_code == 200


def test_a_ban_concerns_one_account(client, make_user):
    make_user("alice", "alice-password")
    for _ in range(3):
        attempt(client, "wrong-password")
    assert attempt(client, "alice-password").status_code == 403
    assert attempt(client, ADMIN_PASSWORD, "admin").status_code == 200


def test_a_ban_concerns_one_address(client, make_user):
    make_user("alice", "alice-password")
    for _ in range(5):
        attempt(client, "wrong-password", address=ATTACKER)
    assert attempt(client, "alice-password", address=ATTACKER).status_code == 403
    # alice, elsewhere, logs in as usual; her success does not lift the stranger's ban.
    assert attempt(client, "alice-password", address=OWNER).status_code == 200
    assert attempt(client, "alice-password", address=ATTACKER).status_code == 403


def test_nobody_keeps_the_administrator_out_from_elsewhere(client):
    for _ in range(10):
        assert attempt(client, "wrong-password", "admin", ATTACKER).status_code in (401, 403)
    assert attempt(client, ADMIN_PASSWORD, "admin", ATTACKER).status_code == 403
    assert attempt(client, ADMIN_PASSWORD, "admin", OWNER).status_code == 200


def test_a_forged_forwarded_for_header_changes_nothing(client, make_user):
    # No TRUSTED_PROXIES: X-Forwarded-For is anyone's to write, so it is not believed.
    make_user("alice", "alice-password")
    for number in range(3):
        attempt(client, "wrong-password", address=ATTACKER, **{"X-Forwarded-For": f"10.9.9.{number}"})
    refused = attempt(client, "alice-password", address=ATTACKER, **{"X-Forwarded-For": "10.9.9.99"})
    assert refused.status_code == 403


def test_behind_a_trusted_proxy_the_forwarded_client_counts(make_app, make_user):
    proxy = "10.0.0.2"
    client = make_app(auth_max_login_attempts=3, auth_ban_seconds=60,
                      trusted_proxies="10.0.0.0/24").test_client()
    admin = login(client, "admin", ADMIN_PASSWORD)
    created = client.post("/admin/users", headers=bearer(admin),
                          json={"username": "alice", "password": "alice-password"})
    assert created.status_code == 201
    # The client may put anything left of what the proxy appends: only the proxy's entry counts.
    for _ in range(3):
        attempt(client, "wrong-password", address=proxy,
                **{"X-Forwarded-For": f"{OWNER}, {ATTACKER}"})
    assert attempt(client, "alice-password", address=proxy,
                   **{"X-Forwarded-For": ATTACKER}).status_code == 403
    assert attempt(client, "alice-password", address=proxy,
                   **{"X-Forwarded-For": OWNER}).status_code == 200
    bans = client.get("/admin/bans", headers=bearer(admin)).get_json()
    assert [(ban["username"], ban["address"]) for ban in bans] == [("alice", ATTACKER)]


def test_unknown_users_are_never_banned(client):
    for _ in range(5):
        response = client.post("/auth/login", json={"username": "ghost", "password": "wrong-password"})
        assert response.status_code == 401


def test_a_new_password_lifts_the_ban(client, make_user, admin_token):
    make_user("alice", "alice-password")
    for _ in range(3):
        attempt(client, "wrong-password")
    assert attempt(client, "alice-password").status_code == 403
    reset = client.put("/admin/users/alice", headers=bearer(admin_token), json={"password": "brand-new-pw"})
    assert reset.status_code == 200
    assert attempt(client, "brand-new-pw").status_code == 200


def test_an_administrator_lifts_a_ban(client, make_user, admin_token):
    make_user("alice", "alice-password")
    alice = login(client, "alice", "alice-password")
    for _ in range(3):
        attempt(client, "wrong-password", address=ATTACKER)
    bans = client.get("/admin/bans", headers=bearer(admin_token))
    assert bans.status_code == 200
    [ban] = bans.get_json()
    assert (ban["username"], ban["address"]) == ("alice", ATTACKER)
    assert datetime.fromisoformat(ban["banned_until"]).tzinfo is not None
    # Only administrators see or lift bans.
    assert client.get("/admin/bans", headers=bearer(alice)).status_code == 403
    assert client.delete("/admin/bans/alice", headers=bearer(alice)).status_code == 403
    assert attempt(client, "alice-password", address=ATTACKER).status_code == 403

    assert client.delete("/admin/bans/alice", headers=bearer(admin_token)).status_code == 204

    assert client.get("/admin/bans", headers=bearer(admin_token)).get_json() == []
    assert attempt(client, "alice-password", address=ATTACKER).status_code == 200
    missing = client.delete("/admin/bans/nobody", headers=bearer(admin_token))
    assert missing.status_code == 404 and missing.get_json()["type"] == "not_found"
