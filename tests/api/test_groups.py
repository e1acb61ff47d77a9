"""Groups over HTTP, on both backends: administrators make groups and manage members,
owners grant groups as they grant users, members get what their groups are granted
(recursively, and by inheritance on new children), and a membership change counts at
once in every worker process of the API."""

from __future__ import annotations

import itertools

import pytest
import requests

from tests.api.deployments import PASSWORD
from tests.api.test_permissions import perm_url

_names = itertools.count()
# uWSGI runs several worker processes: asking this many times reaches more than one.
REPEATS = 8


def unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}"


@pytest.fixture
def admin(api):
    return api.live.session(api.live.admin_token())


@pytest.fixture
def group(api, admin):
    """A new group with bob in it."""
    name = unique("lab")
    assert admin.post(api.url("/admin/groups"), json={"name": name}).status_code == 201
    assert admin.put(api.url(f"/admin/groups/{name}/members/bob")).status_code == 200
    return name


@pytest.fixture
def carol(api):
    """A user in no group."""
    name = unique("carol")
    api.create_user(name)
    return api.session_of(name)


def status_codes(session, url: str) -> set[int]:
    """The answers to REPEATS requests, each on a connection of its own (a kept-alive one
    would stay with one worker)."""
    return {requests.get(url, headers=session.headers, timeout=30).status_code
            for _ in range(REPEATS)}


def test_administrators_manage_groups(api, admin, alice):
    name = unique("team")
    created = admin.post(api.url("/admin/groups"), json={"name": name})
    assert created.status_code == 201, created.text
    assert created.json() == {"name": name, "members": []}
    assert created.headers["Location"].endswith(f"/admin/groups/{name}")

    added = admin.put(api.url(f"/admin/groups/{name}/members/alice"))
    assert added.status_code == 200, added.text
    assert admin.put(api.url(f"/admin/groups/{name}/members/bob")).json() == {
        "name": name, "members": ["alice", "bob"]}
    assert admin.put(api.url(f"/admin/groups/{name}/members/bob")).status_code == 200  # again
    assert admin.get(api.url(f"/admin/groups/{name}")).json()["members"] == ["alice", "bob"]
    assert {"name": name, "members": ["alice", "bob"]} in admin.get(api.url("/admin/groups")).json()
    assert all(entry["name"] != "public" for entry in admin.get(api.url("/admin/groups")).json())

    assert admin.delete(api.url(f"/admin/groups/{name}/members/alice")).status_code == 204
    assert admin.delete(api.url(f"/admin/groups/{name}/members/alice")).status_code == 404
    assert admin.put(api.url(f"/admin/groups/{name}/members/nobody")).status_code == 404
    assert admin.put(api.url("/admin/groups/nosuch/members/bob")).status_code == 404
    assert admin.get(api.url("/admin/groups/nosuch")).status_code == 404

    for method, url in (("get", "/admin/groups"), ("post", "/admin/groups"),
                        ("get", f"/admin/groups/{name}"), ("delete", f"/admin/groups/{name}"),
                        ("put", f"/admin/groups/{name}/members/alice")):
        assert getattr(alice, method)(api.url(url), json={"name": "x"}).status_code == 403

    assert admin.delete(api.url(f"/admin/groups/{name}")).status_code == 204
    assert admin.get(api.url(f"/admin/groups/{name}")).status_code == 404
    assert admin.delete(api.url(f"/admin/groups/{name}")).status_code == 404


def test_users_and_groups_share_names_and_some_are_reserved(api, admin, group):
    for taken in ("alice", group):
        answer = admin.post(api.url("/admin/groups"), json={"name": taken})
        assert answer.status_code == 409, answer.text
    answer = admin.post(api.url("/admin/users"), json={"username": group, "password": PASSWORD})
    assert answer.status_code == 409, answer.text
    for reserved in ("public", "anonymous", "rodsadmin", "Public"):
        assert admin.post(api.url("/admin/groups"), json={"name": reserved}).status_code == 422
    for bad in ({"name": "a/b"}, {"name": ""}, {"name": "x", "extra": 1}, {}):
        assert admin.post(api.url("/admin/groups"), json=bad).status_code in (400, 422)


def test_members_read_what_the_group_is_granted_recursively(api, alice, bob, carol, group, place):
    alice.put(api.data_url(place("data/inner/f.txt")), data=b"for the lab",
              params={"parents": "true"})
    grant = alice.put(perm_url(api, place("data")),
                      json={"user": group, "level": "read", "recursive": True})
    assert grant.status_code == 200, grant.text
    assert {"user": group, "level": "read"} in grant.json()["acls"]

    target = api.data_url(place("data/inner/f.txt"))
    assert bob.get(target).content == b"for the lab"
    assert [item["name"] for item in bob.get(api.data_url(place("data"))).json()["items"]] == ["inner"]
    assert bob.put(target, data=b"x", params={"force": "true"}).status_code == 403
    assert carol.get(target).status_code == 403


