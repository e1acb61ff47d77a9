"""Tasks of the core."""

from __future__ import annotations

import os

from backend.tasks import task


@task(name="rapydo.ping", bind=True, idempotent=True)
def ping(self) -> dict:
    """Proves that a worker consumes the queue: answers with its name and pid."""
    return {"pong": True, "worker": self.request.hostname, "pid": os.getpid()}
