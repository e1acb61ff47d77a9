"""Resumable uploads (tus 1.0) over the storage interface: sessions here, bytes in storage.

`records` keeps who uploads what where (a table beside the users, so sessions survive a
restarted API and are shared by every worker); `service` is the protocol-free logic
(create, append, complete, expire, quota); backend/api/uploads.py speaks tus over HTTP.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app

EXTENSION_KEY = "rapydo.uploads"


def init_app(app: Flask, settings) -> None:
    from backend.auth.db import Database
    from backend.storage import storage_backend
    from backend.uploads.records import UploadStore
    from backend.uploads.service import ResumableUploads

    db = Database(settings.auth_db)
    store = UploadStore(db)
    db.dispose()  # each worker opens its own connections after the fork
    app.extensions[EXTENSION_KEY] = ResumableUploads(
        store, storage_backend(app), expiry=timedelta(seconds=settings.upload_expiry),
        max_size=settings.max_upload_size)


def resumable_uploads():
    return current_app.extensions[EXTENSION_KEY]
