"""The API suite runs over real HTTP against the real uWSGI server, once per storage backend.

One server per test module and backend (starting one takes a few seconds); tests
stay independent by working in their own collection (`place`, `bob_place`).

- local: the embedded default (vault directory + SQLite catalog);
- irods: STORAGE_BACKEND=irods in proxy mode, through python-irodsclient's real
  network code, against tests/irods_server running in this process (uWSGI's
  workers reach it over TCP).

A test about something only one backend has is marked `@pytest.mark.local_only(reason)`:
it then runs against the local backend only, and the reason says why.
"""

from __future__ import annotations

import itertools
import posixpath
from pathlib import Path, PurePosixPath

import pytest

from tests.api.deployments import ZONE, Deployment, add_irods_users, irods_settings
from tests.irods_server import IrodsTestServer, target as irods_target
from tests.live import LiveApi, running_api

BACKENDS = ("local", "irods")
# What the irods backend names an upload until it is complete (backend/storage/irods/storage.py).
IRODS_UPLOAD_PREFIX = ".rapydo-upload."
_unique = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "local_only(reason): runs against the local storage backend only")


def pytest_generate_tests(metafunc):
    """Every test using `api` runs once per backend, except those marked local_only."""
    if "api" not in metafunc.fixturenames:
        return
    local_only = metafunc.definition.get_closest_marker("local_only")
    if local_only is not None and not (local_only.args or local_only.kwargs.get("reason")):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: local_only needs a reason")
    backends = ["local"] if local_only else list(BACKENDS)
    metafunc.parametrize("api", backends, indirect=True, scope="module")


class Api(Deployment):
    """URLs, logins and a view of the stored data for assertions."""

    def __init__(self, live: LiveApi, backend: str = "local", irods: IrodsTestServer | None = None):
        super().__init__(live)
        self.pid = live.pid
        self.backend = backend
        self.irods = irods

    def data_url(self, logical_path: str) -> str:
        return self.url("/api/data" + logical_path)

    # --- what the backend stores --------------------------------------------------

    def vault(self) -> Path:
        assert self.backend == "local", "only the local backend has a vault directory"
        return self.live.data_dir / "vault"

    def temporary_files(self) -> list[PurePosixPath]:
        """Uploads not yet complete: the local vault's .tmp files, or iRODS' hidden upload objects."""
        if self.backend == "irods":
            return [path for path in self._irods_objects() if path.name.startswith(IRODS_UPLOAD_PREFIX)]
        return sorted((self.vault() / ".tmp").glob("*"))

    def vault_files(self) -> list[PurePosixPath]:
        """Every stored data object's file (local) or path (irods), except incomplete uploads."""
        if self.backend == "irods":
            return [path for path in self._irods_objects() if not path.name.startswith(IRODS_UPLOAD_PREFIX)]
        return sorted(p for p in self.vault().rglob("*") if p.is_file() and ".tmp" not in p.parts)

    def irods_sizes(self) -> dict[str, int]:
        """Logical path -> size of every data object in the iRODS test server's catalog."""
        catalog = self.irods.catalog
        with catalog.lock:
            return {path: len(obj.data) for path, obj in catalog.objs.items()}

    def _irods_objects(self) -> list[PurePosixPath]:
        catalog = self.irods.catalog
        with catalog.lock:
            return sorted(PurePosixPath(posixpath.normpath(path)) for path in catalog.objs)


@pytest.fixture(scope="module")
def api(request, tmp_path_factory):
    backend = getattr(request, "param", "local")
    data_dir = tmp_path_factory.mktemp(f"api-{backend}")
    if backend == "local":
        with running_api(data_dir) as live:
            yield _with_users(Api(live))
        return
    server = irods_target.start(ZONE)  # or the real iRODS of IRODS_TEST_SERVER
    try:
        add_irods_users(server, "alice", "bob")
        with running_api(data_dir, **irods_settings(server)) as live:
            yield _with_users(Api(live, "irods", server))
    finally:
        server.stop()


def _with_users(client: Api) -> Api:
    client.create_user("alice")
    client.create_user("bob")
    return client


@pytest.fixture
def alice(api):
    return api.session_of("alice")


@pytest.fixture
def bob(api):
    return api.session_of("bob")


@pytest.fixture
def anonymous(api):
    return api.anonymous()


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
