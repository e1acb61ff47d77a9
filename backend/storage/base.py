"""The storage interface: the iRODS wrapper client every backend implements.

A `StorageBackend` is configured once per application. It opens `Storage`
sessions: one per acting user (like an iRODS session), or an anonymous one that
carries a ticket. A session's methods mirror the icommands, one verb per action;
metadata, permissions and tickets are sub-managers, as in python-irodsclient.

Backends implement the `@abstractmethod` primitives; the conveniences below them
(exists, put, get, get_file_content, ...) are written once here.

All paths are logical iRODS paths (`/<zone>/home/<user>/...`); implementations
pass them through `paths.normalise` before use and raise the typed errors of
`backend.errors` (NotFound, AlreadyExists, PermissionDenied, InvalidPath,
ChecksumMismatch, Conflict, ServiceUnavailable, ...), never their own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Literal

from backend.errors import (BadRequest, NotFound, PermissionDenied, RangeNotSatisfiable,
                            Unprocessable)
from backend.storage.accounts import EVERYONE, Directory
from backend.storage.checksums import PartDigest

DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024

COLLECTION = "collection"
DATAOBJECT = "dataobject"


# The orders a listing can come in (Storage.list's `sort`): by name, both kinds mixed; by
# size, collections (which have none) first by name, then data objects; by modification
# time, both kinds mixed. Ties are broken by name, ascending.
SORT_KEYS = ("name", "size", "modified")


def sort_arguments(sort: str, descending: bool, after: str | None) -> tuple[str, bool]:
    """(sort, descending) when valid for a listing; BadRequest naming the problem otherwise.
    `after` (keyset continuation) continues a listing by name only."""
    if sort not in SORT_KEYS:
        raise BadRequest(f"sort must be one of {', '.join(SORT_KEYS)}")
    if not isinstance(descending, bool):
        raise BadRequest("descending must be true or false")
    if after is not None and sort != "name":
        raise BadRequest("'after' continues a listing sorted by name: page by offset with sort "
                         f"{sort}")
    return sort, descending


def is_upload_id(value: object) -> bool:
    """A resumable upload's id as Storage's partial-object methods take it: 32 hex digits
    (it ends up in a file or object name, so nothing else may pass)."""
    return (isinstance(value, str) and len(value) == 32
            and all(char in "0123456789abcdef" for char in value))


def non_negative(name: str, value, *, positive: bool = False) -> int:
    """`value` if it is a non-negative (or positive) int; BadRequest naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if positive else 0):
        raise BadRequest(f"{name} must be a {'positive' if positive else 'non-negative'} integer")
    return value


@dataclass(frozen=True)
class Info:
    """The one shape every listing and stat returns."""

    path: str
    name: str
    type: Literal["collection", "dataobject"]
    size: int | None  # None for collections
    checksum: str | None  # "sha2:<base64>", None for collections
    owner: str
    created: datetime  # timezone-aware UTC
    modified: datetime

    def as_dict(self) -> dict:
        data = asdict(self)
        data["created"] = self.created.isoformat()
        data["modified"] = self.modified.isoformat()
        return data


@dataclass(frozen=True)
class AVU:
    attribute: str
    value: str
    unit: str = ""


class AccessLevel(IntEnum):
    """iRODS access levels, ordered so that a higher level implies the lower ones."""

    null = 0
    read = 1
    write = 2
    own = 3

    @classmethod
    def parse(cls, name: str) -> "AccessLevel":
        aliases = {"read_object": "read", "modify_object": "write", "read object": "read",
                   "modify object": "write", "none": "null"}
        key = aliases.get(str(name).lower(), str(name).lower())
        if key not in cls.__members__:
            raise Unprocessable(f"unknown access level {name!r}: use null, read, write or own")
        return cls[key]


@dataclass(frozen=True)
class Acl:
    user: str  # a user name, or the group "public" for everyone
    level: AccessLevel

    def as_dict(self) -> dict:
        return {"user": self.user, "level": self.level.name}


@dataclass(frozen=True)
class Ticket:
    string: str
    path: str
    type: Literal["read", "write"]
    owner: str
    created: datetime
    expires: datetime | None = None
    uses_limit: int | None = None  # None: unlimited
    uses_count: int = 0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["created"] = self.created.isoformat()
        data["expires"] = self.expires.isoformat() if self.expires else None
        return data


