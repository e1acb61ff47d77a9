"""The storage extension: picks the configured backend, opens per-request sessions.

Request code reaches storage only through `user_storage()` (the current user's
session, cached on `flask.g`) and `storage_backend()`.

Credentials a backend's `login` returned travel between requests as their plain
fields (auth keeps them, encrypted, in the user's token); `credentials_fields` and
`credentials_from` convert between the two, so auth never sees a backend's types.
"""

from __future__ import annotations

import dataclasses

from flask import Flask, current_app, g

from backend.health import register_check
from backend.storage.base import Storage, StorageBackend

EXTENSION_KEY = "rapydo.storage"


def build_backend(settings) -> StorageBackend:
    if settings.storage_backend == "local":
        from backend.storage.local import LocalBackend

        return LocalBackend(settings.data_dir, zone=settings.irods_zone, durable=settings.vault_fsync,
                            reserve=settings.disk_reserve)
    if settings.storage_backend == "irods":
        from backend.storage.irods import IrodsBackend  # added by the iRODS issue

        return IrodsBackend(settings)
    raise ValueError(f"unknown storage backend {settings.storage_backend!r}")


class StorageExtension:
    def init_app(self, app: Flask, settings) -> None:
        backend = build_backend(settings)
        app.extensions[EXTENSION_KEY] = backend
        register_check(app, "storage", backend.health)


def storage_backend(app: Flask | None = None) -> StorageBackend:
    return (app or current_app).extensions[EXTENSION_KEY]


def credentials_fields(credentials) -> dict:
    """The plain fields of credentials returned by `StorageBackend.login` (a dataclass)."""
    return dataclasses.asdict(credentials)


def credentials_from(fields: dict | None):
    """Credentials for `StorageBackend.session` rebuilt from `credentials_fields`' output."""
    return storage_backend().credentials_from(fields)


def user_storage() -> Storage:
    """The storage session of the authenticated user of this request."""
    from backend.auth import current_storage_credentials, current_user

    if "storage" not in g:
        credentials = credentials_from(current_storage_credentials())
        g.storage = storage_backend().session(current_user().username, credentials=credentials)
    return g.storage
