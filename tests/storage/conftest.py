"""Fixtures of the storage contract suite: every backend in BACKENDS runs every test.

To add a backend, add a factory to BACKENDS (it receives pytest's tmp_path and
returns a fresh backend serving the zone ZONE) and, if it keeps files the tests
can inspect, a lister to PHYSICAL_FILES.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from backend.storage.base import Storage, StorageBackend
from backend.storage.local import LocalBackend

ZONE = "tempZone"
HOME = f"/{ZONE}/home"
ALICE = f"{HOME}/alice"
BOB = f"{HOME}/bob"


def _local(tmp_path: Path) -> StorageBackend:
    return LocalBackend(tmp_path, zone=ZONE)


def _local_files(backend: LocalBackend) -> set[str]:
    vault = backend.data_dir / "vault"
    return {str(path.relative_to(vault)) for path in vault.rglob("*") if path.is_file()}


def _irods(tmp_path: Path) -> StorageBackend:
    """An IrodsBackend (proxy mode, as rods) on a fresh tests/irods_server of its own."""
    from backend.settings import Settings
    from backend.storage.irods import IrodsBackend
    from tests.irods_server import target

    server = target.start(ZONE)  # or the real iRODS IRODS_TEST_SERVER names

    class ServedIrodsBackend(IrodsBackend):
        def close(self):
            super().close()
            server.stop()

    settings = Settings(data_dir=tmp_path, storage_backend="irods", irods_host=server.host,
                        irods_port=server.port, irods_zone=ZONE,
                        irods_user=getattr(server, "admin_name", "rods"),
                        irods_password=getattr(server, "admin_password", "rods"), irods_timeout=5)
    backend = ServedIrodsBackend(settings)
    backend.server = server
    return backend


BACKENDS: dict[str, Callable[[Path], StorageBackend]] = {"local": _local, "irods": _irods}
# name -> function listing the files a backend keeps for data objects, including
# partial uploads (so tests can see that a failed write left nothing behind).
PHYSICAL_FILES: dict[str, Callable[[StorageBackend], set[str]]] = {"local": _local_files}


@pytest.fixture(params=sorted(BACKENDS))
def backend_name(request) -> str:
    return request.param


@pytest.fixture
def backend(backend_name, tmp_path) -> StorageBackend:
    instance = BACKENDS[backend_name](tmp_path)
    yield instance
    instance.close()


@pytest.fixture
def physical_files(backend_name, backend) -> Callable[[], set[str]]:
    """A callable returning the backend's stored files (empty set if it cannot tell)."""
    lister = PHYSICAL_FILES.get(backend_name, lambda _backend: set())
    return lambda: lister(backend)


@pytest.fixture
def alice(backend) -> Storage:
    backend.create_home("alice")
    return backend.session("alice")


@pytest.fixture
def bob(backend) -> Storage:
    backend.create_home("bob")
    return backend.session("bob")
