"""Path tricks are refused (400/403) and touch nothing.

The requests are sent with http.client so that no client library normalises
the path before it reaches the server.
"""

import http.client
from urllib.parse import urlsplit

import pytest

TRICKS = [
    ("/api/data/tempZone/home/alice/../bob/x.txt", 400),
    ("/api/data/tempZone/home/alice/%2e%2e/bob/x.txt", 400),
    ("/api/data/tempZone/home/alice/%2E%2E/%2e%2e/x.txt", 400),
    ("/api/data/tempZone/home/alice/./x.txt", 400),
    ("/api/data//tempZone/home/alice/x.txt", 400),
    ("/api/data/tempZone/home//alice/x.txt", 400),
    ("/api/data/tempZone/home/alice/%2F%2Fx.txt", 400),
    ("/api/data/tempZone/home/alice/a%00b.txt", 400),
    ("/api/data/tempZone/home/alice/new%0Aline.txt", 400),
    ("/api/data/otherZone/home/alice/x.txt", 403),
    ("/api/data/etc/passwd", 403),
]


def raw_request(api, token, method, path, body=b""):
    parts = urlsplit(api.url("/"))
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        if token:
            connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def snapshot(api, alice, bob):
    homes = [api.data_url("/tempZone/home/alice"), api.data_url("/tempZone/home/bob")]
    return [alice.get(homes[0], params={"limit": 1000}).json(), bob.get(homes[1], params={"limit": 1000}).json(),
            sorted(p.name for p in api.vault_files())]


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
def test_path_tricks_are_refused_and_touch_nothing(api, alice, bob, method):
    before = snapshot(api, alice, bob)
    for path, expected in TRICKS:
        status, body = raw_request(api, api.token_of("alice"), method, path, body=b"payload")
        assert status == expected, (method, path, status, body)
        assert b'"error"' in body
    assert snapshot(api, alice, bob) == before


@pytest.mark.parametrize("destination", ["/tempZone/home/alice/../bob/x", "/tempZone/home/bob//x",
                                         "/otherZone/x", "tempZone/home/alice/relative", "/tempZone/home/alice/a\x00b"])
def test_copy_and_move_refuse_tricky_destinations(api, alice, place, destination):
    alice.put(api.data_url(place("src.txt")), data=b"x")
    for endpoint in ("/api/copy", "/api/move"):
        response = alice.post(api.url(endpoint), json={"source": place("src.txt"), "destination": destination})
        assert response.status_code in (400, 403), (endpoint, destination, response.text)
    assert alice.get(api.data_url(place("src.txt"))).content == b"x"
