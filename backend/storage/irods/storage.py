"""A session on the irods backend: the storage interface over python-irodsclient.

iRODS checks every data operation itself; we check again before any byte
moves, so a refused upload fails before its body is read, and so listings and
stats (GenQuery, which iRODS does not filter by ACL unless in STRICT mode) show
only what the user may read. Semantics follow the local backend's (see
backend/storage/local/storage.py): remove and move need `own`, overwrite needs
`write`, the zone root and home root can be neither removed nor moved.

Uploads go to a hidden temporary object beside the target and become visible
only once complete and checksummed by iRODS: renamed into place when new,
copied over the old object when forced (which keeps its ACLs and AVUs, as
`iput -f` does).
"""

from __future__ import annotations

import contextlib
import time
import uuid
import weakref
from datetime import datetime, timezone
from typing import BinaryIO, Iterable, Iterator

import irods.keywords as kw

from backend.errors import (AlreadyExists, ChecksumMismatch, Conflict, IncompleteTransfer,
                            NotFound, PartChecksumMismatch, PermissionDenied)
from backend.storage import checksums, paths
from backend.storage.base import (AVU, COLLECTION, DATAOBJECT, DEFAULT_CHUNK_SIZE, AccessLevel,
                                  Info, Page, Storage, Ticket, check_offset, is_upload_id,
                                  non_negative, read_arguments, sort_arguments)
from backend.storage.accounts import ANONYMOUS
from backend.storage.checksums import PartDigest
from backend.storage.irods import connect, queries, transfer
from backend.storage.irods import search as irods_search
from backend.storage.search import check_page
from backend.storage.irods.errors import (ConnectionLost, SourceFailed, raise_typed, retried,
                                          translate, translated)

READ, WRITE, OWN = AccessLevel.read, AccessLevel.write, AccessLevel.own
UPLOAD_PREFIX = ".rapydo-upload."
READER_IDS_TTL = 30.0  # seconds a session trusts the user's group memberships it looked up


