"""Login bans: too many consecutive failures lock an account for a while, even to its password."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.auth.conftest import ADMIN_PASSWORD, bearer

BAN_SECONDS = 2


@pytest.fixture
def app(make_app):
    return make_app(auth_max_login_attempts=3, auth_ban_seconds=BAN_SECONDS)


def attempt(client, password):
    return client.post("/auth/login", json={"username": "alice", "password": password})


def test_banned_after_consecutive_failures_then_allowed_again(client, make_user):
    make_user("alice", "alice-password")
    for _ in range(3):
        assert attempt(client, "wrong-password").status_code == 401

    banned = attempt(client, "alice-password")
    assert banned.status_code == 403
    body = banned.get_json()
    assert body["type"] == "account_banned"
    assert "until" in body["error"]
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


def test_a_ban_concerns_one_account(client, make_user):
    make_user("alice", "alice-password")
    for _ in range(3):
        attempt(client, "wrong-password")
    assert attempt(client, "alice-password").status_code == 403
    assert client.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 200


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
