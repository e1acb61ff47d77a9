"""GET and POST /api/search over HTTP, on both backends: AVU conditions each met by an AVU
of its own, what the caller may read, bad input, and keyset paging past 10,000 results."""

from urllib.parse import parse_qs, urlsplit

from backend.storage.local.catalog import Catalog
from tests.api.test_permissions import perm_url
from tests.bulk import seed_irods, seed_local


def meta_url(api, path):
    return api.url("/api/metadata/" + path[1:])


def put(api, session, path, *avus):
    assert session.put(api.data_url(path), data=b"x").status_code in (200, 201)
    for attribute, value in avus:
        added = session.post(meta_url(api, path), json={"attribute": attribute, "value": value})
        assert added.status_code == 201, added.text
    return path


def paths(response):
    assert response.status_code == 200, response.text
    return [item["path"] for item in response.json()["items"]]


def test_conditions_each_need_an_avu_of_their_own(api, alice, place):
    both = put(api, alice, place("both"), ("experiment", "x"), ("sample", "y"))
    put(api, alice, place("crossed"), ("experiment", "y"))
    three = put(api, alice, place("three"), ("experiment", "x"), ("sample", "y"), ("run", "7"))
    search = api.url("/api/search")
    two = {"scope": place(""), "meta": ["experiment,=,x", "sample,=,y"]}
    assert paths(alice.get(search, params=two)) == [both, three]
    assert paths(alice.get(search, params={**two, "meta": two["meta"] + ["run,between,5,8"]})) == [three]
    body = {"scope": place(""), "conditions": [{"attribute": "experiment", "value": "x"},
                                               {"attribute": "sample", "op": "like", "value": "y%"}]}
    assert paths(alice.post(search, json=body)) == [both, three]
    item = alice.post(search, json=body).json()["items"][0]
    assert set(item) == {"path", "name", "type", "size", "checksum", "owner", "created", "modified"}


def test_results_are_what_the_caller_may_read(api, alice, bob, place):
    put(api, alice, place("private"), ("k", "shared-test"))
    shared = put(api, alice, place("shared"), ("k", "shared-test"))
    public = put(api, alice, place("public"), ("k", "shared-test"))
    assert alice.put(perm_url(api, shared), json={"user": "bob", "level": "read"}).status_code == 200
    assert alice.put(perm_url(api, public), json={"user": "public", "level": "read"}).status_code == 200
    params = {"scope": place(""), "meta": "k,=,shared-test"}
    assert paths(bob.get(api.url("/api/search"), params=params)) == [public, shared]
    assert len(paths(alice.get(api.url("/api/search"), params=params))) == 3


def test_bad_searches_are_400(api, alice):
    search = api.url("/api/search")
    for params in ({"meta": "a,~,1"}, {"meta": "a,between,1"}, {"meta": "a,=,1,u,extra"},
                   {"limit": "0"}, {"limit": "100000"}, {"type": "file"}, {"min_size": "-1"},
                   {"modified_after": "yesterday"}, {"recursive": "maybe"},
                   {"type": "collection", "min_size": "1"}):
        response = alice.get(search, params=params)
        assert response.status_code == 400, (params, response.text)
    assert alice.post(search, json={"conditions": "a=1"}).status_code == 400
    assert alice.post(search, json={"conditions": [{"attribute": "a", "op": "between", "value": "1"}]}).status_code == 400
    assert alice.post(search, json={"colour": "red"}).status_code == 400
    assert api.anonymous().get(search).status_code == 401


def test_keyset_paging_past_ten_thousand_results(api, alice, place):
    collection, count = place("many"), 10_050
    if api.backend == "irods":
        seed_irods(api.irods.catalog, "alice", collection, count)
    else:
        assert alice.post(api.data_url(collection)).status_code == 201
        seed_local(Catalog(api.live.data_dir / "catalog.sqlite"), "alice", collection, count)
    url = api.url("/api/search")
    params = {"scope": place(""), "meta": ["sample,like,s-%", "experiment"], "limit": 1000}
    seen, pages = [], 0
    while url:
        response = alice.get(url, params=params)
        seen += paths(response)
        pages += 1
        url, params = response.json().get("next"), None
    assert pages == 11 and len(seen) == count
    assert seen == [f"{collection}/object-{index:07d}.dat" for index in range(count)]
    assert parse_qs(urlsplit(response.url).query)["meta"] == ["sample,like,s-%", "experiment"]
