"""Collections through HTTP: create, list (paginated), copy, move, remove."""


def test_listing_is_paginated_in_name_order(api, alice, place):
    alice.post(api.data_url(place("many")))
    names = [f"f{i:03d}.txt" for i in range(25)]
    for name in reversed(names):
        assert alice.put(api.data_url(place(f"many/{name}")), data=name.encode()).status_code == 201
    first = alice.get(api.data_url(place("many")), params={"limit": 10}).json()
    assert [item["name"] for item in first["items"]] == names[:10]
    assert first["has_more"] is True
    last = alice.get(api.data_url(place("many")), params={"limit": 10, "offset": 20}).json()
    assert [item["name"] for item in last["items"]] == names[20:]
    assert last["has_more"] is False


def test_next_links_walk_the_whole_collection(api, alice, place):
    alice.post(api.data_url(place("walk")))
    names = [f"n{i:02d}" for i in range(23)]
    for name in names:
        alice.put(api.data_url(place(f"walk/{name}")), data=b".")
    seen, url, params = [], api.data_url(place("walk")), {"limit": 10, "detailed": "true"}
    while url:
        page = alice.get(url, params=params).json()
        assert all("checksum" in item for item in page["items"])  # the form is kept
        seen += [item["name"] for item in page["items"]]
        url, params = page.get("next"), None
    assert seen == names


def test_detailed_listing_has_size_checksum_owner_and_times(api, alice, place):
    alice.put(api.data_url(place("d/x.txt")), data=b"12345", params={"parents": "true"})
    item = alice.get(api.data_url(place("d")), params={"detailed": "true"}).json()["items"][0]
    assert item["size"] == 5
    assert item["checksum"].startswith("sha2:")
    assert item["owner"] == "alice"
    assert item["created"].endswith("+00:00") and item["modified"]


def test_stat_answers_info_as_json(api, alice, place):
    alice.put(api.data_url(place("s.txt")), data=b"abc")
    info = alice.get(api.data_url(place("s.txt")), params={"stat": "true"}).json()
    assert info["type"] == "dataobject" and info["size"] == 3 and info["path"] == place("s.txt")


def test_bad_paging_parameters_are_400(api, alice, place):
    alice.post(api.data_url(place("p")))
    assert alice.get(api.data_url(place("p")), params={"limit": "0"}).status_code == 400
    assert alice.get(api.data_url(place("p")), params={"offset": "-1"}).status_code == 400
    assert alice.get(api.data_url(place("p")), params={"limit": "many"}).status_code == 400


def test_mkdir_twice_is_409(api, alice, place):
    assert alice.post(api.data_url(place("twice"))).status_code == 201
    assert alice.post(api.data_url(place("twice"))).status_code == 409


def test_copy_and_move(api, alice, place):
    alice.put(api.data_url(place("src/a.txt")), data=b"A", params={"parents": "true"})
    alice.post(api.url("/api/metadata/" + place("src/a.txt")[1:]),
               json={"attribute": "kind", "value": "letter"})
    copied = alice.post(api.url("/api/copy"), json={"source": place("src"), "destination": place("dst")})
    assert copied.status_code == 201, copied.text
    assert alice.get(api.data_url(place("dst/a.txt"))).content == b"A"
    meta = alice.get(api.url("/api/metadata/" + place("dst/a.txt")[1:])).json()["metadata"]
    assert {"attribute": "kind", "value": "letter", "unit": ""} in meta

    moved = alice.post(api.url("/api/move"), json={"source": place("dst"), "destination": place("moved")})
    assert moved.status_code == 200, moved.text
    assert alice.get(api.data_url(place("dst/a.txt"))).status_code == 404
    assert alice.get(api.data_url(place("moved/a.txt"))).content == b"A"


def test_copy_onto_existing_needs_force(api, alice, place):
    alice.put(api.data_url(place("one.txt")), data=b"1")
    alice.put(api.data_url(place("two.txt")), data=b"2")
    body = {"source": place("one.txt"), "destination": place("two.txt")}
    assert alice.post(api.url("/api/copy"), json=body).status_code == 409
    assert alice.post(api.url("/api/copy"), json={**body, "force": True}).status_code == 201
    assert alice.get(api.data_url(place("two.txt"))).content == b"1"


def test_copy_and_move_validate_their_body(api, alice):
    assert alice.post(api.url("/api/copy"), data="not json",
                      headers={"Content-Type": "application/json"}).status_code == 400
    assert alice.post(api.url("/api/move"), json={"source": 3, "destination": "x"}).status_code == 400
    assert alice.post(api.url("/api/move"), json={"source": "/tempZone/home/alice"}).status_code == 400


def test_delete_collection_only_when_recursive(api, alice, place):
    alice.put(api.data_url(place("tree/leaf.txt")), data=b"x", params={"parents": "true"})
    refused = alice.delete(api.data_url(place("tree")))
    assert refused.status_code == 409
    assert alice.delete(api.data_url(place("tree")), params={"recursive": "true"}).status_code == 204
    assert alice.get(api.data_url(place("tree"))).status_code == 404


def test_every_data_endpoint_needs_a_token(api, anonymous, place):
    for method in ("get", "head", "put", "post", "delete"):
        response = getattr(anonymous, method)(api.data_url(place("x")))
        assert response.status_code == 401, method
    assert anonymous.get(api.url("/api/metadata/" + place("x")[1:])).status_code == 401
    assert anonymous.get(api.url("/api/permissions/" + place("x")[1:])).status_code == 401
    assert anonymous.get(api.url("/api/tickets")).status_code == 401


def test_count_says_how_many_entries_the_caller_may_see(api, alice, bob, place):
    alice.post(api.data_url(place("counted")))
    for index in range(12):
        alice.put(api.data_url(place(f"counted/f{index:02d}")), data=b".")
    alice.post(api.data_url(place("counted/sub")))
    page = alice.get(api.data_url(place("counted")), params={"limit": 5, "count": "true"}).json()
    assert page["count"] == 13 and len(page["items"]) == 5
    assert "count" not in alice.get(api.data_url(place("counted"))).json()
    # bob sees only what is shared with him, and the count says so
    alice.put(api.url("/api/permissions" + place("counted")), json={"user": "bob", "level": "read"})
    for name in ("f00", "f01", "f02"):
        alice.put(api.url("/api/permissions" + place(f"counted/{name}")),
                  json={"user": "bob", "level": "read"})
    assert bob.get(api.data_url(place("counted")), params={"count": "true"}).json()["count"] == 3