class IrodsStorage(Storage):
    def __init__(self, backend, key: tuple, factory, user: str | None, ticket: Ticket | None = None):
        from backend.storage.irods.managers import (IrodsAclManager, IrodsMetadataManager,
                                                    IrodsTicketManager)

        self.zone = backend.zone
        self.user = user
        self.ticket = ticket
        self._backend = backend
        self._key = key
        self._factory = factory
        self._protected = (f"/{self.zone}", f"/{self.zone}/home")
        self.metadata = IrodsMetadataManager(self)
        self.acls = IrodsAclManager(self)
        self.tickets = IrodsTicketManager(self)

    # --- helpers shared with the managers ---------------------------------------

    @property
    def _entry(self):
        """This identity's pooled session, opened again if a lost connection dropped it."""
        return self._backend.pool_entry(self._key, self._factory)

    @property
    def irods(self):
        """The PRC session, for callers that need iRODS itself."""
        return self._entry.session

    def _connection_lost(self) -> None:
        self._backend.pool.drop(self._key)

    def _path(self, path: str) -> str:
        path = paths.normalise(path, self.zone)
        if self.ticket is not None and not paths.is_within(path, self.ticket.path):
            # iRODS would only say "not found" (GenQuery hides the rest): be plain.
            raise PermissionDenied(f"the ticket grants access to {self.ticket.path} only")
        return path

    @property
    def _reader_ids(self) -> set[str] | None:
        """Ids whose ACL entries count for this session; None: let iRODS decide (tickets).

        Kept READER_IDS_TTL seconds: a user added to a group outside the API (or
        `anonymous` to `public`) gets its rights within that time, not at the pooled
        session's end. Changes made through the backend (groups.py) count at once, in
        every process: they change the backend's membership stamp."""
        if self.ticket is not None:
            return None
        stamp = self._backend.memberships.stamp()
        cached = self._entry.cache.get("reader_ids")
        if cached is None or cached[1] != stamp or time.monotonic() - cached[0] > READER_IDS_TTL:
            cached = (time.monotonic(), stamp, queries.reader_ids(self._catalog, self.user))
            self._entry.cache["reader_ids"] = cached
        return cached[2]

    @property
    def _catalog(self):
        """The session that reads the catalog for this one: the service account's when there is
        one, since every query here carries this user's ACL condition itself. The user's own
        session would add iRODS' filter on the parent collection's ACL: a user could not reach
        an object shared with them in a collection they may not read, nor stat the zone or
        /zone/home, which iRODS lets nobody but administrators query. A ticket session queries
        as itself: iRODS confines it to what the ticket grants."""
        if self.ticket is None:
            catalog = self._backend.catalog_session()
            if catalog is not None:
                return catalog
        return self.irods

    def _require(self, path: str, level: AccessLevel, action: str) -> Info:
        """The Info of `path` if this session holds `level` on it; else PermissionDenied or NotFound."""
        if self.ticket is not None and level > READ and self.ticket.type != "write":
            raise PermissionDenied(f"a read ticket does not allow to {action} {path}")
        # The zone and home roots are readable by everyone, as in any iRODS zone
        # (their ACLs vary between installations: some grant public read, some do not).
        everyone = level == READ and path in self._protected and self.ticket is None
        info = queries.find(self._catalog, path, None if everyone else self._reader_ids,
                            READ if self.ticket is not None else level)
        if info is not None:
            return info
        if self.ticket is None and self._existing(path) is not None:
            raise PermissionDenied(f"{self.user} may not {action} {path}")
        raise NotFound(f"{path} does not exist")

    def _account_exists(self, name: str) -> bool:
        """Whether iRODS knows a user or group of that name in this zone."""
        return queries.account_exists(self._catalog, name, self.zone)

    def _require_user(self, action: str) -> str:
        if self.user is None:
            raise PermissionDenied(f"a ticket does not allow to {action}")
        return self.user

    def _existing(self, path: str) -> Info | None:
        """What is at `path`, whoever may read it: iRODS hides data objects a user may not
        read, so the service account looks (telling 403 from 404, as the local backend does)."""
        return queries.find(self._backend.catalog_session() or self.irods, path)

    def _collection(self, path: str, level: AccessLevel, action: str) -> Info:
        info = self._require(path, level, action)
        if info.type != COLLECTION:
            raise Conflict(f"{path} is a data object, not a collection")
        return info

    def _dataobject(self, path: str, level: AccessLevel, action: str) -> Info:
        info = self._require(path, level, action)
        if info.type != DATAOBJECT:
            raise Conflict(f"{path} is a collection, not a data object")
        return info

    @property
    def _settings(self):
        return self._backend.settings

    def _write_options(self) -> dict:
        resource = self._settings.irods_default_resource
        return {kw.DEST_RESC_NAME_KW: resource} if resource else {}

    # --- reading ---------------------------------------------------------------

    @retried
    def stat(self, path: str) -> Info:
        return self._require(self._path(path), READ, "read")

    @retried
    def list(self, path: str, *, offset: int = 0, limit: int = 100, after: str | None = None,
             sort: str = "name", descending: bool = False) -> Page:
        offset = non_negative("offset", offset)
        limit = non_negative("limit", limit, positive=True)
        sort, descending = sort_arguments(sort, descending, after)
        path = self._path(path)
        info = self._require(path, READ, "list")
        if info.type != COLLECTION:
            raise Conflict(f"{path} is a data object, not a collection: stat it instead")
        # One row more than asked tells whether another page exists, without a count.
        rows = [row for row in queries.children(self._catalog, path, self._reader_ids, after=after,
                                                count=offset + limit + 1, sort=sort,
                                                descending=descending)
                if not row.name.startswith(UPLOAD_PREFIX)]
        home = self._protected[1]
        continues = after is None or (after > paths.name(home) if descending
                                      else after < paths.name(home))
        if path == self._protected[0] and self._reader_ids is not None and continues \
                and home not in {r.path for r in rows}:
            # /zone/home is readable by everyone here, whatever its ACL says in this zone.
            rows = queries.in_order(rows + [self._require(home, READ, "list")], sort, descending)
            rows = rows[:offset + limit + 1]
        return Page(items=rows[offset:offset + limit], offset=offset, limit=limit,
                    has_more=len(rows) > offset + limit)

    @retried
    def read_in_streaming(self, path: str, *, offset: int = 0, length: int | None = None,
                          chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        offset, length, chunk_size = read_arguments(offset, length, chunk_size)
        path = self._path(path)
        info = self._dataobject(path, READ, "read")
        check_offset(offset, info.size, path)
        remaining = info.size - offset if length is None else min(length, info.size - offset)
        session = self._transfer_session()
        chunks = transfer.read(session, path, offset=offset, length=remaining,
                               chunk_size=chunk_size, threads=self._transfer_threads,
                               min_size=self._settings.irods_parallel_min_size)
        return self._translated_chunks(chunks, path, session)

    def _translated_chunks(self, chunks: Iterator[bytes], path: str, session) -> Iterator[bytes]:
        try:
            yield from chunks
        except Exception as exc:
            raise_typed(self, exc, path)
        finally:
            self._transfer_done(session)

    # iRODS charges a ticket one use per connection (at its first open there), not per
    # open: on the pooled ticket session every transfer after the first would be free.
    # So each transfer under a ticket gets a connection of its own, closed with it, and
    # is not striped (each stripe is a connection, and would cost a use).

    def _transfer_session(self):
        """The PRC session a data transfer uses: the pooled one, or under a ticket a new one."""
        return self.irods if self.ticket is None else self._factory()

    def _transfer_done(self, session) -> None:
        if self.ticket is not None:
            connect.close_quietly(session)

    @property
    def _transfer_threads(self) -> int:
        return 1 if self.ticket is not None else self._settings.irods_parallel_threads

    @retried
    def open(self, path: str) -> BinaryIO:
        path = self._path(path)
        self._dataobject(path, READ, "read")
        session = self._transfer_session()
        try:
            stream = session.data_objects.open(path, "r")
        except BaseException:
            self._transfer_done(session)
            raise
        if self.ticket is not None:  # its own connection goes with the file object
            weakref.finalize(stream, connect.close_quietly, session)
        return stream

    # --- writing -----------------------------------------------------------------

    def _plan_write(self, path: str, *, force: bool, parents: bool) -> tuple[Info | None, str]:
        """(the object to overwrite or None, the parent collection), checked before any byte."""
        existing = self._existing(path)
        if existing is not None:
            if existing.type == COLLECTION:
                raise Conflict(f"{path} is a collection")
            if not force:
                raise AlreadyExists(f"{path} already exists (use force to overwrite)")
            self._require(path, WRITE, "overwrite")
            return existing, paths.parent(path)
        parent = paths.parent(path)
        parent_info = self._existing(parent)
        if parent_info is None:
            if not parents:
                raise NotFound(f"collection {parent} does not exist")
            self.mkdir(parent, parents=True)
        elif parent_info.type != COLLECTION:
            raise Conflict(f"{parent} is a data object, not a collection")
        else:
            self._require(parent, WRITE, "write into")
        return None, parent

    @translated
    def write_in_streaming(self, path: str, chunks: Iterable[bytes], *, force: bool = False,
                           parents: bool = False, checksum: str | None = None,
                           size: int | None = None) -> Info:
        path = self._path(path)
        expected = checksums.parse(checksum) if checksum else None
        if size is not None:
            size = non_negative("size", size)
        old, parent = self._plan_write(path, force=force, parents=parents)
        keeper = self._keeper()
        temp = paths.join(parent, f"{UPLOAD_PREFIX}{uuid.uuid4().hex}")
        if keeper is None or (self.ticket is not None
                              and not paths.is_within(temp, self.ticket.path)):
            # Nobody may rename for us, or a ticket on the data object itself (iRODS
            # lets it touch nothing beside it): the upload can only go in place.
            temp, keeper = path, keeper or self.irods
        session = self._transfer_session()
        try:
            received = transfer.write(
                session, temp, chunks, size=size, threads=self._transfer_threads,
                min_size=self._settings.irods_parallel_min_size, options=self._write_options())
            if size is not None and received != size:
                raise IncompleteTransfer(f"received {received} of the {size} bytes announced")
            self._settle(temp, path, old, keeper, expected)
        except BaseException:
            if temp != path:
                self._discard(keeper, temp)
            raise
        finally:
            self._transfer_done(session)
        return self._existing(path)

    def _settle(self, temp: str, path: str, old: Info | None, keeper, expected) -> None:
        """Make the complete temporary object `temp` the object at `path` (`temp` itself
        when written in place): checksummed by iRODS, compared with `expected`, renamed
        into place, or copied over `old`."""
        settle = self._adopt(temp) if temp != path or old is None else None
        # iRODS computes and registers the checksum from the bytes it stored, so
        # comparing with the client's covers the whole way (HTTP, us, iRODS), and
        # we spend no CPU hashing them a second time.
        stored = keeper.data_objects.chksum(temp)
        if expected is not None and checksums.parse(stored) != expected:
            raise ChecksumMismatch(f"the data has checksum {stored}, not the announced "
                                   f"{checksums.format_sha256(expected)}")
        if temp == path:
            pass
        elif old is not None or self.ticket is not None:
            # Over an existing object (keeping its ACLs and AVUs, as `iput -f`), or
            # made through a ticket: the copy is the keeper's, as if they uploaded it
            # (iRODS would keep `anonymous` as the creator of a renamed object).
            self._copy_object(temp, path, by=keeper, force=True)
            self._discard(keeper, temp)
        else:
            keeper.data_objects.move(temp, path)
        if settle is not None:
            settle(path)

    # --- resumable uploads: the partial object is a hidden object beside the target ---

    def _partial(self, path: str, upload: str) -> str:
        if not is_upload_id(upload):
            raise ValueError(f"invalid upload id {upload!r}")
        return paths.join(paths.parent(path), f"{UPLOAD_PREFIX}{upload}")

    @translated
    def write_partial(self, path: str, upload: str, chunks: Iterable[bytes], *, offset: int,
                      parents: bool = False, digest: PartDigest | None = None,
                      length: int | None = None, completes: bool = False) -> int:
        path = self._path(path)
        offset = non_negative("offset", offset)
        self._require_user("upload")
        if parents and offset == 0 and self._existing(paths.parent(path)) is None:
            self.mkdir(paths.parent(path), parents=True)
        # Overwriting is decided at completion: here only the right to write there.
        self._plan_write(path, force=True, parents=False)
        temp = self._partial(path, upload)
        try:
            size = offset + transfer.write(
                self.irods, temp, chunks if digest is None else digest.passing(chunks), size=length,
                threads=self._transfer_threads, min_size=self._settings.irods_parallel_min_size,
                options=self._write_options(), append_at=offset)
        except transfer.OffsetMismatch as mismatch:
            raise Conflict(f"the upload holds {mismatch.size} bytes, not {offset}") from None
        except SourceFailed:
            raise  # the client went away: every piece handed to a stripe was written, in order
        except Exception:
            # iRODS failed under one stripe while others went on: bytes beyond a hole. Keep
            # only what the upload held before this part (the client sends it again).
            with contextlib.suppress(Exception):
                self.irods.data_objects.truncate(temp, offset)
            raise
        if digest is not None and not digest.matches():
            self.irods.data_objects.truncate(temp, offset)
            raise PartChecksumMismatch(f"the bytes sent do not match their {digest.algorithm} "
                                       f"checksum: none of them was kept")
        return size

    @retried
    def partial_size(self, path: str, upload: str) -> int | None:
        partial = self._existing(self._partial(self._path(path), upload))
        return None if partial is None else partial.size

    @translated
    def complete_partial(self, path: str, upload: str, *, force: bool = False,
                         checksum: str | None = None, size: int | None = None) -> Info:
        path = self._path(path)
        expected = checksums.parse(checksum) if checksum else None
        old, _ = self._plan_write(path, force=force, parents=False)
        temp = self._partial(path, upload)
        partial = self._existing(temp)
        if partial is None:
            raise NotFound("the upload has no data")
        if size is not None and partial.size != size:
            raise IncompleteTransfer(f"the upload holds {partial.size} of its {size} bytes")
        self._settle(temp, path, old, self.irods, expected)
        return self._existing(path)

    @translated
    def discard_partial(self, path: str, upload: str) -> None:
        temp = self._partial(self._path(path), upload)
        if self._existing(temp) is not None:
            self._discard(self.irods, temp)

    def _keeper(self):
        """The PRC session that checksums, renames and discards an upload's temporary object.

        A ticket lets iRODS open and write, nothing more; in proxy mode the ticket's
        owner does the rest (the ticket already proved they allow this upload).
        """
        if self.ticket is None:
            return self.irods
        if (self._settings.irods_session_mode == "proxy"
                and self._backend.catalog_session() is not None):
            return self._backend.session(self.ticket.owner).irods
        return None

    def _adopt(self, temp: str):
        """Make the uploader own the new temporary object, when iRODS did not; return the
        function that gives the stored object its final ACL, or None when nothing was changed.

        iRODS registers a new object with its creator as owner, unless the collection has
        inheritance on: then it gets the collection's ACL and nothing else, so a user who may
        write there (and not own) cannot rename the object into place, nor remove it. Through
        a write ticket the creator is `anonymous`, whom nobody may follow. In both cases the
        service account (a rodsadmin, `ichmod -M`) lends `own` to the uploader or to the
        ticket's owner (who keeps what is put in what they shared), then:
        - uploaded by a user: the object ends with the ACL iRODS gave it, as after `iput`;
        - through a ticket: the keeper copies it into place, so the copy is theirs; written
          in place (no keeper), `anonymous` loses its entry and the ticket's owner owns it.
        """
        adopter = self._uploader
        catalog = self._backend.catalog_session()
        if adopter is None or (self.ticket is None and catalog is not None and queries.find(
                catalog, temp, self._reader_ids, OWN) is not None):
            return None
        if catalog is None:
            if self.ticket is None:
                return None  # let iRODS refuse what it refuses: no one can do better
            raise PermissionDenied("uploads through a ticket need the service account "
                                   "(IRODS_PASSWORD) to give the ticket's owner what is uploaded")
        given = self.acls._entries(catalog, temp)
        self.acls._grant(catalog, temp, adopter, "own")

        def settle(path: str) -> None:
            if self.ticket is not None:
                if path == temp:
                    self.acls._grant(catalog, path, ANONYMOUS, "null")
            else:
                self.acls._grant(catalog, path, adopter, given.get(adopter, "null"))

        return settle

    @property
    def _uploader(self) -> str | None:
        """Who an upload of this session is for: the user, or the ticket's owner."""
        return self.ticket.owner if self.ticket is not None else self.user

    def _discard(self, keeper, temp: str) -> None:
        try:
            try:
                keeper.data_objects.unlink(temp, force=True)
            except Exception as exc:
                catalog = self._backend.catalog_session()
                if not isinstance(translate(exc), PermissionDenied) or catalog is None:
                    raise
                # Not theirs to remove (inherited ACL, or made through a ticket): the
                # service account lends them `own` on it first.
                self.acls._grant(catalog, temp, self._uploader, "own")
                keeper.data_objects.unlink(temp, force=True)
        except Exception as exc:
            if isinstance(translate(exc), ConnectionLost):
                # iRODS is away: try again when it is back, as the one who made it.
                self._backend.discard_later(temp, self._uploader)

    @translated
    def mkdir(self, path: str, *, parents: bool = False) -> Info:
        self._require_user("create collections")
        path = self._path(path)
        existing = self._existing(path)
        if existing is not None:
            if parents and existing.type == COLLECTION:
                return self._require(path, READ, "read")
            raise AlreadyExists(f"{path} already exists")
        parent = paths.parent(path)
        ancestor = parent
        while (found := self._existing(ancestor)) is None:
            if not parents:
                raise NotFound(f"collection {parent} does not exist")
            ancestor = paths.parent(ancestor)
        if found.type != COLLECTION:
            raise Conflict(f"{ancestor} is a data object, not a collection")
        self._require(ancestor, WRITE, "create collections in")
        self.irods.collections.create(path, recurse=parents)
        return self._existing(path)

    # --- copy, move, remove ------------------------------------------------------------

    @translated
    def copy(self, src: str, dst: str, *, force: bool = False) -> Info:
        self._require_user("copy")
        src, dst = self._path(src), self._path(dst)
        if paths.is_within(dst, src):
            raise Conflict(f"cannot copy {src} into itself")
        source = self._require(src, READ, "copy")
        target = self._existing(dst)
        if target is not None:
            if not force or source.type == COLLECTION:
                raise AlreadyExists(f"{dst} already exists")
            if target.type == COLLECTION:
                raise Conflict(f"{dst} is a collection")
            self._require(dst, WRITE, "overwrite")
        else:
            self._collection(paths.parent(dst), WRITE, "copy into")
        if source.type == DATAOBJECT:
            self._copy_object(src, dst, force=target is not None)
            if target is not None:
                for avu in self.metadata.get(dst):
                    self.metadata.remove(dst, avu)
            self._copy_metadata(src, dst)
        else:
            self._require_subtree(src, READ, "copy")
            self._copy_collection(src, dst)
        return self._existing(dst)

    def _copy_collection(self, src: str, dst: str) -> None:
        # iRODS has no server-side collection copy (icp -r walks the tree too).
        self.irods.collections.create(dst)
        self._copy_metadata(src, dst)
        after = None
        while True:
            batch = queries.children(self._catalog, src, self._reader_ids, after=after, count=500)
            for child in batch:
                target = paths.join(dst, child.name)
                if child.type == COLLECTION:
                    self._copy_collection(child.path, target)
                else:
                    self._copy_object(child.path, target)
                    self._copy_metadata(child.path, target)
            if len(batch) < 500:
                return
            after = batch[-1].name

    def _copy_object(self, src: str, dst: str, *, by=None, force: bool = False) -> None:
        """A server-side copy (by this session, or by the PRC session `by`), its checksum
        registered: iRODS registers none on a copy unless asked (icp -k), and without it the
        copy would be served with none and its provenance record would lack one."""
        options = {kw.REG_CHKSUM_KW: ""}
        if force:
            options[kw.FORCE_FLAG_KW] = ""
        (by or self.irods).data_objects.copy(src, dst, **options)

    def _require_subtree(self, path: str, level: AccessLevel, action: str) -> None:
        """All or nothing: one node below `path` without `level` refuses the whole action."""
        everything = queries.subtree(self._backend.catalog_session() or self.irods, path)
        allowed = queries.subtree(self._catalog, path, self._reader_ids, level)
        if everything - allowed:
            raise PermissionDenied(f"{self.user} may not {action} all of {path}")

    def _copy_metadata(self, src: str, dst: str) -> None:
        # iRODS copies bytes, not AVUs; our copies carry them (they describe the content).
        for avu in self.metadata.get(src):
            self.metadata.add(dst, avu)

    def _refuse_protected(self, path: str, action: str) -> None:
        if path in self._protected:
            raise PermissionDenied(f"{path} cannot be {action}")

    @translated
    def move(self, src: str, dst: str) -> Info:
        self._require_user("move")
        src, dst = self._path(src), self._path(dst)
        self._refuse_protected(src, "moved")
        if dst != src and paths.is_within(dst, src):
            raise Conflict(f"cannot move {src} into itself")
        source = self._require(src, OWN, "move")
        if self._existing(dst) is not None:
            raise AlreadyExists(f"{dst} already exists")
        self._collection(paths.parent(dst), WRITE, "move into")
        manager = self.irods.collections if source.type == COLLECTION else self.irods.data_objects
        manager.move(src, dst)
        return self._existing(dst)

    @translated
    def remove(self, path: str, *, recursive: bool = False) -> None:
        self._require_user("remove")
        path = self._path(path)
        self._refuse_protected(path, "removed")
        node = self._require(path, OWN, "remove")
        # Inside the trash a removal is final, as `irm` there and `irmtrash` intend: without
        # forceFlag iRODS would move it to a trash of the trash (or refuse with
        # CAT_RECURSIVE_MOVE for a collection of one's own trash).
        final = not self._settings.irods_use_trash or paths.is_within(path, f"/{self.zone}/trash")
        if node.type == DATAOBJECT:
            self.irods.data_objects.unlink(path, force=final)
            return
        # iRODS unregisters a collection after its children, and only if the remover may
        # write its parent: refused then, the children would be gone already.
        self._require(paths.parent(path), WRITE, f"remove {path} from")
        if queries.children(self._catalog, path, None, after=None, count=1):
            if not recursive:
                raise Conflict(f"{path} is not empty")
            self._require_subtree(path, OWN, "remove")
        self.irods.collections.remove(path, recurse=recursive, force=final)

    @retried
    def owned_bytes(self, owner: str) -> int:
        # The service account sees every object (a user's session, in user mode without
        # one, sees theirs: what quotas need when they check the user's own uploads).
        return queries.owned_bytes(self._backend.catalog_session() or self.irods, owner, self.zone)

    @retried
    def search(self, query, *, after: str | None = None, limit: int = 100) -> Page:
        query, after = check_page(query, after, limit, self.zone)
        self._require_user("search")
        # One row more than asked tells whether another page exists, without a count.
        rows = irods_search.search(self._catalog, query, self._reader_ids, after=after,
                                   count=limit + 1, hidden=UPLOAD_PREFIX)
        return Page(items=rows[:limit], limit=limit, has_more=len(rows) > limit)

    @retried
    def checksum(self, path: str, *, verify: bool = False) -> str:
        path = self._path(path)
        info = self._dataobject(path, READ, "checksum")
        if info.checksum is None:
            # None registered (copied or written by a client that did not ask): computing
            # it reads the bytes, which is all `ichksum -K` could do (PRC fails verifying
            # an object without one).
            return self.irods.data_objects.chksum(path)
        if verify:
            # iRODS recomputes and compares (USER_CHKSUM_MISMATCH otherwise); it answers
            # nothing on success, so the stored value is what we return.
            self.irods.data_objects.chksum(path, **{kw.VERIFY_CHKSUM_KW: ""})
        return info.checksum

    @translated
    def touch(self, path: str, *, modified: datetime | None = None, create: bool = True) -> Info:
        self._require_user("touch")
        path = self._path(path)
        if self._existing(path) is None:
            if not create:
                raise NotFound(f"{path} does not exist")
            # Created as an upload, not by the touch API, so that it gets what every upload
            # gets: its checksum registered and its owner and ACL settled.
            created = self.write_in_streaming(path, [], size=0)
            if modified is None:
                return created
        info = self._require(path, WRITE, "touch")
        options = {}
        if modified is not None:
            moment = modified if modified.tzinfo else modified.replace(tzinfo=timezone.utc)
            options["seconds_since_epoch"] = int(moment.timestamp())
        manager = self.irods.collections if info.type == COLLECTION else self.irods.data_objects
        manager.touch(path, **options)  # iRODS' touch API (20007), as `itouch`
        return self._existing(path)

    def apply_metadata(self, path: str, operations: list[tuple[str, AVU]]) -> list[AVU]:
        return self.metadata.apply(path, operations)

    @retried
    def check_subtree(self, path: str, level: AccessLevel = READ) -> None:
        self._require_user("check a whole tree")
        path = self._path(path)
        if self._require(path, level, "access").type == COLLECTION:
            self._require_subtree(path, level, "access all of")
