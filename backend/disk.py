"""Room on DATA_DIR's disk, as /api/status reports it.

DISK_RESERVE bytes of the file system holding DATA_DIR are kept for the service's own
records (catalog, users database, provenance, outbox, logs): the local vault refuses data
that would eat into them (backend/storage/local/vault.py), so that removals and logins,
which write a little, keep working once users have filled the rest. With less than the
reserve free, the disk is "full" and the deployment degraded.
"""

from __future__ import annotations

import shutil

from flask import Flask

from backend.health import register_check


def check(data_dir, reserve: int) -> dict:
    free = shutil.disk_usage(data_dir).free
    full = free < reserve or free == 0
    return {"status": "full" if full else "ok", "free": free, "reserve": reserve}


def init_app(app: Flask, settings) -> None:
    register_check(app, "disk", lambda: check(settings.data_dir, settings.disk_reserve))
