"""Publishing over real HTTP (local storage backend): an owner publishes, anyone reads the
landing page and downloads without a token, unpublishing hides it again."""

from __future__ import annotations

TIMEOUT = 30  # a safeguard against a hang, not a measurement


def publication(b2stage, session, path, method="get"):
    return getattr(session, method)(b2stage.url("/api/publish" + path), timeout=TIMEOUT)


def test_a_published_object_has_a_public_landing_page_and_download(b2stage, alice, place):
    path = place("<img src=x onerror=alert(1)>.csv")
    content = b"depth,temperature\n10,4.2\n"
    pid = b2stage.upload(alice, path, content)["PID"]
    described = alice.post(b2stage.url("/api/metadata" + path), timeout=TIMEOUT,
                           json={"attribute": "instrument", "value": "<script>alert(1)</script>"})
    assert described.status_code == 201, described.text
    anonymous = b2stage.anonymous()

    assert publication(b2stage, alice, path).json()["published"] is False
    assert anonymous.get(b2stage.public(path), timeout=TIMEOUT).status_code == 404

    published = publication(b2stage, alice, path, "put")
    assert published.status_code == 200, published.text
    assert published.json()["published"] is True
    assert publication(b2stage, alice, path).json()["published"] is True

    # No token: the landing page shows what a visitor needs, every user-written value escaped.
    page = anonymous.get(published.json()["landing_page"], timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in html and "<img" not in html
    assert pid in html and str(len(content)) in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    checksum = alice.get(b2stage.registered(path), params={"stat": "true"}, timeout=TIMEOUT).json()["checksum"]
    assert checksum in html
    assert 'href="/public/' in html and "download=true" in html

    download = anonymous.get(b2stage.public(path), params={"download": "true"}, timeout=TIMEOUT)
    assert download.status_code == 200 and download.content == content
    assert "attachment" in download.headers["Content-Disposition"]
    ranged = anonymous.get(b2stage.public(path), params={"download": "true"},
                           headers={"Range": "bytes=0-4"}, timeout=TIMEOUT)
    assert ranged.status_code == 206 and ranged.content == b"depth"

    # Unpublished, it is gone for visitors, and says no more than a path that never existed.
    unpublished = publication(b2stage, alice, path, "delete")
    assert unpublished.status_code == 200 and unpublished.json()["published"] is False
    hidden = anonymous.get(b2stage.public(path), timeout=TIMEOUT)
    never = anonymous.get(b2stage.public(place("never-existed.csv")), timeout=TIMEOUT)
    assert hidden.status_code == never.status_code == 404
    assert hidden.json() == never.json()
    assert anonymous.get(b2stage.public(path), params={"download": "true"},
                         timeout=TIMEOUT).status_code == 404
    # The owner still has it.
    assert alice.get(b2stage.registered(path), timeout=TIMEOUT).content == content


def test_publishing_a_collection_publishes_what_it_holds(b2stage, alice, place):
    b2stage.upload(alice, place("set/one.txt"), b"one", parents="true")
    b2stage.upload(alice, place("set/deeper/two.txt"), b"two", parents="true")
    assert publication(b2stage, alice, place("set"), "put").json()["published"] is True
    anonymous = b2stage.anonymous()
    for name, content in (("set/one.txt", b"one"), ("set/deeper/two.txt", b"two")):
        assert anonymous.get(b2stage.public(place(name)), timeout=TIMEOUT).status_code == 200
        assert anonymous.get(b2stage.public(place(name)), params={"download": "true"},
                             timeout=TIMEOUT).content == content
    # A collection itself has no landing page; its parent stays unpublished.
    assert anonymous.get(b2stage.public(place("set")), timeout=TIMEOUT).status_code == 404
    assert publication(b2stage, alice, place()).json()["published"] is False

    publication(b2stage, alice, place("set"), "delete")
    assert anonymous.get(b2stage.public(place("set/deeper/two.txt")), timeout=TIMEOUT).status_code == 404


def test_only_an_owner_may_publish(b2stage, alice, bob, place):
    path = place("private.txt")
    b2stage.upload(alice, path, b"mine")
    # bob cannot see it, so cannot publish it; with read access he still may not publish it.
    assert publication(b2stage, bob, path, "put").status_code in (403, 404)
    alice.put(b2stage.url("/api/permissions" + path), json={"user": "bob", "level": "write"}, timeout=TIMEOUT)
    refused = publication(b2stage, bob, path, "put")
    assert refused.status_code == 403 and refused.json()["type"] == "permission_denied"
    assert publication(b2stage, bob, path).json()["published"] is False
    assert b2stage.anonymous().get(b2stage.public(path), timeout=TIMEOUT).status_code == 404
    # No token, no publishing.
    assert publication(b2stage, b2stage.anonymous(), path, "put").status_code == 401
