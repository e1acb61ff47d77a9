"""AVUs through HTTP."""


def meta_url(api, path):
    return api.url("/api/metadata/" + path[1:])


def test_add_set_list_remove(api, alice, place):
    alice.put(api.data_url(place("m.nc")), data=b"netcdf")
    url = meta_url(api, place("m.nc"))
    assert alice.post(url, json={"attribute": "variable", "value": "TEMP", "unit": "degC"}).status_code == 201
    assert alice.post(url, json={"attribute": "variable", "value": "PSAL"}).status_code == 201
    assert alice.post(url, json={"attribute": "variable", "value": "PSAL"}).status_code == 409
    avus = alice.get(url).json()["metadata"]
    assert sorted((a["value"], a["unit"]) for a in avus) == [("PSAL", ""), ("TEMP", "degC")]

    assert alice.put(url, json={"attribute": "variable", "value": "CNDC"}).status_code == 200
    assert alice.get(url).json()["metadata"] == [{"attribute": "variable", "value": "CNDC", "unit": ""}]

    assert alice.delete(url, params={"attribute": "variable", "value": "CNDC"}).status_code == 204
    assert alice.get(url).json()["metadata"] == []
    assert alice.delete(url, params={"attribute": "variable", "value": "CNDC"}).status_code == 404


def test_collections_have_metadata_too(api, alice, place):
    alice.post(api.data_url(place("c")))
    assert alice.post(meta_url(api, place("c")), json={"attribute": "project", "value": "SDC"}).status_code == 201


def test_bad_avus_are_400(api, alice, place):
    alice.put(api.data_url(place("b.txt")), data=b"x")
    url = meta_url(api, place("b.txt"))
    assert alice.post(url, json={"attribute": "a"}).status_code == 400
    assert alice.post(url, json={"attribute": "", "value": "v"}).status_code == 400
    assert alice.post(url, json={"attribute": "a", "value": 3}).status_code == 400
    assert alice.post(url, json=["a", "v"]).status_code == 400
    assert alice.delete(url).status_code == 400


def test_metadata_of_a_missing_path_is_404(api, alice, place):
    assert alice.get(meta_url(api, place("missing"))).status_code == 404
