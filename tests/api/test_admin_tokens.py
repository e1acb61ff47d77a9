"""An administrator sees a user's sessions (/admin/users/<name>/tokens) and ends one
(DELETE .../tokens/<id>): that user's next call with it is refused. Admins only."""

from __future__ import annotations

import pytest

from tests.api.deployments import PASSWORD

# Tokens live in the API's own database, whichever storage backend holds the data.
pytestmark = pytest.mark.local_only(reason="tokens are kept by the API's auth database, not by storage")


@pytest.fixture
def admin(api):
    return api.live.session(api.live.admin_token())


def fresh_session(api, username: str):
    """A session of `username` with a token of its own (not the one `session_of` shares)."""
    return api.live.session(api.live.login(username, PASSWORD))


def test_an_admin_lists_a_users_tokens_and_revokes_one(api, admin):
    first = fresh_session(api, "alice")
    second = fresh_session(api, "alice")
    mine = {record["id"] for record in first.get(api.url("/auth/tokens")).json()}

    listed = admin.get(api.url("/admin/users/alice/tokens"))
    assert listed.status_code == 200, listed.text
    records = listed.json()
    assert {record["id"] for record in records} == mine
    for record in records:
        assert set(record) >= {"id", "created", "expires", "last_used", "ip", "user_agent", "revoked",
                               "current"}
        assert "token" not in record and record["current"] is False
    created = [record["created"] for record in records]
    assert created == sorted(created, reverse=True)

    # Which token is `second`'s: the one only it has used last.
    victim = next(record["id"] for record in second.get(api.url("/auth/tokens")).json() if record["current"])
    revoked = admin.delete(api.url(f"/admin/users/alice/tokens/{victim}"))
    assert revoked.status_code == 204, revoked.text
    refused = second.get(api.url("/auth/profile"))
    assert refused.status_code == 401 and refused.json()["error"]
    assert first.get(api.url("/auth/profile")).status_code == 200
    after = {record["id"]: record["revoked"] for record in admin.get(api.url("/admin/users/alice/tokens")).json()}
    assert after[victim] is True


def test_a_token_is_revoked_only_under_its_owners_name(api, admin):
    bob = fresh_session(api, "bob")
    bob_id = next(record["id"] for record in bob.get(api.url("/auth/tokens")).json() if record["current"])
    wrong = admin.delete(api.url(f"/admin/users/alice/tokens/{bob_id}"))
    assert wrong.status_code == 404 and "alice" in wrong.json()["error"]
    assert bob.get(api.url("/auth/profile")).status_code == 200
    assert admin.get(api.url("/admin/users/nobody/tokens")).status_code == 404
    assert admin.delete(api.url("/admin/users/nobody/tokens/x")).status_code == 404


def test_only_admins_see_or_revoke_others_tokens(api, alice, anonymous):
    bob = fresh_session(api, "bob")
    bob_id = next(record["id"] for record in bob.get(api.url("/auth/tokens")).json() if record["current"])
    for method, path in (("get", "/admin/users/bob/tokens"), ("delete", f"/admin/users/bob/tokens/{bob_id}")):
        denied = getattr(alice, method)(api.url(path))
        assert denied.status_code == 403 and denied.json()["error"], (method, path)
        assert getattr(anonymous, method)(api.url(path)).status_code == 401, (method, path)
    assert bob.get(api.url("/auth/profile")).status_code == 200
