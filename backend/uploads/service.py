"""Resumable uploads without HTTP: create, append at an offset, complete, terminate, expire.

An upload is a record (records.Upload) and a partial object in storage. Its offset is the
partial object's size, read from storage each time. It completes by itself when the last
byte arrives: storage then checksums it and puts it in place as any upload, and only then
does it become visible. While unfinished, its whole declared length counts against its
owner's quota; unfinished uploads past their expiry are removed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator

from backend import quotas
from backend.errors import (AlreadyExists, BadRequest, ChecksumMismatch, Conflict, Gone,
                            NotFound, PayloadTooLarge)
from backend.storage import checksums
from backend.storage.base import Info, Storage, StorageBackend, is_upload_id
from backend.uploads.records import Upload, UploadStore

log = logging.getLogger(__name__)

# Completion failures that no retry can fix: the upload is removed with them.
FINAL_FAILURES = (ChecksumMismatch, AlreadyExists, Conflict)


def now() -> datetime:
    return datetime.now(timezone.utc)


class ResumableUploads:
    def __init__(self, store: UploadStore, backend: StorageBackend, *, expiry: timedelta,
                 max_size: int = 0):
        self.store = store
        self.backend = backend
        self.expiry = expiry
        self.max_size = max_size

    def create(self, storage: Storage, path: str, length: int, *, force: bool = False,
               parents: bool = False, checksum: str | None = None,
               metadata_header: str = "") -> Upload:
        """A new upload of `length` bytes to `path`, refused now if it could not be stored."""
        user = self._user(storage)
        if self.max_size and length > self.max_size:
            raise PayloadTooLarge(f"uploads are limited to {self.max_size} bytes")
        if checksum is not None:
            checksums.parse(checksum)
        replaced = quotas.replaced_object(storage, path)
        if replaced is not None and not force:
            raise AlreadyExists(f"{path} already exists (use force to overwrite)")
        room = quotas.room_for(storage, replaced)
        if room is not None:
            room.check(length + self.store.reserved(user))
        upload = Upload(id=uuid.uuid4().hex, owner=user, path=path, length=length, force=force,
                        checksum=checksum, metadata_header=metadata_header, created=now(),
                        expires=now() + self.expiry)
        storage.write_partial(path, upload.id, [], offset=0, parents=parents)
        self.store.add(upload)
        self.sweep()
        return upload

    def state(self, storage: Storage, upload_id: str) -> tuple[Upload, int]:
        """The upload and its offset; NotFound unless it is the caller's, Gone once expired."""
        upload = self.store.get(upload_id) if is_upload_id(upload_id) else None
        if upload is None or upload.owner != storage.user:
            raise NotFound("no such upload")
        if upload.expires <= now():
            self._remove(storage, upload)
            raise Gone(f"the upload expired at {upload.expires.isoformat()}")
        offset = storage.partial_size(upload.path, upload.id)
        if offset is None:
            self.store.remove(upload.id)
            raise NotFound("no such upload: its data is gone")
        return upload, offset

    def append(self, storage: Storage, upload_id: str, offset: int, chunks: Iterable[bytes], *,
               announced: int | None = None,
               digest: checksums.PartDigest | None = None) -> tuple[Upload, int, Info | None]:
        """Write `chunks` at `offset`; (upload, new offset, the stored object once complete)."""
        upload, current = self.state(storage, upload_id)
        if offset != current:
            raise Conflict(f"the upload is at offset {current}, not {offset}")
        left = upload.length - offset
        if announced is not None and announced > left:
            raise PayloadTooLarge(f"the upload has {left} bytes left, not {announced}")
        size = storage.write_partial(upload.path, upload.id, _at_most(chunks, left),
                                     offset=offset, digest=digest, length=announced,
                                     completes=announced == left)
        info = self._complete(storage, upload) if size == upload.length else None
        return upload, size, info

    def complete_empty(self, storage: Storage, upload: Upload) -> Info | None:
        """A zero-length upload is complete when created."""
        return self._complete(storage, upload) if upload.length == 0 else None

    def terminate(self, storage: Storage, upload_id: str) -> None:
        upload, _ = self.state(storage, upload_id)
        self._remove(storage, upload)

    def sweep(self) -> int:
        """Remove expired uploads (their partial objects too, as their owners); how many."""
        removed = 0
        for upload in self.store.expired(now()):
            try:
                self._remove(self.backend.session(upload.owner), upload)
                removed += 1
            except Exception:  # noqa: BLE001 - cleaning up is retried at the next sweep
                log.warning("could not remove expired upload %s", upload.id, exc_info=True)
        return removed

    def _complete(self, storage: Storage, upload: Upload) -> Info:
        try:
            info = storage.complete_partial(upload.path, upload.id, force=upload.force,
                                            checksum=upload.checksum, size=upload.length)
        except FINAL_FAILURES:
            self._remove(storage, upload)
            raise
        self.store.remove(upload.id)
        return info

    def _remove(self, storage: Storage, upload: Upload) -> None:
        storage.discard_partial(upload.path, upload.id)
        self.store.remove(upload.id)

    @staticmethod
    def _user(storage: Storage) -> str:
        if storage.user is None:
            raise BadRequest("resumable uploads need a user's session")
        return storage.user


def _at_most(chunks: Iterable[bytes], left: int) -> Iterator[bytes]:
    """`chunks`, refused (413) as soon as they carry more than the upload has left."""
    for chunk in chunks:
        left -= len(chunk)
        if left < 0:
            raise PayloadTooLarge("more bytes than the upload's declared length")
        yield chunk