def test_inheritance_gives_new_children_the_group_entry(api, alice, bob, carol, group, place):
    alice.post(api.data_url(place("shared")))
    state = alice.put(perm_url(api, place("shared")),
                      json={"group": group, "level": "write", "inheritance": True})
    assert state.status_code == 200, state.text
    alice.put(api.data_url(place("shared/later.txt")), data=b"later")
    assert bob.get(api.data_url(place("shared/later.txt"))).content == b"later"
    assert bob.put(api.data_url(place("shared/from-bob.txt")), data=b"b").status_code == 201
    assert carol.get(api.data_url(place("shared/later.txt"))).status_code == 403


def test_membership_changes_count_at_once_in_every_worker(api, admin, alice, carol, group, place):
    alice.put(api.data_url(place("f.txt")), data=b"x")
    alice.put(perm_url(api, place("")), json={"user": group, "level": "read", "recursive": True})
    url, folder = api.data_url(place("f.txt")), api.data_url(place(""))
    name = carol.get(api.url("/auth/profile")).json()["username"]
    assert status_codes(carol, url) == {403}  # the workers have looked up carol's groups now

    assert admin.put(api.url(f"/admin/groups/{group}/members/{name}")).status_code == 200
    assert status_codes(carol, url) == {200}
    assert status_codes(carol, folder) == {200}
    assert admin.delete(api.url(f"/admin/groups/{group}/members/{name}")).status_code == 204
    assert status_codes(carol, url) == {403}
    assert status_codes(carol, folder) == {403}


def test_deleting_a_group_removes_its_grants(api, admin, alice, bob, group, place):
    alice.put(api.data_url(place("f.txt")), data=b"x")
    alice.put(perm_url(api, place("f.txt")), json={"user": group, "level": "read"})
    assert admin.delete(api.url(f"/admin/groups/{group}")).status_code == 204
    acls = alice.get(perm_url(api, place("f.txt"))).json()["acls"]
    assert all(entry["user"] != group for entry in acls)
    assert status_codes(bob, api.data_url(place("f.txt"))) == {403}
    # The name again: a new group, granted nothing.
    admin.post(api.url("/admin/groups"), json={"name": group})
    admin.put(api.url(f"/admin/groups/{group}/members/bob"))
    assert bob.get(api.data_url(place("f.txt"))).status_code == 403


def test_grants_name_known_users_or_groups_only(api, alice, place):
    alice.put(api.data_url(place("f.txt")), data=b"x")
    url = perm_url(api, place("f.txt"))
    assert alice.put(url, json={"user": "nosuch", "level": "read"}).status_code == 404
    assert alice.put(url, json={"group": "nosuch", "level": "read"}).status_code == 404
    assert alice.put(url, json={"user": "bob", "group": "bob", "level": "read"}).status_code == 400


def test_users_see_their_groups(api, admin, bob, carol, group):
    profile = bob.get(api.url("/auth/profile")).json()
    assert group in profile["groups"] and "public" not in profile["groups"]
    assert group in bob.get(api.url("/auth/groups")).json()
    assert carol.get(api.url("/auth/profile")).json()["groups"] == []
    assert carol.get(api.url("/auth/groups")).json() == []


def test_a_deleted_user_leaves_their_groups(api, admin, group):
    name = unique("erin")
    api.create_user(name)
    admin.put(api.url(f"/admin/groups/{group}/members/{name}"))
    assert admin.delete(api.url(f"/admin/users/{name}")).status_code == 204
    assert admin.get(api.url(f"/admin/groups/{group}")).json()["members"] == ["bob"]


def test_a_user_changes_their_password(api):
    name = unique("frank")
    api.create_user(name)
    first, second = api.login(name), api.login(name)
    me = api.live.session(first)
    changed = me.put(api.url("/auth/password"), json={"current": PASSWORD, "new": "a-new-password-9"})
    assert changed.status_code == 204, changed.text
    assert me.get(api.url("/auth/profile")).status_code == 200  # this token stays
    assert api.live.session(second).get(api.url("/auth/profile")).status_code == 401
    assert api.live.login(name, "a-new-password-9")
    wrong = me.put(api.url("/auth/password"), json={"current": PASSWORD, "new": "another-one-9"})
    assert wrong.status_code == 403 and wrong.json()["error"]
