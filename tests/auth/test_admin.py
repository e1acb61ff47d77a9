"""User management under /admin/users: admins only, validated, never losing the last admin."""

from __future__ import annotations

import pytest

from backend.storage import storage_backend
from tests.auth.conftest import ADMIN_PASSWORD, bearer, login


def test_admin_creates_lists_gets_and_deletes_users(app, client, admin_token):
    admin = bearer(admin_token)
    created = client.post("/admin/users", headers=admin, json={
        "username": "alice", "password": "alice-password", "email": "alice@example.org"})
    assert created.status_code == 201
    alice = created.get_json()
    assert created.headers["Location"].endswith("/admin/users/alice")
    assert alice["username"] == "alice" and alice["role"] == "user" and alice["is_admin"] is False
    assert alice["email"] == "alice@example.org" and alice["disabled"] is False
    assert "password" not in created.get_data(as_text=True)

    names = [user["username"] for user in client.get("/admin/users", headers=admin).get_json()]
    assert names == ["admin", "alice"]
    assert client.get("/admin/users/alice", headers=admin).get_json() == alice
    assert client.get("/admin/users/nobody", headers=admin).status_code == 404

    token = login(client, "alice", "alice-password")
    assert client.delete("/admin/users/alice", headers=admin).status_code == 204
    assert client.get("/admin/users/alice", headers=admin).status_code == 404
    assert client.get("/auth/profile", headers=bearer(token)).status_code == 401
    assert client.delete("/admin/users/alice", headers=admin).status_code == 404


def test_every_user_gets_a_home_collection(app, make_user):
    make_user("alice")
    backend = storage_backend(app)
    assert backend.session("alice").is_collection("/tempZone/home/alice")
    assert backend.session("admin").is_collection("/tempZone/home/admin")


def test_normal_users_and_anonymous_callers_cannot_manage_users(client, make_user):
    make_user("alice")
    alice = bearer(login(client, "alice", "alice-password"))
    for method, url in (("get", "/admin/users"), ("post", "/admin/users"), ("get", "/admin/users/admin"),
                        ("put", "/admin/users/admin"), ("delete", "/admin/users/admin")):
        kwargs = {"json": {"username": "mallory", "password": "mallory-password", "role": "admin"}} \
            if method == "post" else {"json": {"role": "user"}} if method == "put" else {}
        denied = getattr(client, method)(url, headers=alice, **kwargs)
        assert denied.status_code == 403, (method, url)
        assert getattr(client, method)(url, **kwargs).status_code == 401, (method, url)
    assert client.post("/auth/login", json={"username": "mallory", "password": "mallory-password"}).status_code == 401


def test_duplicate_username_is_a_conflict(client, admin_token, make_user):
    make_user("alice")
    again = client.post("/admin/users", headers=bearer(admin_token),
                        json={"username": "alice", "password": "another-password"})
    assert again.status_code == 409


@pytest.mark.parametrize("body, status", [
    ({"username": "alice", "password": "short"}, 422),
    ({"username": "al/ice", "password": "long-enough"}, 422),
    ({"username": "..", "password": "long-enough"}, 422),
    ({"username": "", "password": "long-enough"}, 422),
    ({"username": "public", "password": "long-enough"}, 422),
    ({"username": "alice", "password": "long-enough", "role": "root"}, 422),
    ({"username": "alice", "password": "long-enough", "email": "not an email"}, 422),
    ({"username": "alice"}, 400),
    ({"password": "long-enough"}, 400),
    ({"username": 7, "password": "long-enough"}, 400),
    ({"username": "alice", "password": "long-enough", "disabled": "yes"}, 400),
    ({"username": "alice", "password": "long-enough", "pasword": "typo"}, 400),
    (["alice", "long-enough"], 400),
])
def test_invalid_new_users_are_refused(client, admin_token, body, status):
    response = client.post("/admin/users", headers=bearer(admin_token), json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]
    names = [user["username"] for user in client.get("/admin/users", headers=bearer(admin_token)).get_json()]
    assert names == ["admin"]


def test_short_password_message_is_clear(client, admin_token):
    response = client.post("/admin/users", headers=bearer(admin_token),
                           json={"username": "alice", "password": "short"})
    assert "at least 8 characters" in response.get_json()["error"]


