"""DATA_DIR is the service's alone: what the service creates there is private to its user.

The vault holds users' bytes, the catalog their ticket strings, the users database the
password hashes, and the logs who did what: no other account of the host may read them.
So every process of the backend (the API under uWSGI, the Celery worker) creates files
0600 and directories 0700 (its umask), whatever its caller's umask was, and DATA_DIR
itself is 0700, which also closes off files an earlier release left readable.
"""

from __future__ import annotations

import os
from pathlib import Path

UMASK = 0o077
DIRECTORY_MODE = 0o700


def create_privately() -> None:
    """Everything this process creates from now on is its user's only. Called by the entry
    points before they build the app, never by the factory: a test process keeps its own."""
    os.umask(UMASK)


def prepare_data_dir(data_dir: Path) -> None:
    """Create DATA_DIR 0700, or tighten an existing one that others could enter."""
    data_dir.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    if data_dir.stat().st_mode & 0o077:
        data_dir.chmod(DIRECTORY_MODE)
