"""What the API suite's deployments share: the zone, the users' password, and how the
irods backend is pointed at a tests/irods_server (used by conftest.py and test modules
that start deployments of their own)."""

from __future__ import annotations

from tests.irods_server import IrodsTestServer
from tests.live import ADMIN_PASSWORD, ADMIN_USER

ZONE = "tempZone"
PASSWORD = "a-long-test-password"


def irods_settings(server: IrodsTestServer, **extra) -> dict:
    """The API's settings for the irods backend on `server` (proxy mode, as rods)."""
    return {"STORAGE_BACKEND": "irods", "IRODS_HOST": server.host, "IRODS_PORT": server.port,
            "IRODS_ZONE": server.zone, "IRODS_USER": "rods", "IRODS_PASSWORD": "rods",
            "IRODS_TIMEOUT": 5, **extra}


def add_irods_users(server: IrodsTestServer, *names: str) -> None:
    """The API's administrator plus `names` as iRODS users with PASSWORD. The API would create
    missing iRODS users itself (iRODS' admin API), but without a password; tests that log in
    with iRODS credentials need one."""
    server.add_user(ADMIN_USER, ADMIN_PASSWORD)
    for name in names:
        server.add_user(name, PASSWORD)
