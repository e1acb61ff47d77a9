"""Listings sorted by the API (?sort=name|size|modified&order=asc|desc), page by page, on both
storage backends; bad values are 400 with the API's JSON error."""

SIZES = {"a.bin": 300, "b.bin": 9, "c.bin": 10, "d.bin": 2000, "e.bin": 9, "f.bin": 75}


def _fill(api, alice, place, name):
    alice.post(api.data_url(place(name)))
    for file, size in SIZES.items():
        assert alice.put(api.data_url(place(f"{name}/{file}")), data=b"s" * size).status_code == 201
    alice.post(api.data_url(place(f"{name}/sub")))
    return place(name)


def _walk(alice, url, params):
    """Every name of a listing, following its `next` links."""
    seen = []
    while url:
        page = alice.get(url, params=params)
        assert page.status_code == 200, page.text
        seen += [item["name"] for item in page.json()["items"]]
        url, params = page.json().get("next"), None
    return seen


def test_sorted_by_size_descending_across_pages(api, alice, place):
    path = _fill(api, alice, place, "bysize")
    first = alice.get(api.data_url(path), params={"sort": "size", "order": "desc", "limit": 3,
                                                  "detailed": "true"}).json()
    assert first["sort"] == "size" and first["order"] == "desc"
    # The collection (no size) first, then the largest: numbers, not text.
    assert [item["name"] for item in first["items"]] == ["sub", "d.bin", "a.bin"]
    assert "sort=size" in first["next"] and "order=desc" in first["next"]
    assert _walk(alice, api.data_url(path), {"sort": "size", "order": "desc", "limit": 3}) == \
        ["sub", "d.bin", "a.bin", "f.bin", "c.bin", "b.bin", "e.bin"]
    assert _walk(alice, api.data_url(path), {"sort": "size", "limit": 2}) == \
        ["sub", "b.bin", "e.bin", "c.bin", "f.bin", "a.bin", "d.bin"]
    second = alice.get(api.data_url(path), params={"sort": "size", "order": "desc", "offset": 3,
                                                   "limit": 2}).json()
    assert [item["name"] for item in second["items"]] == ["f.bin", "c.bin"] and second["has_more"]


def test_sorted_by_name_descending_and_by_modified(api, alice, place):
    path = _fill(api, alice, place, "byname")
    assert _walk(alice, api.data_url(path), {"order": "desc", "limit": 4}) == \
        ["sub", "f.bin", "e.bin", "d.bin", "c.bin", "b.bin", "a.bin"]
    items = alice.get(api.data_url(path), params={"sort": "modified", "order": "desc",
                                                  "detailed": "true"}).json()["items"]
    times = [item["modified"] for item in items]
    assert len(items) == 7 and times == sorted(times, reverse=True)


def test_bad_sort_or_order_is_400(api, alice, place):
    alice.post(api.data_url(place("badsort")))
    for params in ({"sort": "colour"}, {"order": "up"}, {"sort": "size", "after": "a"}):
        answer = alice.get(api.data_url(place("badsort")), params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json()["error"]