def test_admin_updates_email_role_password_and_disabled(client, admin_token, make_user):
    admin = bearer(admin_token)
    make_user("alice", "alice-password")
    alice_token = login(client, "alice", "alice-password")

    updated = client.put("/admin/users/alice", headers=admin, json={"email": "a@example.org", "role": "admin"})
    assert updated.status_code == 200
    assert updated.get_json()["email"] == "a@example.org" and updated.get_json()["is_admin"] is True
    assert client.get("/admin/users", headers=bearer(alice_token)).status_code == 200
    cleared = client.put("/admin/users/alice", headers=admin, json={"email": None, "role": "user"})
    assert cleared.get_json()["email"] is None and cleared.get_json()["role"] == "user"

    # A new password revokes the user's tokens.
    assert client.put("/admin/users/alice", headers=admin, json={"password": "new-password"}).status_code == 200
    assert client.get("/auth/profile", headers=bearer(alice_token)).status_code == 401
    assert client.post("/auth/login", json={"username": "alice", "password": "alice-password"}).status_code == 401
    alice_token = login(client, "alice", "new-password")

    # Disabled: existing tokens stop working and login is refused even with the right password.
    assert client.put("/admin/users/alice", headers=admin, json={"disabled": True}).get_json()["disabled"] is True
    assert client.get("/auth/profile", headers=bearer(alice_token)).status_code == 401
    refused = client.post("/auth/login", json={"username": "alice", "password": "new-password"})
    assert refused.status_code == 403 and "disabled" in refused.get_json()["error"]
    assert client.put("/admin/users/alice", headers=admin, json={"disabled": False}).status_code == 200
    assert login(client, "alice", "new-password")


@pytest.mark.parametrize("body, status", [
    ({"password": "short"}, 422),
    ({"role": "root"}, 422),
    ({"email": "nope"}, 422),
    ({"disabled": "no"}, 400),
    ({"email": 3}, 400),
    ({"username": "renamed"}, 400),
    ("not an object", 400),
])
def test_invalid_updates_are_refused(client, admin_token, make_user, body, status):
    make_user("alice")
    response = client.put("/admin/users/alice", headers=bearer(admin_token), json=body)
    assert response.status_code == status, response.get_json()


def test_update_of_an_unknown_user_is_not_found(client, admin_token):
    assert client.put("/admin/users/nobody", headers=bearer(admin_token), json={"email": None}).status_code == 404


def test_the_last_admin_cannot_be_deleted_demoted_or_disabled(client, admin_token, make_user):
    admin = bearer(admin_token)
    for method, kwargs in (("delete", {}), ("put", {"json": {"role": "user"}}),
                           ("put", {"json": {"disabled": True}})):
        response = getattr(client, method)("/admin/users/admin", headers=admin, **kwargs)
        assert response.status_code == 409, (method, kwargs)
        assert "last" in response.get_json()["error"]
    assert client.get("/auth/profile", headers=admin).get_json()["is_admin"] is True

    make_user("root2", role="admin")
    assert client.delete("/admin/users/admin", headers=admin).status_code == 204
    other = bearer(login(client, "root2", "root2-password"))
    assert client.delete("/admin/users/root2", headers=other).status_code == 409


def test_a_second_admin_can_manage_users(client, make_user):
    make_user("root2", role="admin")
    root2 = bearer(login(client, "root2", "root2-password"))
    created = client.post("/admin/users", headers=root2, json={"username": "carol", "password": "carol-password"})
    assert created.status_code == 201
    assert login(client, "admin", ADMIN_PASSWORD)


def test_a_quota_is_kept_with_the_account_and_goes_with_it(client, admin_token, make_user):
    make_user("quinn", quota=1000)
    url, headers = "/admin/users/quinn", bearer(admin_token)
    got = client.get(url, headers=headers).get_json()
    assert (got["quota"], got["effective_quota"], got["usage"]) == (1000, 1000, 0)
    assert client.put(url, headers=headers, json={"quota": 2000}).get_json()["quota"] == 2000
    cleared = client.put(url, headers=headers, json={"quota": None}).get_json()
    assert (cleared["quota"], cleared["effective_quota"]) == (None, 0)  # QUOTA_DEFAULT: unlimited
    assert client.put(url, headers=headers, json={"quota": 5}).status_code == 200
    assert client.delete(url, headers=headers).status_code == 204
    make_user("quinn")  # someone new under the name: the old quota is gone with the account
    assert client.get(url, headers=headers).get_json()["quota"] is None
