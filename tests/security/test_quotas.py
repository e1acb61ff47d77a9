"""Per-user quotas (attack: nothing stopped one user from filling the disk for everyone).

Over HTTP against the real API under uWSGI, on both storage backends (local, and irods against
tests/irods_server, whose GenQuery sums as iRODS does): uploads, forced overwrites, uploads of
unknown length, copies and write tickets are refused with 403 `quota_exceeded` once they would
take the owner beyond their quota, and leave nothing behind.
"""

from __future__ import annotations

import uuid

import pytest

from tests.api.deployments import TIMEOUT, ZONE, Deployment, add_irods_users, irods_settings
from tests.irods_server import target as irods_target
from tests.live import running_api
from tests.security.unsent import put_announced

DEFAULT = 4000  # QUOTA_DEFAULT of these deployments, in bytes


class Quotas(Deployment):
    def __init__(self, live):
        super().__init__(live)
        self.admin = live.session(live.admin_token())

    def new_user(self, prefix: str, quota: int | None = None) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.create_user(name)
        if quota is not None:
            assert self.set_quota(name, quota).status_code == 200
        return name

    def set_quota(self, name: str, quota):
        return self.admin.put(self.url(f"/admin/users/{name}"), json={"quota": quota}, timeout=TIMEOUT)

    def account(self, name: str) -> dict:
        got = self.admin.get(self.url(f"/admin/users/{name}"), timeout=TIMEOUT)
        assert got.status_code == 200, got.text
        return got.json()

    def data(self, path: str) -> str:
        return self.url("/api/data" + path)

    def put(self, user: str, name: str, size: int, **params):
        return self.session_of(user).put(self.data(f"{home(user)}/{name}"), data=b"x" * size,
                                         params=params, timeout=TIMEOUT)

    def names(self, user: str) -> list[str]:
        listing = self.session_of(user).get(self.data(home(user)), timeout=TIMEOUT)
        return sorted(item["name"] for item in listing.json()["items"])


def home(user: str) -> str:
    return f"/{ZONE}/home/{user}"


@pytest.fixture(scope="module", params=["local", "irods"])
def api(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"quotas-{request.param}")
    if request.param == "local":
        with running_api(data_dir, QUOTA_DEFAULT=DEFAULT) as live:
            yield Quotas(live)
        return
    server = irods_target.start(ZONE)  # or the real iRODS of IRODS_TEST_SERVER
    try:
        add_irods_users(server)
        with running_api(data_dir, QUOTA_DEFAULT=DEFAULT, **irods_settings(server)) as live:
            yield Quotas(live)
    finally:
        server.stop()


def assert_quota_exceeded(response, quota: int, used: int) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["type"] == "quota_exceeded"
    assert f"{quota} bytes" in body["error"] and f"stores {used}" in body["error"], body["error"]


def test_an_upload_beyond_the_quota_is_refused_and_leaves_nothing(api):
    alice = api.new_user("alice", quota=1000)
    account = api.account(alice)
    assert (account["quota"], account["effective_quota"], account["usage"]) == (1000, 1000, 0)
    assert api.put(alice, "a.bin", 600).status_code == 201

    refused = api.put(alice, "b.bin", 500)

    assert_quota_exceeded(refused, 1000, 600)
    assert api.session_of(alice).get(api.data(f"{home(alice)}/b.bin"), timeout=TIMEOUT).status_code == 404
    assert api.names(alice) == ["a.bin"] and api.account(alice)["usage"] == 600
    assert api.put(alice, "c.bin", 400).status_code == 201  # what fits still does
    assert api.account(alice)["usage"] == 1000


def test_a_forced_overwrite_counts_only_what_it_adds(api):
    alice = api.new_user("alice", quota=1000)
    assert api.put(alice, "a.bin", 600).status_code == 201
    assert api.put(alice, "a.bin", 900, force="true").status_code == 200
    assert api.account(alice)["usage"] == 900

    assert_quota_exceeded(api.put(alice, "a.bin", 1100, force="true"), 1000, 900)
    stored = api.session_of(alice).get(api.data(f"{home(alice)}/a.bin"), timeout=TIMEOUT)
    assert stored.content == b"x" * 900