def usable_ticket(ticket: Ticket | None, now: datetime, accounts: Directory = EVERYONE) -> Ticket:
    """`ticket` if it may still be used at `now`; PermissionDenied saying why not otherwise.
    A ticket shares what its owner may do, so it ends with its owner's account: refused
    while `accounts` says the owner is disabled or deleted.
    (Never echo the string in a message: it is a credential.)"""
    if ticket is None:
        raise PermissionDenied("unknown ticket")
    if not accounts.active(ticket.owner):
        raise PermissionDenied("the ticket no longer works: its owner's account is disabled or deleted")
    if ticket.expires is not None and ticket.expires <= now:
        raise PermissionDenied(f"the ticket expired at {ticket.expires.isoformat()}")
    if ticket.uses_limit is not None and ticket.uses_count >= ticket.uses_limit:
        raise PermissionDenied(f"the ticket is used up ({ticket.uses_limit} uses allowed)")
    return ticket


def owned_ticket(ticket: Ticket | None, user: str, action: str) -> Ticket:
    """`ticket` if `user` owns it: NotFound when there is none, PermissionDenied otherwise."""
    if ticket is None:
        raise NotFound("no such ticket")
    if ticket.owner != user:
        raise PermissionDenied(f"only the ticket's owner may {action} it")
    return ticket


def check_ticket_request(type, uses, expires) -> None:
    """Unprocessable unless the arguments of TicketManager.create are acceptable."""
    if type not in ("read", "write"):
        raise Unprocessable(f"unknown ticket type {type!r}: use read or write")
    if uses is not None and (isinstance(uses, bool) or not isinstance(uses, int) or uses < 1):
        raise Unprocessable("uses must be a positive integer (or none for unlimited)")
    if expires is not None and not isinstance(expires, datetime):
        raise Unprocessable("expires must be a datetime")


def read_arguments(offset, length, chunk_size) -> tuple[int, int | None, int]:
    """The arguments of Storage.read_in_streaming, checked (BadRequest)."""
    return (non_negative("offset", offset),
            None if length is None else non_negative("length", length),
            non_negative("chunk_size", chunk_size, positive=True))


def check_offset(offset: int, size: int, path: str) -> None:
    """RangeNotSatisfiable when a read would start beyond the object's end."""
    if offset > size:
        raise RangeNotSatisfiable(f"offset {offset} is beyond the {size} bytes of {path}", size=size)


@dataclass
class Page:
    """One page of a listing. `has_more` is known without counting the collection."""

    items: list[Info] = field(default_factory=list)
    offset: int = 0
    limit: int = 0
    has_more: bool = False


class MetadataManager(ABC):
    """AVUs of any path. Reading needs read access, changing needs write."""

    @abstractmethod
    def get(self, path: str) -> list[AVU]: ...

    @abstractmethod
    def add(self, path: str, avu: AVU) -> None:
        """Add one AVU; AlreadyExists when the identical triple is there."""

    @abstractmethod
    def set(self, path: str, avu: AVU) -> None:
        """Replace every value of `avu.attribute` with this single AVU."""

    @abstractmethod
    def remove(self, path: str, avu: AVU) -> None:
        """Remove one AVU; NotFound when absent."""


class AclManager(ABC):
    """Permissions. Reading needs read access; changing needs `own`."""

    @abstractmethod
    def get(self, path: str) -> list[Acl]: ...

    @abstractmethod
    def set(self, path: str, user: str, level: AccessLevel, *, recursive: bool = False) -> None:
        """Grant `level` (null removes the entry); recursive applies to a collection's subtree."""

    @abstractmethod
    def get_inheritance(self, path: str) -> bool: ...

    @abstractmethod
    def set_inheritance(self, path: str, inherit: bool, *, recursive: bool = False) -> None:
        """Collections only: new children copy the collection's ACLs when on."""


class TicketManager(ABC):
    """Tickets: bearer strings granting read or write on one path (and below it)."""

    @abstractmethod
    def create(self, path: str, type: Literal["read", "write"] = "read", *,
               expires: datetime | None = None, uses: int | None = None) -> Ticket:
        """Needs `own` on the path."""

    @abstractmethod
    def list(self) -> list[Ticket]:
        """The tickets this session's user owns."""

    @abstractmethod
    def get(self, string: str) -> Ticket: ...

    @abstractmethod
    def delete(self, string: str) -> None: ...


