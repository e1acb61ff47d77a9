"""Login, tokens, logout, revocation: what a bearer token is worth and when it stops working."""

from __future__ import annotations

import jwt
import pytest

from backend.auth import auth_service
from backend.errors import NotFound
from tests.auth.conftest import ADMIN_PASSWORD, bearer, login


def test_login_gives_a_token_that_opens_the_profile(client):
    response = client.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                           headers={"User-Agent": "pytest-agent"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires"].endswith("+00:00")
    assert body["user"]["username"] == "admin" and body["user"]["is_admin"] is True

    profile = client.get("/auth/profile", headers=bearer(body["token"]))
    assert profile.status_code == 200
    user = profile.get_json()
    assert user["username"] == "admin"
    assert user["role"] == "admin"
    assert user["home"] == "/tempZone/home/admin"
    assert {"id", "email", "is_admin", "created", "disabled"} <= set(user)
    assert "password" not in profile.get_data(as_text=True)
    assert "argon2" not in profile.get_data(as_text=True)


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    make_user("alice")
    wrong = client.post("/auth/login", json={"username": "alice", "password": "not-her-password"})
    unknown = client.post("/auth/login", json={"username": "nobody", "password": "whatever-pw"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"] == "invalid username or password"
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kwargs", [
    {},
    {"data": "username=admin", "content_type": "application/x-www-form-urlencoded"},
    {"data": "{not json", "content_type": "application/json"},
    {"json": ["admin", ADMIN_PASSWORD]},
    {"json": {"username": "admin"}},
    {"json": {"password": ADMIN_PASSWORD}},
    {"json": {"username": "admin", "password": 12345678}},
    {"json": {"username": None, "password": ADMIN_PASSWORD}},
])
def test_login_without_a_proper_json_body_is_a_bad_request(client, kwargs):
    response = client.post("/auth/login", **kwargs)
    assert response.status_code == 400
    assert response.get_json()["code"] == 400


def test_requests_without_a_usable_authorization_header_are_refused(client):
    missing = client.get("/auth/profile")
    assert missing.status_code == 401 and "missing" in missing.get_json()["error"]
    assert client.get("/auth/profile", headers={"Authorization": "Basic YWRtaW46eA=="}).status_code == 401
    assert client.get("/auth/profile", headers={"Authorization": "Bearer"}).status_code == 401
    garbage = client.get("/auth/profile", headers=bearer("not.a.jwt"))
    assert garbage.status_code == 401 and "invalid token" in garbage.get_json()["error"]


def test_logout_revokes_the_presented_token_only(client):
    first = login(client, "admin", ADMIN_PASSWORD)
    second = login(client, "admin", ADMIN_PASSWORD)
    response = client.post("/auth/logout", headers=bearer(first))
    assert response.status_code == 204 and response.get_data() == b""
    refused = client.get("/auth/profile", headers=bearer(first))
    assert refused.status_code == 401
    assert "revoked" in refused.get_json()["error"]
    assert client.get("/auth/profile", headers=bearer(second)).status_code == 200


def _resign(app, token: str, key: str | None = None, **claims) -> str:
    secret = key or (app.extensions["rapydo.settings"].data_dir / "jwt_secret").read_text().strip()
    payload = jwt.decode(token, options={"verify_signature": False})
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm="HS256")


def test_expired_token_is_refused(app, client):
    token = login(client, "admin", ADMIN_PASSWORD)
    payload = jwt.decode(token, options={"verify_signature": False})
    expired = _resign(app, token, iat=payload["iat"] - 7200, exp=payload["iat"] - 3600)
    response = client.get("/auth/profile", headers=bearer(expired))
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]
    # The same claims, re-signed without the change, are accepted: the secret is the right one.
    assert client.get("/auth/profile", headers=bearer(_resign(app, token))).status_code == 200


def test_token_with_a_wrong_signature_is_refused(app, client):
    token = login(client, "admin", ADMIN_PASSWORD)
    forged = _resign(app, token, key="another-secret-of-sufficient-length-0123456789")
    response = client.get("/auth/profile", headers=bearer(forged))
    assert response.status_code == 401
    assert "signature" in response.get_json()["error"]


def test_token_for_an_unknown_token_id_is_refused(app, client):
    token = login(client, "admin", ADMIN_PASSWORD)
    response = client.get("/auth/profile", headers=bearer(_resign(app, token, jti="0" * 32)))
    assert response.status_code == 401
    assert "unknown token" in response.get_json()["error"]


