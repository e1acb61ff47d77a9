"""The API suite runs over real HTTP against the real uWSGI server.

One server per test module (starting one takes a few seconds); tests stay
independent by working in their own collection (`place`, `bob_place`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.live import LiveApi, running_api

ZONE = "tempZone"
PASSWORD = "a-long-test-password"
_unique = itertools.count()


class Api:
    """URLs, logins and a view of the server's data directory for assertions."""

    def __init__(self, live: LiveApi):
        self.live = live
        self.pid = live.pid
        self._tokens: dict[str, str] = {}

    def url(self, path: str) -> str:
        return self.live.url + path

    def data_url(self, logical_path: str) -> str:
        return self.url("/api/data" + logical_path)

    def login(self, username: str) -> str:
        return self.live.login(username, PASSWORD)

    def token_of(self, username: str) -> str:
        if username not in self._tokens:
            self._tokens[username] = self.login(username)
        return self._tokens[username]

    def session_of(self, username: str):
        return self.live.session(self.token_of(username))

    def create_user(self, username: str) -> None:
        admin = self.live.session(self.live.admin_token())
        response = admin.post(self.url("/admin/users"),
                              json={"username": username, "password": PASSWORD, "role": "user"})
        assert response.status_code == 201, response.text

    def vault(self) -> Path:
        return self.live.data_dir / "vault"

    def temporary_files(self) -> list[Path]:
        return sorted((self.vault() / ".tmp").glob("*"))

    def vault_files(self) -> list[Path]:
        return sorted(p for p in self.vault().rglob("*") if p.is_file() and ".tmp" not in p.parts)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("api")) as live:
        client = Api(live)
        client.create_user("alice")
        client.create_user("bob")
        yield client


@pytest.fixture
def alice(api):
    return api.session_of("alice")


@pytest.fixture
def bob(api):
    return api.session_of("bob")


@pytest.fixture
def anonymous(api):
    return api.live.session()


def _place_for(api, user: str, request):
    """A fresh collection in `user`'s home for this test; `place("a/b")` is a path inside it."""
    root = f"/{ZONE}/home/{user}/{request.node.name.split('[')[0][:60]}-{next(_unique)}"
    created = api.session_of(user).post(api.data_url(root))
    assert created.status_code == 201, created.text

    def place(relative: str) -> str:
        return f"{root}/{relative}" if relative else root

    return place


@pytest.fixture
def place(api, request):
    return _place_for(api, "alice", request)


@pytest.fixture
def bob_place(api, request):
    return _place_for(api, "bob", request)
