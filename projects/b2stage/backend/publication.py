"""Publishing: anonymous read access to data, as iRODS grants it to everyone.

Published means that the group `public` (every user, and the `anonymous` account, in
iRODS and in the local backend) may read the path. The landing pages read through an
anonymous storage session, so storage itself enforces what they may show.
"""

from __future__ import annotations

from backend.storage import storage_backend
from backend.storage.accounts import PUBLIC
from backend.storage.base import COLLECTION, AccessLevel, Info, Storage

def anonymous_storage() -> Storage:
    """A session of the `anonymous` account, who may read what `public` may."""
    return storage_backend().anonymous_session()


def is_published(storage: Storage, path: str) -> bool:
    return any(acl.user == PUBLIC and acl.level >= AccessLevel.read for acl in storage.acls.get(path))


def set_published(storage: Storage, info: Info, published: bool) -> None:
    """Grant (or remove) public read on `info`, on everything below it for a collection.
    Needs `own` (storage answers PermissionDenied otherwise)."""
    level = AccessLevel.read if published else AccessLevel.null
    storage.acls.set(info.path, PUBLIC, level, recursive=info.type == COLLECTION)
