"""A session on the local backend: the icommands over the vault and the catalog.

Choices the interface leaves open, made here:
- Reading, checksumming or listing the wrong kind of node (a collection's bytes,
  a data object's children) is Conflict, as is writing over a collection.
- The zone root and `/<zone>/home` can be neither removed nor moved (PermissionDenied).
- Removing a collection needs `own` on it and `write` on its parent, as in iRODS.
- An overwrite (a forced write or copy) keeps the object's id, owner, ACLs and
  tickets; a forced copy also gives the target the source's AVUs, since they
  describe the content it now holds.
- A ticket's use is spent when a read starts, and when a write commits (in the
  same transaction), so an upload that fails does not spend one.

Every change is checked twice: once before any byte moves, to fail fast, and
again inside the write transaction, where nobody else can change the answer.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import BinaryIO, Iterable, Iterator

from backend.errors import (AlreadyExists, ChecksumMismatch, Conflict,
                            IncompleteTransfer, NotFound, PartChecksumMismatch,
                            PermissionDenied, ServiceUnavailable)
from backend.storage import checksums, paths, search
from backend.storage.accounts import EVERYONE, Directory
from backend.storage.checksums import PartDigest
from backend.storage.base import (AVU, COLLECTION, DATAOBJECT, DEFAULT_CHUNK_SIZE, AccessLevel,
                                  Info, Page, Storage, Ticket, check_offset,
                                  non_negative, read_arguments, sort_arguments)
from backend.storage.local import metadata, nodes, permissions
from backend.storage.local import search as local_search
from backend.storage.local.acls import LocalAclManager
from backend.storage.local.catalog import Catalog, now, to_db, translate_errors
from backend.storage.local.metadata import LocalMetadataManager
from backend.storage.local.nodes import Node
from backend.storage.local.tickets import LocalTicketManager
from backend.storage.local.vault import Vault, failures

READ, WRITE, OWN = AccessLevel.read, AccessLevel.write, AccessLevel.own
# The completing part of an upload at least this large gets the whole file hashed while it
# arrives (the completion then reads nothing again); smaller ones are hashed at completion.
WHOLE_HASH_MIN_SIZE = 8 * 1024 * 1024
# Opening a file the catalog names can race with an overwrite that unlinks it
# just after we read the row; re-reading the row a few times settles it.
OPEN_ATTEMPTS = 3


class LocalStorage(Storage):
    opens_real_files = True

    def __init__(self, zone: str, catalog: Catalog, vault: Vault, actor,
                 ticket: Ticket | None = None, directory: Directory = EVERYONE):
        self.zone = zone
        self.user = actor.user
        self.ticket = ticket
        self._catalog = catalog
        self._vault = vault
        self._actor = actor
        self._protected = (f"/{zone}", f"/{zone}/home")
        self.metadata = LocalMetadataManager(catalog, actor, self._path)
        self.acls = LocalAclManager(catalog, actor, self._path, directory)
        self.tickets = LocalTicketManager(catalog, actor, self._path)

    def _path(self, path: str) -> str:
        return paths.normalise(path, self.zone)

    def _collection_for(self, conn: sqlite3.Connection, path: str, *,
                        parents: bool) -> tuple[Node, list[str]]:
        """The collection at `path`, or its nearest existing ancestor and the missing
        paths below it (top-down) when `parents` allows creating them."""
        missing: list[str] = []
        current = path
        while (node := nodes.by_path(conn, current)) is None:
            missing.append(current)
            current = paths.parent(current)
            if current == "/":
                raise NotFound(f"/{self.zone} does not exist")
        if not node.is_collection:
            raise Conflict(f"{node.path} is a data object, not a collection")
        if missing and not parents:
            raise NotFound(f"collection {path} does not exist")
        missing.reverse()
        return node, missing

    def _create_collections(self, conn: sqlite3.Connection, parent: Node, missing: list[str],
                            owner: str) -> Node:
        moment = now()
        for path in missing:
            parent = nodes.create(conn, parent, paths.name(path), COLLECTION, owner, moment)
        return parent

    # --- reading ------------------------------------------------------------

    @translate_errors
    def stat(self, path: str) -> Info:
        path = self._path(path)
        conn = self._catalog.connection()
        node = nodes.existing(conn, path)
        self._actor.require(conn, node, READ, "read")
        return node.info()

    @translate_errors
    def list(self, path: str, *, offset: int = 0, limit: int = 100, after: str | None = None,
             sort: str = "name", descending: bool = False) -> Page:
        offset = non_negative("offset", offset)
        limit = non_negative("limit", limit, positive=True)
        sort, descending = sort_arguments(sort, descending, after)
        conn = self._catalog.connection()
        node, reader = self._listable(conn, path)
        # One row more than asked tells whether another page exists, without a COUNT.
        rows = nodes.children(conn, node, reader, offset=offset, limit=limit + 1, after=after,
                              sort=sort, descending=descending)
        return Page(items=[row.info() for row in rows[:limit]], offset=offset, limit=limit,
                    has_more=len(rows) > limit)

    @translate_errors
    def count_children(self, path: str) -> int:
        conn = self._catalog.connection()
        return nodes.count_children(conn, *self._listable(conn, path))

    def _listable(self, conn: sqlite3.Connection, path: str) -> tuple[Node, str]:
        """The collection at `path` and who reads it, when they may list it."""
        path = self._path(path)
        node = nodes.existing(conn, path)
        reader = self._actor.require(conn, node, READ, "list")
        if not node.is_collection:
            raise Conflict(f"{path} is a data object, not a collection: stat it instead")
        return node, reader

    def _open(self, conn: sqlite3.Connection, node: Node) -> tuple[Node, BinaryIO]:
        for _ in range(OPEN_ATTEMPTS):
            try:
                return node, self._vault.open(node.vault)
            except FileNotFoundError:
                # Overwritten or removed since we read the row: read it again.
                node = nodes.by_id(conn, node.id)
                if node is None or node.vault is None:
                    raise NotFound("the data object was removed as it was opened") from None
            except OSError as exc:
                raise ServiceUnavailable(f"the vault cannot open the data: {exc.strerror}") from exc
        raise ServiceUnavailable(f"the bytes of {node.path} are missing from the vault")

    def _readable_object(self, conn: sqlite3.Connection, path: str, action: str) -> Node:
        node = nodes.existing(conn, path)
        self._actor.require(conn, node, READ, action)
        if node.is_collection:
            raise Conflict(f"{path} is a collection, not a data object")
        return node

    @translate_errors
    def open(self, path: str) -> BinaryIO:
        return self._open_for_reading(self._path(path), offset=0)[1]

    @translate_errors
    def read_in_streaming(self, path: str, *, offset: int = 0, length: int | None = None,
                          chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        # A plain function returning a generator: every check (and the ticket use)
        # happens at call time, so an API can still answer 403/404/416 before it
        # starts a 200 response.
        offset, length, chunk_size = read_arguments(offset, length, chunk_size)
        node, stream = self._open_for_reading(self._path(path), offset)
        remaining = node.size - offset if length is None else min(length, node.size - offset)
        return self._chunks(stream, node, offset, remaining, chunk_size)

    def _open_for_reading(self, path: str, offset: int) -> tuple[Node, BinaryIO]:
        """Check access and the offset, spend a ticket use, and open the vault file."""
        conn = self._catalog.connection()
        node, stream = self._open(conn, self._readable_object(conn, path, "read"))
        try:
            check_offset(offset, node.size, path)
            self._actor.consume(conn)
        except BaseException:
            stream.close()
            raise
        return node, stream

    @staticmethod
    def _chunks(stream: BinaryIO, node: Node, offset: int, remaining: int,
                chunk_size: int) -> Iterator[bytes]:
        with stream:
            if offset:
                stream.seek(offset)
            while remaining > 0:
                with failures("read the data"):
                    block = stream.read(min(chunk_size, remaining))
                if not block:
                    # Never hand out a silently truncated object.
                    raise ServiceUnavailable(f"the vault holds fewer bytes of {node.path}"
                                             " than the catalog records")
                remaining -= len(block)
                yield block

    @translate_errors
    def checksum(self, path: str, *, verify: bool = False) -> str:
        path = self._path(path)
        conn = self._catalog.connection()
        node = self._readable_object(conn, path, "read the checksum of")
        if not verify:
            return node.checksum
        node, stream = self._open(conn, node)
        with stream, failures("read the data"):
            actual = checksums.format_sha256(self._vault.sha256(stream))
        if actual != node.checksum:
            raise ChecksumMismatch(f"{path}: the catalog records {node.checksum}"
                                   f" but the stored bytes hash to {actual}")
        return node.checksum

    @translate_errors
    def touch(self, path: str, *, modified: datetime | None = None, create: bool = True) -> Info:
        self._actor.require_user("touch")
        path = self._path(path)
        if create and nodes.by_path(self._catalog.connection(), path) is None:
            try:
                created = self.write_in_streaming(path, [], size=0)
            except AlreadyExists:
                created = None  # someone else created it meanwhile: touch theirs
            if created is not None and modified is None:
                return created
        with self._catalog.transaction() as conn:
            node = nodes.existing(conn, path)
            self._actor.require(conn, node, WRITE, "touch")
            conn.execute("UPDATE nodes SET modified = ? WHERE id = ?",
                         (to_db(modified or now()), node.id))
            return nodes.by_id(conn, node.id).info()

    def apply_metadata(self, path: str, operations: list[tuple[str, AVU]]) -> list[AVU]:
        return self.metadata.apply(path, operations)

    @translate_errors
    def check_subtree(self, path: str, level: AccessLevel = READ) -> None:
        user = self._actor.require_user("check a whole tree")
        path = self._path(path)
        conn = self._catalog.connection()
        node = nodes.existing(conn, path)
        self._actor.require(conn, node, level, "access")
        if node.is_collection:
            permissions.require_subtree(conn, path, user, level, "access all of")

    @translate_errors
    def owned_bytes(self, owner: str) -> int:
        return nodes.owned_bytes(self._catalog.connection(), owner)

    @translate_errors
    def search(self, query, *, after: str | None = None, limit: int = 100) -> Page:
        query, after = search.check_page(query, after, limit, self.zone)
        reader = self._actor.require_user("search")
        # One row more than asked tells whether another page exists, without a count.
        rows = local_search.search(self._catalog.connection(), query, reader, after=after,
                                   limit=limit + 1)
        return Page(items=[row.info() for row in rows[:limit]], limit=limit,
                    has_more=len(rows) > limit)

    # --- writing ------------------------------------------------------------

    @translate_errors
    def mkdir(self, path: str, *, parents: bool = False) -> Info:
        user = self._actor.require_user("create collections")
        path = self._path(path)
        with self._catalog.transaction() as conn:
            node = nodes.by_path(conn, path)
            if node is not None:
                if parents and node.is_collection:
                    self._actor.require(conn, node, READ, "read")
                    return node.info()
                raise AlreadyExists(f"{path} already exists")
            parent, missing = self._collection_for(conn, paths.parent(path), parents=parents)
            self._actor.require(conn, parent, WRITE, "create a collection in")
            return self._create_collections(conn, parent, missing + [path], user).info()

    def _plan_write(self, conn: sqlite3.Connection, path: str, *, force: bool,
                    parents: bool) -> tuple[Node | None, Node | None, list[str], str]:
        """(object to overwrite, or parent collection and missing collections; new owner)."""
        node = nodes.by_path(conn, path)
        if node is not None:
            if node.is_collection:
                raise Conflict(f"{path} is a collection")
            if not force:
                raise AlreadyExists(f"{path} already exists")
            return node, None, [], self._actor.require(conn, node, WRITE, "overwrite")
        parent, missing = self._collection_for(conn, paths.parent(path), parents=parents)
        owner = self._actor.require(conn, parent, WRITE, "write into")
        if missing:
            self._actor.require_user("create collections")
        return None, parent, missing, owner

    @translate_errors
    def write_in_streaming(self, path: str, chunks: Iterable[bytes], *, force: bool = False,
                           parents: bool = False, checksum: str | None = None,
                           size: int | None = None) -> Info:
        path = self._path(path)
        expected = checksums.parse(checksum) if checksum is not None else None
        if size is not None:
            size = non_negative("size", size)
        # Fail fast, before reading a byte from the client.
        self._plan_write(self._catalog.connection(), path, force=force, parents=parents)
        if size is not None:
            self._vault.require_room(size)

        temp, received, digest = self._vault.receive(chunks, limit=size)
        try:
            return self._store(path, temp, received, digest, force=force, parents=parents,
                               expected=expected, size=size)
        finally:
            temp.unlink(missing_ok=True)

    def _store(self, path: str, temp, received: int, digest: bytes, *, force: bool,
               parents: bool, expected: bytes | None, size: int | None) -> Info:
        """Make the file `temp` (received bytes, their sha256) the data object at `path`.
        On failure `temp` is left where it was (removed or kept by the caller)."""
        if size is not None and received != size:
            raise IncompleteTransfer(f"received {received} of the announced {size} bytes")
        if expected is not None and digest != expected:
            raise ChecksumMismatch(
                f"the data hash to {checksums.format_sha256(digest)},"
                f" not to the announced {checksums.format_sha256(expected)}")
        stored = None
        try:
            with self._catalog.transaction() as conn:
                old, parent, missing, owner = self._plan_write(conn, path, force=force,
                                                               parents=parents)
                self._actor.consume(conn)
                stored = self._vault.install(temp)
                fields = {"size": received, "checksum": checksums.format_sha256(digest),
                          "vault": stored}
                if old is not None:
                    node = nodes.update_content(conn, old, moment=now(), **fields)
                else:
                    parent = self._create_collections(conn, parent, missing, owner)
                    node = nodes.create(conn, parent, paths.name(path), DATAOBJECT, owner,
                                        now(), **fields)
        except BaseException:
            if stored:
                self._vault.discard(stored)
            raise
        if old is not None:
            # Only now that the catalog names the new file may the old one go.
            self._vault.discard(old.vault)
        return node.info()

    # --- resumable uploads ----------------------------------------------------------

    @translate_errors
    def write_partial(self, path: str, upload: str, chunks: Iterable[bytes], *, offset: int,
                      parents: bool = False, digest: PartDigest | None = None,
                      length: int | None = None, completes: bool = False) -> int:
        path = self._path(path)
        offset = non_negative("offset", offset)
        conn = self._catalog.connection()
        if parents and offset == 0:
            self._parents_for(path)
        # Overwriting is decided at completion: here only the right to write there.
        self._plan_write(conn, path, force=True, parents=False)
        # A part that should complete the object gets the whole file hashed while it arrives.
        whole = completes and offset + (length or 0) >= WHOLE_HASH_MIN_SIZE
        if digest is None:
            return self._vault.append(upload, chunks, offset, hash_whole=whole)
        size = self._vault.append(upload, digest.passing(chunks), offset, hash_whole=whole)
        if not digest.matches():
            self._vault.cut(upload, offset)
            raise PartChecksumMismatch(f"the bytes sent do not match their {digest.algorithm} "
                                       f"checksum: none of them was kept")
        return size

    def _parents_for(self, path: str) -> None:
        parent = paths.parent(path)
        if not self.exists(parent):
            self.mkdir(parent, parents=True)

    @translate_errors
    def partial_size(self, path: str, upload: str) -> int | None:
        try:
            return self._vault.partial_path(upload).stat().st_size
        except FileNotFoundError:
            return None

    @translate_errors
    def complete_partial(self, path: str, upload: str, *, force: bool = False,
                         checksum: str | None = None, size: int | None = None) -> Info:
        path = self._path(path)
        expected = checksums.parse(checksum) if checksum is not None else None
        partial = self._vault.partial_path(upload)
        self._plan_write(self._catalog.connection(), path, force=force, parents=False)
        with failures("read the upload"):
            received = partial.stat().st_size
            digest = self._vault.whole_digest(upload, received)
            if digest is None:
                with partial.open("rb", buffering=0) as stream:
                    digest = self._vault.sha256(stream)
        return self._store(path, partial, received, digest, force=force, parents=False,
                           expected=expected, size=size)

    @translate_errors
    def discard_partial(self, path: str, upload: str) -> None:
        self._vault.discard(self._vault.partial_path(upload))

    # --- copy, move, remove ---------------------------------------------------

    def _plan_copy(self, conn: sqlite3.Connection, src: str, dst: str, user: str, *,
                   force: bool) -> tuple[Node, Node | None, Node | None]:
        """(source, parent of a new target, or the object to overwrite)."""
        source = nodes.existing(conn, src)
        if source.is_collection:
            permissions.require_subtree(conn, src, user, READ, "copy")
        else:
            self._actor.require(conn, source, READ, "copy")
        target = nodes.by_path(conn, dst)
        if target is not None:
            if not force or source.is_collection:
                raise AlreadyExists(f"{dst} already exists")
            if target.is_collection:
                raise Conflict(f"{dst} is a collection")
            self._actor.require(conn, target, WRITE, "overwrite")
            return source, None, target
        parent, _ = self._collection_for(conn, paths.parent(dst), parents=False)
        self._actor.require(conn, parent, WRITE, "copy into")
        return source, parent, None

    @translate_errors
    def copy(self, src: str, dst: str, *, force: bool = False) -> Info:
        user = self._actor.require_user("copy")
        src, dst = self._path(src), self._path(dst)
        if paths.is_within(dst, src):
            raise Conflict(f"cannot copy {src} into itself")
        conn = self._catalog.connection()
        self._plan_copy(conn, src, dst, user, force=force)
        tree = nodes.subtree(conn, src)
        # Bytes are copied outside the transaction (it would block every writer
        # meanwhile); the transaction then checks the source did not change.
        temps = {}
        installed: list[str] = []
        try:
            for node in tree:
                if node.vault is not None:
                    temps[node.id] = self._vault.copy_to_temp(node.vault)
            with self._catalog.transaction() as conn:
                source, parent, old = self._plan_copy(conn, src, dst, user, force=force)
                current = [(node.id, node.path, node.vault) for node in nodes.subtree(conn, src)]
                if current != [(node.id, node.path, node.vault) for node in tree]:
                    raise Conflict(f"{src} changed during the copy: try again")
                copies: dict[int, Node] = {}
                moment = now()
                for node in tree:  # parents come before their children
                    stored = None
                    if node.vault is not None:
                        stored = self._vault.install(temps.pop(node.id))
                        installed.append(stored)
                    fields = {"size": node.size, "checksum": node.checksum, "vault": stored}
                    if node.id == source.id and old is not None:
                        duplicate = nodes.update_content(conn, old, moment=moment, **fields)
                    elif node.id == source.id:
                        duplicate = nodes.create(conn, parent, paths.name(dst), node.type, user,
                                                 moment, **fields)
                    else:
                        duplicate = nodes.create(conn, copies[node.parent_id], node.name,
                                                 node.type, user, moment, **fields)
                    metadata.copy_all(conn, node.id, duplicate.id)
                    copies[node.id] = duplicate
        except BaseException:
            self._vault.discard(*temps.values(), *installed)
            raise
        if old is not None:
            self._vault.discard(old.vault)
        return copies[source.id].info()

    def _refuse_protected(self, path: str, action: str) -> None:
        if path in self._protected:
            raise PermissionDenied(f"{path} cannot be {action}")

    @translate_errors
    def move(self, src: str, dst: str) -> Info:
        self._actor.require_user("move")
        src, dst = self._path(src), self._path(dst)
        self._refuse_protected(src, "moved")
        if dst != src and paths.is_within(dst, src):
            raise Conflict(f"cannot move {src} into itself")
        with self._catalog.transaction() as conn:
            source = nodes.existing(conn, src)
            self._actor.require(conn, source, OWN, "move")
            if nodes.by_path(conn, dst) is not None:
                raise AlreadyExists(f"{dst} already exists")
            parent, _ = self._collection_for(conn, paths.parent(dst), parents=False)
            self._actor.require(conn, parent, WRITE, "move into")
            nodes.rename(conn, source, parent, paths.name(dst))
            return nodes.by_id(conn, source.id).info()

    @translate_errors
    def remove(self, path: str, *, recursive: bool = False) -> None:
        user = self._actor.require_user("remove")
        path = self._path(path)
        self._refuse_protected(path, "removed")
        with self._catalog.transaction() as conn:
            node = nodes.existing(conn, path)
            self._actor.require(conn, node, OWN, "remove")
            if node.is_collection:
                # As iRODS: a collection goes only if its remover may also write its parent.
                self._actor.require(conn, nodes.existing(conn, paths.parent(path)), WRITE,
                                    f"remove {path} from")
            if node.is_collection and nodes.has_children(conn, node):
                if not recursive:
                    raise Conflict(f"{path} is not empty")
                permissions.require_subtree(conn, path, user, OWN, "remove")
            stored = nodes.delete_subtree(conn, path)
        # After the commit: until then the catalog still named these files.
        self._vault.discard(*stored)