class Storage(ABC):
    """One session on a storage backend, acting as one user (or anonymously with a ticket)."""

    zone: str
    user: str | None
    # A ticket session's ticket as it was when the session opened (None for a user's
    # session): callers resolve paths relative to what the ticket grants.
    ticket: Ticket | None = None
    # True when open() returns real files (with a working fileno()): a download of a
    # whole object is then best sent by the kernel; otherwise read_in_streaming serves it.
    opens_real_files: bool = False
    metadata: MetadataManager
    acls: AclManager
    tickets: TicketManager

    # --- primitives -------------------------------------------------------

    @abstractmethod
    def stat(self, path: str) -> Info:
        """Info of a collection or data object; NotFound when neither exists."""

    @abstractmethod
    def list(self, path: str, *, offset: int = 0, limit: int = 100, after: str | None = None,
             sort: str = "name", descending: bool = False) -> Page:
        """Children of a collection ordered by name, without scanning the whole collection.

        `after` continues a listing after that name (keyset paging: a deep page costs
        what the first does); `offset` then counts from there. `sort` (SORT_KEYS) and
        `descending` choose another order (checked by `sort_arguments`); `after` then
        follows the descending names, and is refused with another sort than name.
        """

    @abstractmethod
    def mkdir(self, path: str, *, parents: bool = False) -> Info:
        """Create a collection. AlreadyExists if present, unless `parents` and it is a collection."""

    @abstractmethod
    def write_in_streaming(self, path: str, chunks: Iterable[bytes], *, force: bool = False,
                           parents: bool = False, checksum: str | None = None,
                           size: int | None = None) -> Info:
        """Store the bytes of `chunks` as a data object, atomically.

        Bytes go to a temporary place and become visible only when complete: when
        `size` is given and fewer bytes arrived (IncompleteTransfer), when
        `checksum` is given and does not match (ChecksumMismatch), or when
        `chunks` raises, nothing is left behind. Without `force` an existing
        object is AlreadyExists; `parents` creates missing collections.
        """

    # --- resumable uploads (backend/uploads keeps the sessions) -------------------------
    # A partial object holds the bytes of one unfinished upload to `path`, under an id of
    # 32 hex digits the caller chose. It is invisible (listings, stat, search) and becomes
    # the object at `path` only when completed; its bytes count for its uploader's quota
    # through the upload's declared length (backend/uploads), not as stored data.

    @abstractmethod
    def write_partial(self, path: str, upload: str, chunks: Iterable[bytes], *, offset: int,
                      parents: bool = False, digest: "PartDigest | None" = None,
                      length: int | None = None, completes: bool = False) -> int:
        """Append `chunks` to the partial object of `upload` (created when `offset` is 0),
        which must then hold exactly `offset` bytes (Conflict otherwise); return its size.
        With `digest`, bytes that do not match it are cut off again (PartChecksumMismatch).
        `length`, the bytes `chunks` will bring when known, lets a backend write in parallel;
        `completes` says they should be the object's last (a backend may prepare its completion).

        Checked before a byte is read: write access where `path` will be (and `parents`
        creates missing collections, which stay). What arrived before `chunks` raised
        (a client that went away) is kept: the upload resumes from there.
        """

    @abstractmethod
    def partial_size(self, path: str, upload: str) -> int | None:
        """The bytes the partial object of `upload` holds; None when there is none."""

    @abstractmethod
    def complete_partial(self, path: str, upload: str, *, force: bool = False,
                         checksum: str | None = None, size: int | None = None) -> Info:
        """Make the partial object of `upload` the data object at `path`, as
        write_in_streaming stores one (checksummed, atomic, `force` to overwrite). When
        `size` or `checksum` do not match, the partial object stays and the error says why."""

    @abstractmethod
    def discard_partial(self, path: str, upload: str) -> None:
        """Remove the partial object of `upload`, if any."""

    @abstractmethod
    def read_in_streaming(self, path: str, *, offset: int = 0, length: int | None = None,
                          chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the bytes of a data object, from `offset`, at most `length` of them.

        Permission and existence are checked when called, before the first chunk.
        """

    @abstractmethod
    def open(self, path: str) -> BinaryIO:
        """A read-only file object over a data object's bytes, positioned at the start
        (python-irodsclient: `data_objects.open(path, "r")`).

        Checks and ticket use as for read_in_streaming. The caller closes it. Where
        it is a real file (it has a working `fileno()`), a WSGI server may hand it to
        the kernel (sendfile) instead of copying it through Python.
        """

    @abstractmethod
    def copy(self, src: str, dst: str, *, force: bool = False) -> Info:
        """Server-side copy of a data object or, recursively, a collection."""

    @abstractmethod
    def move(self, src: str, dst: str) -> Info:
        """Rename or move a data object or collection (AlreadyExists if dst exists)."""

    @abstractmethod
    def remove(self, path: str, *, recursive: bool = False) -> None:
        """Remove a data object, or a collection (Conflict if non-empty and not recursive)."""

    @abstractmethod
    def checksum(self, path: str, *, verify: bool = False) -> str:
        """The stored `sha2:` checksum; with `verify`, recompute it from the bytes and compare."""

    @abstractmethod
    def touch(self, path: str, *, modified: datetime | None = None, create: bool = True) -> Info:
        """Set the modify time of a data object or collection to `modified` (now when None),
        as iRODS' touch API (`itouch`) does; a path naming nothing becomes an empty data object
        (checksummed as any upload), or NotFound when not `create`. Needs write access (on
        the parent collection to create)."""

    @abstractmethod
    def apply_metadata(self, path: str, operations: list[tuple[str, AVU]]) -> list[AVU]:
        """Apply AVU operations to one path, all of them or none (iRODS' atomic metadata API);
        return its AVUs afterwards. Operations, in order: ("add", avu) adds it unless present,
        ("remove", avu) removes it if present, ("set", avu) makes it the only value of its
        attribute. Unprocessable for an unknown operation or an empty attribute or value
        (backend.storage.avu_operations), before anything changes. Needs write access."""

    @abstractmethod
    def check_subtree(self, path: str, level: AccessLevel = AccessLevel.read) -> None:
        """PermissionDenied unless this session holds `level` on `path` and on everything
        below it: an operation on a whole tree (an archive of a collection) is then refused
        whole, before it starts, rather than done with holes."""

    @abstractmethod
    def owned_bytes(self, owner: str) -> int:
        """The bytes of the data objects `owner` owns in this zone, wherever they lie and
        whoever asks: what counts against their quota (backend/quotas.py)."""

    @abstractmethod
    def search(self, query, *, after: str | None = None, limit: int = 100) -> Page:
        """Data objects and collections meeting `query` (backend.storage.search.Query) that this
        session may read, ordered by (collection, name); `after` continues after that path
        (keyset paging: a deep page costs what the first does)."""

    # --- conveniences, written once ---------------------------------------

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except NotFound:
            return False
        return True

    def is_collection(self, path: str) -> bool:
        try:
            return self.stat(path).type == COLLECTION
        except NotFound:
            return False

    def is_dataobject(self, path: str) -> bool:
        try:
            return self.stat(path).type == DATAOBJECT
        except NotFound:
            return False

    def du(self, path: str) -> int:
        """The bytes of a data object, or of every data object below a collection (what a
        copy of it adds)."""
        info = self.stat(path)
        if info.type != COLLECTION:
            return info.size or 0
        return sum(self.du(child.path) if child.type == COLLECTION else child.size or 0
                   for child in self.children(info.path))

    def count_children(self, path: str) -> int:
        """How many children of a collection this session may see (what a listing would
        page through). Backends that can count in their catalog do so instead of walking."""
        return sum(1 for _ in self.children(path))

    def children(self, path: str, *, page_size: int = 1000) -> Iterator[Info]:
        """Every child of a collection, by name, fetched a keyset page at a time."""
        after = None
        while True:
            page = self.list(path, limit=page_size, after=after)
            yield from page.items
            if not page.has_more or not page.items:
                return
            after = page.items[-1].name

    @staticmethod
    def read_in_chunks(stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """Yield a local stream's bytes in chunks (the input side of write_in_streaming)."""
        while True:
            chunk = stream.read(chunk_size)
            if not chunk:
                return
            yield chunk

    def put(self, local_path: str | Path, path: str, **options) -> Info:
        """Upload a local file (options as for write_in_streaming)."""
        local = Path(local_path)
        with local.open("rb") as stream:
            return self.write_in_streaming(path, self.read_in_chunks(stream),
                                           size=local.stat().st_size, **options)

    def get(self, path: str, local_path: str | Path) -> Path:
        """Download a data object to a local file, written beside it then renamed."""
        local = Path(local_path)
        partial = local.with_name(local.name + ".part")
        try:
            with partial.open("wb") as out:
                for chunk in self.read_in_streaming(path):
                    out.write(chunk)
            partial.replace(local)
        finally:
            partial.unlink(missing_ok=True)
        return local

    def get_file_content(self, path: str) -> bytes:
        return b"".join(self.read_in_streaming(path))

    def write_file_content(self, path: str, content: bytes | str, **options) -> Info:
        data = content.encode("utf-8") if isinstance(content, str) else content
        return self.write_in_streaming(path, [data], size=len(data), **options)


class StorageBackend(ABC):
    """A configured backend: opens sessions, creates homes, ends accounts, reports health."""

    zone: str
    # Who the accounts are (backend.storage.accounts); the application sets its users.
    accounts: Directory = EVERYONE

    @abstractmethod
    def session(self, user: str, credentials=None) -> Storage:
        """A session acting as `user`, bound by that user's ACLs.

        `credentials` are backend-specific credentials returned by `login` (e.g. a
        user's own iRODS password); backends acting by proxy ignore them.
        """

    def login(self, username: str, password: str, scheme: str):
        """Verify credentials against the storage system itself; return backend-specific
        credentials to pass to `session(user, credentials=...)` later.

        Unauthorized when refused; Unprocessable when this backend or scheme cannot log in.
        """
        raise Unprocessable("this storage backend has no logins of its own: log in with "
                            "POST /auth/login (STORAGE_BACKEND=irods offers /auth/irods)")

    def credentials_from(self, fields: dict | None):
        """Credentials `login` returned, rebuilt from their plain fields (as tokens carry
        them); None for backends without logins of their own."""
        return None

    @abstractmethod
    def ticket_session(self, ticket: str) -> Storage:
        """An anonymous session that may do only what `ticket` allows.

        Unknown, expired or used-up tickets, and tickets whose owner `accounts` says is
        no longer active, raise PermissionDenied. A read ticket
        allows stat/list/read of its path and below; a write ticket also allows
        writing there. Each data transfer (read_in_streaming or write_in_streaming)
        uses one of the ticket's uses.
        """

    @abstractmethod
    def anonymous_session(self) -> Storage:
        """A session of the `anonymous` account: it may read what the group `public` may
        (published data), nothing else. No API user can be called anonymous."""

    @abstractmethod
    def create_home(self, user: str) -> str:
        """Create `/<zone>/home/<user>` owned by `user` (idempotent); return its path."""

    @abstractmethod
    def end_account(self, user: str) -> None:
        """`user`'s account was deleted: remove the tickets they own and every grant naming
        them on what others own (as iRODS' `iadmin rmuser` removes their ACLs), so that
        whoever gets the name next inherits none of it. Their own data stays, with its ACLs.
        Idempotent."""

    @abstractmethod
    def health(self) -> dict:
        """`{"status": "ok"|"down", ...details}` without raising."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release pooled resources."""

    # --- groups, as iRODS has them: ACL entries name a group as they name a user, and a
    # group's members get what it is granted. The group "public" (everyone) is implicit:
    # no method lists, changes or removes it. Group and user names share one namespace.

    @abstractmethod
    def groups(self) -> dict[str, list[str]]:
        """Every group but public -> its members' names, sorted."""

    @abstractmethod
    def group_members(self, group: str) -> list[str]:
        """The members of `group`, sorted; NotFound for no such group."""

    @abstractmethod
    def groups_of(self, user: str) -> list[str]:
        """The groups `user` is in (public not named), sorted."""

    @abstractmethod
    def create_group(self, group: str) -> None:
        """AlreadyExists when a group or an account has that name."""

    @abstractmethod
    def remove_group(self, group: str) -> None:
        """Remove the group, its memberships and every ACL entry naming it (as iRODS'
        `iadmin rmgroup` does since 4.3.4). NotFound for no such group."""

    @abstractmethod
    def add_member(self, group: str, user: str) -> None:
        """Put `user` in `group` (nothing when already in it); NotFound for no such group
        or account. Takes effect at once for every session of `user`."""

    @abstractmethod
    def remove_member(self, group: str, user: str) -> None:
        """Take `user` out of `group`; NotFound when they are not in it. Takes effect at
        once for every session of `user`."""