def test_an_upload_of_unknown_length_stops_at_the_quota_and_leaves_nothing(api):
    alice = api.new_user("alice", quota=1000)
    assert api.put(alice, "a.bin", 600).status_code == 201

    refused = api.session_of(alice).put(api.data(f"{home(alice)}/form.bin"),
                                        files={"file": ("form.bin", b"y" * 500)}, timeout=TIMEOUT)

    assert_quota_exceeded(refused, 1000, 600)
    # No object, and no partial one counting against her either (iRODS' upload objects would).
    assert api.names(alice) == ["a.bin"] and api.account(alice)["usage"] == 600


def test_an_announced_upload_beyond_the_quota_is_refused_before_its_body_is_read(api):
    alice = api.new_user("alice", quota=1000)

    status, body = put_announced(api.live.url, api.token_of(alice), f"/api/data{home(alice)}/big.bin",
                                 1001)

    assert status == 403 and body["type"] == "quota_exceeded", body
    assert api.names(alice) == [] and api.account(alice)["usage"] == 0


def test_copies_count_against_the_quota(api):
    alice = api.new_user("alice", quota=1000)
    session = api.session_of(alice)
    assert api.put(alice, "a.bin", 600).status_code == 201
    assert session.post(api.data(f"{home(alice)}/c"), timeout=TIMEOUT).status_code == 201
    assert api.put(alice, "c/x.bin", 300).status_code == 201

    def copy(source: str, destination: str):
        return session.post(api.url("/api/copy"), timeout=TIMEOUT,
                            json={"source": f"{home(alice)}/{source}",
                                  "destination": f"{home(alice)}/{destination}"})

    assert_quota_exceeded(copy("a.bin", "b.bin"), 1000, 900)
    assert_quota_exceeded(copy("c", "d"), 1000, 900)  # a collection: its objects' bytes
    assert api.names(alice) == ["a.bin", "c"] and api.account(alice)["usage"] == 900
    api.set_quota(alice, 2000)
    assert copy("c", "d").status_code == 201
    assert api.account(alice)["usage"] == 1200


def test_a_write_ticket_uploads_against_its_owners_quota(api):
    alice = api.new_user("alice", quota=1000)
    assert api.put(alice, "a.bin", 600).status_code == 201
    created = api.session_of(alice).post(api.url("/api/tickets"), timeout=TIMEOUT,
                                         json={"path": home(alice), "type": "write"})
    assert created.status_code == 201, created.text
    anyone = api.anonymous()

    refused = anyone.put(created.json()["url"] + "/dropped.bin", data=b"z" * 500, timeout=TIMEOUT)

    assert_quota_exceeded(refused, 1000, 600)
    assert api.names(alice) == ["a.bin"]
    assert anyone.put(created.json()["url"] + "/small.bin", data=b"z" * 300,
                      timeout=TIMEOUT).status_code == 201
    assert api.account(alice)["usage"] == 900


def test_the_default_quota_applies_until_an_administrator_sets_another(api):
    bob = api.new_user("bob")
    account = api.account(bob)
    assert (account["quota"], account["effective_quota"]) == (None, DEFAULT)
    assert_quota_exceeded(api.put(bob, "big.bin", DEFAULT + 1), DEFAULT, 0)

    unlimited = api.set_quota(bob, 0)  # 0: unlimited, as QUOTA_DEFAULT=0
    assert unlimited.status_code == 200 and unlimited.json()["effective_quota"] == 0
    assert api.put(bob, "big.bin", DEFAULT + 1).status_code == 201

    back = api.set_quota(bob, None)  # null: the default again
    assert (back.json()["quota"], back.json()["effective_quota"]) == (None, DEFAULT)
    assert_quota_exceeded(api.put(bob, "more.bin", 1), DEFAULT, DEFAULT + 1)


def test_only_administrators_set_quotas_and_only_to_bytes(api):
    carol = api.new_user("carol", quota=100)
    own = api.session_of(carol).put(api.url(f"/admin/users/{carol}"), json={"quota": 0}, timeout=TIMEOUT)
    assert own.status_code == 403
    assert api.account(carol)["effective_quota"] == 100
    assert api.set_quota(carol, -1).status_code == 422
    for wrong in ("lots", True, 1.5):
        assert api.set_quota(carol, wrong).status_code == 400
    created = api.admin.post(api.url("/admin/users"), timeout=TIMEOUT, json={
        "username": f"dave-{uuid.uuid4().hex[:6]}", "password": "a-long-test-password", "quota": 5})
    assert created.status_code == 201 and created.json()["effective_quota"] == 5
