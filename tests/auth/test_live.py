"""Authentication under real uWSGI: several lazily loaded workers share one admin and one secret."""

from __future__ import annotations


def test_workers_share_the_admin_the_secret_and_keep_secrets_out_of_the_log(live_api):
    token = live_api.admin_token()
    session = live_api.session(token)
    # Many requests, so that several workers verify the token one of them issued.
    for _ in range(20):
        assert session.get(live_api.url + "/auth/profile", timeout=30).status_code == 200
    users = session.get(live_api.url + "/admin/users", timeout=30).json()
    assert [user["username"] for user in users] == ["admin"]

    created = session.post(live_api.url + "/admin/users", timeout=30,
                           json={"username": "alice", "password": "alice-live-password"})
    assert created.status_code == 201
    alice = live_api.login("alice", "alice-live-password")
    assert session.post(live_api.url + "/auth/logout", timeout=30).status_code == 204
    for _ in range(10):
        assert session.get(live_api.url + "/auth/profile", timeout=30).status_code == 401

    log = live_api.log()
    for secret in (live_api.admin[1], token, alice, "alice-live-password"):
        assert secret not in log
