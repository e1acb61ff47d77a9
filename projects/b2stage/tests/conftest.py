"""The b2stage project over real HTTP: the real API under uWSGI with PROJECT=b2stage.

One local deployment for every module here that uses `b2stage` (a start costs seconds); tests stay independent by working in
their own collection (`place`). Users: alice and bob (API users on the local backend,
iRODS users of the test server on the irods one), all with PASSWORD.
"""

from __future__ import annotations

import itertools

import pytest
import requests

from tests.api.deployments import TIMEOUT, ZONE, Deployment
from tests.live import running_api
from tests.postgres import postgres_schema_url

_unique = itertools.count()


def home(user: str) -> str:
    return f"/{ZONE}/home/{user}"


class B2stage(Deployment):
    """URLs and logins of one deployment (tests.api.deployments.Deployment), and b2stage's URLs."""

    def registered(self, logical_path: str) -> str:
        return self.url("/api/registered" + logical_path)

    def public(self, logical_path: str) -> str:
        return self.url("/public" + logical_path)

    def upload(self, session: requests.Session, path: str, content: bytes, **query) -> dict:
        """PUT to /api/registered; the answer (201 or 200) as JSON."""
        stored = session.put(self.registered(path), data=content, params=query, timeout=TIMEOUT)
        assert stored.status_code in (200, 201), stored.text
        return stored.json()


@pytest.fixture(scope="session")
def b2stage(tmp_path_factory):
    """The b2stage project on the local storage backend, with the users alice and bob."""
    with running_api(tmp_path_factory.mktemp("b2stage"), PROJECT="b2stage") as live:
        deployment = B2stage(live)
        deployment.create_user("alice")
        deployment.create_user("bob")
        yield deployment


@pytest.fixture
def alice(b2stage):
    return b2stage.session_of("alice")


@pytest.fixture
def bob(b2stage):
    return b2stage.session_of("bob")


@pytest.fixture
def place(b2stage, alice, request):
    """A fresh collection in alice's home for this test; `place("a.txt")` is a path in it."""
    root = f"{home('alice')}/{request.node.name[:60]}-{next(_unique)}"
    created = alice.post(b2stage.registered(root), timeout=TIMEOUT)
    assert created.status_code == 201, created.text

    def inside(relative: str = "") -> str:
        return f"{root}/{relative}" if relative else root

    return inside


@pytest.fixture
def postgres_url():
    """The URL of a fresh PostgreSQL schema (dropped afterwards) for AUTH_DB_URL."""
    yield from postgres_schema_url()
