"""ACLs through HTTP: users see and change only what iRODS ACLs allow."""


def perm_url(api, path):
    return api.url("/api/permissions/" + path[1:])


def test_alice_cannot_touch_bobs_home_until_bob_grants(api, alice, bob, bob_place):
    bob.put(api.data_url(bob_place("secret.txt")), data=b"bob's", params={"parents": "true"})
    folder = api.data_url(bob_place(""))
    target = api.data_url(bob_place("secret.txt"))

    assert alice.get(folder).status_code == 403
    assert alice.get(target).status_code == 403
    assert alice.put(target, data=b"evil", params={"force": "true"}).status_code == 403
    assert alice.put(api.data_url(bob_place("new.txt")), data=b"evil").status_code == 403
    assert alice.delete(target).status_code == 403
    assert alice.get(perm_url(api, bob_place("secret.txt"))).status_code == 403
    assert bob.get(target).content == b"bob's"

    grant = bob.put(perm_url(api, bob_place("")), json={"user": "alice", "level": "read", "recursive": True})
    assert grant.status_code == 200, grant.text
    assert {"user": "alice", "level": "read"} in grant.json()["acls"]
    assert alice.get(target).content == b"bob's"
    assert [i["name"] for i in alice.get(folder).json()["items"]] == ["secret.txt"]
    assert alice.put(target, data=b"evil", params={"force": "true"}).status_code == 403
    assert alice.delete(target).status_code == 403

    assert bob.put(perm_url(api, bob_place("")), json={"user": "alice", "level": "write"}).status_code == 200
    assert alice.put(api.data_url(bob_place("from-alice.txt")), data=b"hi").status_code == 201
    # As in iRODS, what alice creates is hers: bob cannot change its ACLs, so a
    # recursive change is refused as a whole until it is gone.
    revoke = {"user": "alice", "level": "null", "recursive": True}
    assert bob.put(perm_url(api, bob_place("")), json=revoke).status_code == 403
    assert alice.delete(api.data_url(bob_place("from-alice.txt"))).status_code == 204

    assert bob.put(perm_url(api, bob_place("")), json=revoke).status_code == 200
    assert alice.get(target).status_code == 403


def test_only_an_owner_changes_permissions(api, alice, bob, bob_place):
    bob.put(api.data_url(bob_place("f.txt")), data=b"x", params={"parents": "true"})
    bob.put(perm_url(api, bob_place("f.txt")), json={"user": "alice", "level": "write"})
    assert alice.put(perm_url(api, bob_place("f.txt")), json={"user": "alice", "level": "own"}).status_code == 403


def test_inheritance_gives_new_children_the_collection_acls(api, alice, bob, bob_place):
    bob.post(api.data_url(bob_place("shared")), params={"parents": "true"})
    url = perm_url(api, bob_place("shared"))
    state = bob.put(url, json={"inheritance": True, "user": "alice", "level": "read"}).json()
    assert state["inheritance"] is True
    bob.put(api.data_url(bob_place("shared/later.txt")), data=b"later")
    assert alice.get(api.data_url(bob_place("shared/later.txt"))).content == b"later"


def test_invalid_permission_requests(api, alice, place):
    alice.put(api.data_url(place("x.txt")), data=b"x")
    url = perm_url(api, place("x.txt"))
    assert alice.put(url, json={"user": "bob", "level": "superuser"}).status_code == 422
    assert alice.put(url, json={"recursive": True}).status_code == 400
    assert alice.put(url, json={"user": "bob"}).status_code == 400
