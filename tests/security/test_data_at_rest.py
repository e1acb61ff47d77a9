"""Data at rest is the service's alone (attack: vault files, the catalog with its ticket strings
and the logs were world-readable, 0644, to every account of the host).

A real deployment (`rapydo start`'s engine: uWSGI and the Celery worker) started by a caller
whose umask would make files 0644, in a DATA_DIR that already exists 0755: after a login, an
upload and a ticket, nothing under DATA_DIR may be readable, writable or enterable by group or
others.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.api.deployments import PASSWORD, TIMEOUT, ZONE, Deployment
from tests.live import running_api

CONTENT = b"a clinical genome, in miniature\n"


@pytest.fixture
def loose_umask():
    """The caller's umask as many shells set it: files 0644, directories 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def not_private(data_dir: Path) -> tuple[list[str], list[str]]:
    """(entries group or others may use, with their modes; sockets and pipes found)."""
    loose, special = [], []
    entries = [data_dir] + [Path(top) / name for top, folders, files in os.walk(data_dir)
                            for name in folders + files]
    for path in entries:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue  # a running deployment's temporary file, gone already (heartbeats)
        if stat.S_ISLNK(mode):
            continue  # a link's own mode means nothing; what it names is walked if inside
        if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
            special.append(str(path))
        elif mode & 0o077:
            loose.append(f"{path.relative_to(data_dir.parent)} {stat.filemode(mode)}")
    return loose, special


def test_everything_under_data_dir_is_private_to_the_service(tmp_path, loose_umask):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)  # as an earlier release (or an operator's mkdir) left it
    os.chmod(data_dir, 0o755)
    with running_api(data_dir, worker=True) as live:
        api = Deployment(live)
        api.create_user("alice")
        alice = api.session_of("alice")  # a login
        path = f"/{ZONE}/home/alice/genome.txt"
        assert alice.put(api.url("/api/data" + path), data=CONTENT, timeout=TIMEOUT).status_code == 201
        ticket = alice.post(api.url("/api/tickets"), json={"path": path}, timeout=TIMEOUT)
        assert ticket.status_code == 201, ticket.text
        assert live.login("alice", PASSWORD)

        loose, special = not_private(data_dir)

    assert not loose, "readable by others:\n" + "\n".join(loose)
    # The embedded broker and the catalogs are files: no socket or pipe is expected; were one
    # ever added, its mode would be what protects it, so it is named here rather than ignored.
    assert not special, f"sockets or pipes under DATA_DIR: {special}"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    # The test looked at what matters: the vault's bytes, the catalog, the users, the logs.
    names = {path.name for path in data_dir.rglob("*")}
    assert {"catalog.sqlite", "auth.sqlite", "api.log", "worker.log", "jwt_secret"} <= names
    assert any(path.read_bytes() == CONTENT for path in (data_dir / "vault").rglob("*") if path.is_file())