def test_tokens_are_listed_without_the_jwt_and_revoked_by_id(client):
    mine = login(client, "admin", ADMIN_PASSWORD)
    other = login(client, "admin", ADMIN_PASSWORD)
    listing = client.get("/auth/tokens", headers=bearer(mine))
    assert listing.status_code == 200
    tokens = listing.get_json()
    assert len(tokens) == 2
    assert mine not in listing.get_data(as_text=True) and other not in listing.get_data(as_text=True)
    assert [t["current"] for t in tokens].count(True) == 1
    for record in tokens:
        assert set(record) == {"id", "created", "expires", "last_used", "ip", "user_agent", "revoked", "current"}
        assert record["revoked"] is False
    other_id = jwt.decode(other, options={"verify_signature": False})["jti"]
    assert other_id in {t["id"] for t in tokens}

    assert client.delete(f"/auth/tokens/{other_id}", headers=bearer(mine)).status_code == 204
    refused = client.get("/auth/profile", headers=bearer(other))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["error"]
    assert client.get("/auth/profile", headers=bearer(mine)).status_code == 200
    revoked = {t["id"]: t["revoked"] for t in client.get("/auth/tokens", headers=bearer(mine)).get_json()}
    assert revoked[other_id] is True
    assert client.delete("/auth/tokens/does-not-exist", headers=bearer(mine)).status_code == 404


def test_users_cannot_see_or_revoke_each_others_tokens_but_admins_can(client, make_user, admin_token):
    make_user("alice")
    make_user("bob")
    alice = login(client, "alice", "alice-password")
    bob = login(client, "bob", "bob-password")
    bob_id = jwt.decode(bob, options={"verify_signature": False})["jti"]
    assert bob_id not in {t["id"] for t in client.get("/auth/tokens", headers=bearer(alice)).get_json()}
    assert client.delete(f"/auth/tokens/{bob_id}", headers=bearer(alice)).status_code == 404
    assert client.get("/auth/profile", headers=bearer(bob)).status_code == 200

    assert client.delete(f"/auth/tokens/{bob_id}", headers=bearer(admin_token)).status_code == 204
    assert client.get("/auth/profile", headers=bearer(bob)).status_code == 401


def test_last_used_ip_and_user_agent_are_recorded(client):
    token = client.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                        headers={"User-Agent": "curl/8.0"}).get_json()["token"]
    (record,) = client.get("/auth/tokens", headers=bearer(token)).get_json()
    assert record["user_agent"] == "curl/8.0"
    assert record["ip"] == "127.0.0.1"
    assert record["last_used"] is not None


def test_a_token_survives_an_application_restart(make_app):
    first = make_app()
    token = login(first.test_client(), "admin", ADMIN_PASSWORD)
    second = make_app()
    assert second.test_client().get("/auth/profile", headers=bearer(token)).status_code == 200


def test_configured_jwt_secret_signs_the_tokens(make_app):
    secret = "configured-secret-0123456789abcdef0123456789"
    app = make_app(jwt_secret=secret)
    token = login(app.test_client(), "admin", ADMIN_PASSWORD)
    assert jwt.decode(token, secret, algorithms=["HS256"])["sub"] == "admin"
    assert not (app.extensions["rapydo.settings"].data_dir / "jwt_secret").exists()


def test_values_no_user_or_token_can_have_are_plain_client_errors(app, client, admin_token):
    # PostgreSQL refuses NUL in text: such values must never reach a query.
    assert client.post("/auth/login", json={"username": "ad\x00min", "password": "whatever-pw"}).status_code == 401
    admin = bearer(admin_token)
    # 400 when the API refuses the URL itself, else 404 from auth: never a database error.
    assert client.get("/admin/users/ad%00min", headers=admin).status_code in (400, 404)
    assert client.delete("/admin/users/ad%00min", headers=admin).status_code in (400, 404)
    assert client.delete("/auth/tokens/ab%00cd", headers=admin).status_code in (400, 404)
    assert client.get("/admin/users/ad\\min", headers=admin).status_code in (400, 404)
    service = auth_service(app)
    with pytest.raises(NotFound):
        service.get_user("ad\x00min")
    with pytest.raises(NotFound):
        service.delete_user("ad\x00min")
    with pytest.raises(NotFound):
        service.revoke_token("ab\x00cd", service.get_user("admin"))
    created = client.post("/admin/users", headers=admin,
                          json={"username": "alice", "password": "pass\x00word", "email": "a\x00@b.org"})
    assert created.status_code == 422
