"""The iRODS the tests talk to: a fresh tests/irods_server, or a real one named by a setting.

    IRODS_TEST_SERVER=irods://rods:rods@127.0.0.1:1247/tempZone .venv/bin/python -m pytest \
        tests/storage tests/api -k irods

With IRODS_TEST_SERVER unset, `start()` starts the test server as before. Set, it connects to
that server as the administrator the URL names (a rodsadmin) and hands the tests a RealIrods:
the same surface the tests use (host, port, zone, add_user, add_group, add_to_group, stop).
Every user and group that appears while it runs (made by a test, or by the API for its users
and for `anonymous`) is removed at stop(), home and trash included, so a run leaves the zone as
it found it; a test's name that already exists there is refused rather than borrowed (the
tests' users are alice, bob, carol...: use a zone without them).
What only the test server can show (its catalog seen from inside, counting API calls,
killing the server) skips with the reason on a real one: `.catalog` and `.api_calls` skip.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

import pytest

SETTING = "IRODS_TEST_SERVER"


def url() -> str | None:
    return os.environ.get(SETTING) or None


def require_test_server(why: str) -> None:
    """Skip when the tests run against a real iRODS: `why` names what needs the test server."""
    if url():
        pytest.skip(f"{why}: only tests/irods_server can show this ({SETTING} is set)")


def start(zone: str = "tempZone"):
    """A running server for one test or module: the real one if configured, else a new test server."""
    if url():
        return RealIrods(url()).start()
    from .server import IrodsTestServer

    return IrodsTestServer(zone=zone).start()


class RealIrods:
    """A real iRODS zone, administered through python-irodsclient for the tests' accounts."""

    def __init__(self, address: str):
        parts = urlsplit(address)
        if parts.scheme != "irods" or not parts.hostname or not parts.username:
            raise ValueError(f"{SETTING} must look like irods://rods:rods@host:1247/tempZone")
        self.host, self.port = parts.hostname, parts.port or 1247
        self.admin_name, self.admin_password = unquote(parts.username), unquote(parts.password or "")
        self.zone = parts.path.strip("/") or "tempZone"
        self._before: set[str] = set()
        self.session = None

    def start(self) -> "RealIrods":
        from irods.session import iRODSSession

        self.session = iRODSSession(host=self.host, port=self.port, user=self.admin_name,
                                    password=self.admin_password, zone=self.zone)
        self.session.collections.get(f"/{self.zone}")  # fail now if it cannot be reached
        self._before = self._accounts()
        return self

    def _accounts(self) -> dict[str, str]:
        """name -> type (rodsuser, rodsadmin, rodsgroup...) of every account of the zone."""
        from irods.models import User

        rows = self.session.query(User.name, User.type).filter(User.zone == self.zone).all()
        return {row[User.name]: row[User.type] for row in rows}

    @property
    def catalog(self):
        require_test_server("reads the test server's catalog from inside")

    @property
    def api_calls(self):
        require_test_server("counts the API calls the server received")

    def _exists(self, name: str) -> bool:
        from irods.models import User

        return len(self.session.query(User.id).filter(User.name == name).all()) > 0

    def add_user(self, name: str, password: str, type: str = "rodsuser"):
        if self._exists(name):
            raise RuntimeError(f"{name} exists in {self.zone} already: the tests create and "
                               "remove their own users, so use a zone without it")
        user = self.session.users.create(name, type)
        if password:
            self.session.users.modify(name, "password", password)
        return user

    def add_group(self, name: str):
        if self._exists(name):
            raise RuntimeError(f"group {name} exists in {self.zone} already")
        return self.session.groups.create(name)

    def add_to_group(self, group: str, user: str) -> None:
        self.session.groups.addmember(group, user, self.zone)

    def stop(self) -> None:
        if self.session is None:
            return
        from irods.access import iRODSAccess

        try:
            new = {name: kind for name, kind in self._accounts().items() if name not in self._before}
            for name, kind in new.items():
                for home in (f"/{self.zone}/home/{name}", f"/{self.zone}/trash/home/{name}"):
                    if self.session.collections.exists(home):
                        # `ichmod -rM own` first: an administrator may remove only what it may.
                        self.session.acls.set(iRODSAccess("own", home, self.admin_name, self.zone),
                                              recursive=True, admin=True)
                        self.session.collections.remove(home, recurse=True, force=True)
            for name, kind in sorted(new.items(), key=lambda item: item[1] == "rodsgroup"):
                (self.session.groups if kind == "rodsgroup" else self.session.users).remove(name)
        finally:
            self.session.cleanup()
            self.session = None
