"""Per-user storage quotas, as iRODS' user quotas: how many bytes each user may own.

A user's limit is their own quota, set by an administrator (`/admin/users/<name>`
{"quota": bytes}, kept with the account), else the deployment's QUOTA_DEFAULT; 0 is
unlimited. Usage is what storage says they own (Storage.owned_bytes). What adds bytes
on someone's behalf asks first: an upload counts against whoever will own the object (the
uploader, a write ticket's owner, or the owner of the object a forced upload replaces,
less its old size), a copy against the copier. Known sizes are refused before a byte
moves; unknown ones as soon as they pass what is left.

Two uploads of one user at once may each fit alone and together pass the limit by what
they carry: as in iRODS, whose usage is recomputed periodically, a quota bounds usage,
not every byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from backend.auth import auth_service
from backend.errors import NotFound, QuotaExceeded
from backend.settings import current_settings
from backend.storage.base import DATAOBJECT, Info, Storage


def limit_of(username: str) -> int:
    """The user's quota in bytes; 0: unlimited."""
    own = auth_service().quota_of(username)
    return current_settings().quota_default if own is None else own


@dataclass(frozen=True)
class Room:
    """What `owner` may still add: `quota` less `used`, plus what the change frees."""

    owner: str
    quota: int
    used: int
    freed: int = 0

    @property
    def left(self) -> int:
        return max(self.quota - self.used + self.freed, 0)

    def exceeded(self, adding: str) -> QuotaExceeded:
        return QuotaExceeded(f"quota exceeded: {self.owner} may store {self.quota} bytes and "
                             f"stores {self.used}; {adding} would pass the quota "
                             f"({self.left} bytes left)")

    def check(self, size: int) -> None:
        if size > self.left:
            raise self.exceeded(f"{size} more bytes")

    def bound(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """`chunks`, stopped (QuotaExceeded) as soon as they pass what is left."""
        total = 0
        for chunk in chunks:
            total += len(chunk)
            if total > self.left:
                raise self.exceeded("this upload")
            yield chunk


def replaced_object(storage: Storage, path: str) -> Info | None:
    """The data object at `path` a forced write would replace (None: it creates one)."""
    try:
        info = storage.stat(path)
    except NotFound:
        return None
    return info if info.type == DATAOBJECT else None


def room_for(storage: Storage, replaced: Info | None) -> Room | None:
    """What may still be written by `storage`'s user (a ticket's: its owner) over `replaced`,
    or None when its owner has no limit."""
    if replaced is not None:
        owner = replaced.owner
    else:
        owner = storage.user or storage.ticket.owner
    quota = limit_of(owner)
    if not quota:
        return None
    return Room(owner, quota, storage.owned_bytes(owner), (replaced.size or 0) if replaced else 0)
