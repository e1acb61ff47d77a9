"""Self-service: a user changes their own password and sees their profile and groups."""

from __future__ import annotations

import pytest

from backend.auth import auth_service
from tests.auth.conftest import bearer, login

NEW = "a-brand-new-password"
PASSWORD_URL = "/auth/password"


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def change(client, token, current, new):
    return client.put(PASSWORD_URL, headers=bearer(token), json={"current": current, "new": new})


def test_a_user_changes_their_password_and_their_other_tokens_end(client, alice):
    name, password = alice
    this, other = login(client, name, password), login(client, name, password)
    assert change(client, this, password, NEW).status_code == 204

    assert client.get("/auth/profile", headers=bearer(this)).status_code == 200
    revoked = client.get("/auth/profile", headers=bearer(other))
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["error"]
    assert client.post("/auth/login", json={"username": name, "password": password}).status_code == 401
    assert login(client, name, NEW)


def test_a_wrong_current_password_is_refused_and_counts_as_a_failed_login(make_app):
    app = make_app(auth_max_login_attempts=2, auth_ban_seconds=60)
    client = app.test_client()
    admin = login(client, "admin", "admin-password-1")
    client.post("/admin/users", headers=bearer(admin),
                json={"username": "alice", "password": "alice-password"})
    token = login(client, "alice", "alice-password")

    wrong = change(client, token, "not-the-password", NEW)
    assert wrong.status_code == 403 and "current password" in wrong.get_json()["error"]
    assert change(client, token, "still-not-it", NEW).status_code == 403
    banned = change(client, token, "alice-password", NEW)  # the address is banned now
    assert banned.status_code == 403 and "banned" in banned.get_json()["error"]
    assert client.delete("/admin/bans/alice", headers=bearer(admin)).status_code == 204
    assert login(client, "alice", "alice-password")  # unchanged


def test_the_new_password_follows_the_password_rules(client, alice):
    name, password = alice
    token = login(client, name, password)
    assert change(client, token, password, "short").status_code == 422
    assert client.put(PASSWORD_URL, headers=bearer(token), json={"current": password}).status_code == 400
    assert client.put(PASSWORD_URL, headers=bearer(token),
                      json={"current": password, "new": NEW, "old": password}).status_code == 400
    assert client.put(PASSWORD_URL, json={"current": password, "new": NEW}).status_code == 401
    assert login(client, name, password)  # nothing changed


def test_users_of_irods_logins_change_their_password_in_irods(app, client):
    result = auth_service(app).login_with_storage("ivan", lambda: {})
    answer = change(client, result.token, "anything", NEW)
    assert answer.status_code == 409
    assert "iRODS" in answer.get_json()["error"]


def test_the_profile_names_the_users_groups(client, admin_token, alice):
    name, password = alice
    token = login(client, name, password)
    profile = client.get("/auth/profile", headers=bearer(token)).get_json()
    assert profile["username"] == name and profile["groups"] == []
    assert "password_hash" not in profile

    assert client.post("/admin/groups", headers=bearer(admin_token), json={"name": "lab"}).status_code == 201
    assert client.put(f"/admin/groups/lab/members/{name}", headers=bearer(admin_token)).status_code == 200
    assert client.get("/auth/profile", headers=bearer(token)).get_json()["groups"] == ["lab"]
    assert client.get("/auth/groups", headers=bearer(token)).get_json() == ["lab"]
