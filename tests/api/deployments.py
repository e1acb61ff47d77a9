"""What the API suite's deployments share: the zone, the users' password, a client with the
users' logins, and how the irods backend is pointed at a tests/irods_server (used by
conftest.py, test modules that start deployments of their own, and the projects' tests)."""

from __future__ import annotations

import requests

from tests.irods_server import IrodsTestServer
from tests.live import ADMIN_PASSWORD, ADMIN_USER, LiveApi

ZONE = "tempZone"
PASSWORD = "a-long-test-password"
TIMEOUT = 30  # a safeguard against a hang, not a measurement


class Deployment:
    """URLs and logins of one running API: users made by `create_user` have PASSWORD, and
    each logs in once (`session_of` reuses the token)."""

    def __init__(self, live: LiveApi):
        self.live = live
        self._tokens: dict[str, str] = {}

    def url(self, path: str) -> str:
        return self.live.url + path

    def create_user(self, username: str) -> None:
        admin = self.live.session(self.live.admin_token())
        created = admin.post(self.url("/admin/users"), timeout=TIMEOUT,
                             json={"username": username, "password": PASSWORD, "role": "user"})
        assert created.status_code == 201, created.text

    def login(self, username: str) -> str:
        return self.live.login(username, PASSWORD)

    def token_of(self, username: str) -> str:
        if username not in self._tokens:
            self._tokens[username] = self.login(username)
        return self._tokens[username]

    def session_of(self, username: str) -> requests.Session:
        return self.live.session(self.token_of(username))

    def anonymous(self) -> requests.Session:
        """A session without a token."""
        return self.live.session()


def irods_settings(server: IrodsTestServer, **extra) -> dict:
    """The API's settings for the irods backend on `server` (proxy mode, as rods)."""
    return {"STORAGE_BACKEND": "irods", "IRODS_HOST": server.host, "IRODS_PORT": server.port,
            "IRODS_ZONE": server.zone, "IRODS_USER": getattr(server, "admin_name", "rods"),
            "IRODS_PASSWORD": getattr(server, "admin_password", "rods"),
            "IRODS_TIMEOUT": 5, **extra}


def add_irods_users(server: IrodsTestServer, *names: str) -> None:
    """The API's administrator plus `names` as iRODS users with PASSWORD. The API would create
    missing iRODS users itself (iRODS' admin API), but without a password; tests that log in
    with iRODS credentials need one."""
    server.add_user(ADMIN_USER, ADMIN_PASSWORD)
    for name in names:
        server.add_user(name, PASSWORD)
