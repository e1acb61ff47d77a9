"""Tickets: anonymous access with a ticket string, within its limits."""

from datetime import datetime, timedelta, timezone

from tests.api.test_paths import raw_request


def make_ticket(api, user, path, **body):
    response = user.post(api.url("/api/tickets"), json={"path": path, **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_read_ticket_downloads_without_token_but_cannot_upload(api, alice, anonymous, place):
    alice.put(api.data_url(place("shared.csv")), data=b"a,b\n1,2\n")
    ticket = make_ticket(api, alice, place("shared.csv"), type="read")
    assert anonymous.get(ticket["url"]).content == b"a,b\n1,2\n"
    assert anonymous.put(ticket["url"], data=b"overwrite", params={"force": "true"}).status_code == 403
    assert alice.get(api.data_url(place("shared.csv"))).content == b"a,b\n1,2\n"


def test_used_up_ticket_is_refused(api, alice, anonymous, place):
    """Each download is one use, also on iRODS, which charges a use per connection (the
    API's ticket connections were pooled: 8 downloads through a 3-use ticket all worked)."""
    alice.put(api.data_url(place("thrice.txt")), data=b"three uses")
    ticket = make_ticket(api, alice, place("thrice.txt"), uses=3)
    assert anonymous.head(ticket["url"]).status_code == 200  # headers use no use
    answers = [anonymous.get(ticket["url"]) for _ in range(8)]
    assert [answer.status_code for answer in answers] == [200] * 3 + [403] * 5
    assert all(answer.content == b"three uses" for answer in answers[:3])
    # A browser asked again must ask the API (and use a use), not answer from its cache.
    assert answers[0].headers["Cache-Control"] == "no-store"
    assert "use" in answers[-1].json()["error"]
    assert alice.get(api.url(f"/api/tickets/{ticket['string']}")).json()["uses_count"] == 3


def test_expired_ticket_is_refused(api, alice, anonymous, place):
    alice.put(api.data_url(place("old.txt")), data=b"old")
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    ticket = make_ticket(api, alice, place("old.txt"), expires=past)
    refused = anonymous.get(ticket["url"])
    assert refused.status_code == 403
    assert "expired" in refused.json()["error"]


def test_unknown_ticket_is_refused(api, anonymous):
    assert anonymous.get(api.url("/api/tickets/not-a-ticket/content")).status_code == 403


def test_write_ticket_on_a_collection_uploads_below_it(api, alice, anonymous, place):
    alice.post(api.data_url(place("dropbox")))
    ticket = make_ticket(api, alice, place("dropbox"), type="write")
    head = anonymous.head(ticket["url"])
    assert head.status_code == 200 and head.headers["X-Object-Type"] == "collection"
    put = anonymous.put(ticket["url"] + "/report.pdf", data=b"%PDF")
    assert put.status_code == 201, put.text
    assert alice.get(api.data_url(place("dropbox/report.pdf"))).content == b"%PDF"
    # Sent as is (a client library would resolve the dots before sending).
    status, _ = raw_request(api, "", "GET", f"/api/tickets/{ticket['string']}/content/../../secret")
    assert status == 400


def test_ticket_management(api, alice, bob, place):
    alice.put(api.data_url(place("t.txt")), data=b"t")
    ticket = make_ticket(api, alice, place("t.txt"), expires_in=3600, uses=5)
    assert ticket["type"] == "read" and ticket["uses_limit"] == 5
    listed = [t["string"] for t in alice.get(api.url("/api/tickets")).json()["tickets"]]
    assert ticket["string"] in listed
    assert ticket["string"] not in [t["string"] for t in bob.get(api.url("/api/tickets")).json()["tickets"]]
    assert bob.delete(api.url(f"/api/tickets/{ticket['string']}")).status_code in (403, 404)
    assert alice.delete(api.url(f"/api/tickets/{ticket['string']}")).status_code == 204
    assert alice.get(api.url(f"/api/tickets/{ticket['string']}")).status_code == 404


def test_only_an_owner_creates_tickets(api, bob, bob_place, alice):
    bob.put(api.data_url(bob_place("b.txt")), data=b"b", params={"parents": "true"})
    response = alice.post(api.url("/api/tickets"), json={"path": bob_place("b.txt")})
    assert response.status_code == 403


def test_invalid_ticket_requests(api, alice, place):
    alice.put(api.data_url(place("i.txt")), data=b"i")
    tickets = api.url("/api/tickets")
    assert alice.post(tickets, json={"path": place("i.txt"), "type": "admin"}).status_code == 422
    assert alice.post(tickets, json={"path": place("i.txt"), "uses": 0}).status_code == 422
    assert alice.post(tickets, json={"path": place("i.txt"), "expires": "tomorrow"}).status_code == 400
    assert alice.post(tickets, json={}).status_code == 400
