"""The vault: the directory holding the bytes of data objects, one file each.

Files have random names (`<2 hex>/<uuid>`: the prefix keeps directories small)
and are never modified in place. New bytes are written to `.tmp/` first, then
renamed into place: a rename within one file system is atomic, so a reader sees
either the old file or the new one, never a half-written one. Physical changes
are ordered around catalog commits so that the catalog never points at a file
that is not there: new files are installed before the commit, old files are
unlinked after it. A crash in between leaves at worst an orphan file, never a
broken object.

The vault keeps `reserve` bytes of its file system free for the service's own records
(backend/disk.py): new bytes that would eat into them are refused (InsufficientStorage)
before the first one is written when their size is known, else before each chunk.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import queue
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from backend.errors import Conflict, IncompleteTransfer, InsufficientStorage, ServiceUnavailable
from backend.storage.base import is_upload_id

log = logging.getLogger(__name__)

HASH_BLOCK = 4 * 1024 * 1024
FULL = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def failures(doing: str) -> Iterator[None]:
    """The vault's own OSErrors as typed errors: a full disk is InsufficientStorage, anything
    else (a missing file, an I/O error) ServiceUnavailable."""
    try:
        yield
    except OSError as exc:
        kind = InsufficientStorage if exc.errno in FULL else ServiceUnavailable
        raise kind(f"the vault cannot {doing}: {exc.strerror or exc}") from exc


class WriteBehind:
    """Writes chunks to a file from a second thread while the caller reads and hashes the next.

    Reading the socket, hashing and writing would otherwise run one after the
    other; hashlib and file writes release the GIL, so on two cores the disk
    write overlaps the rest. (Hashing in this thread too was measured slower: it
    then competes with the socket reads for the same two cores.) The queue holds
    one chunk: memory stays bounded.
    """

    _DONE = object()

    def __init__(self, out: BinaryIO, durable: bool):
        self._out = out
        self._durable = durable
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="vault-writer", daemon=True)

    def __enter__(self) -> "WriteBehind":
        self._thread.start()
        return self

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not self._DONE:
            if self._error is None:
                try:
                    view = memoryview(chunk)
                    while view:
                        view = view[self._out.write(view):]
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc

    def _raise_error(self) -> None:
        if self._error is not None:
            with failures("store the data"):
                raise self._error

    def write(self, chunk: bytes) -> None:
        self._raise_error()
        self._queue.put(chunk)

    def finish(self) -> None:
        """Wait for every write, then make the file durable before the catalog names it."""
        self._stop()
        self._raise_error()
        if self._durable:
            with failures("store the data"):
                os.fsync(self._out.fileno())

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(self._DONE)
            self._thread.join()

    def __exit__(self, *exc) -> None:
        self._stop()


class HashFollower:
    """Hashes a file from its start while another thread appends to it, on a core of its own.

    A resumed upload's completing part then costs what an upload of that part does,
    instead of a second pass over the whole file after it. It reads only what the kernel
    already holds as written (below the file's size), so never a half-written byte.
    """

    def __init__(self, path: Path):
        self._stream = open(path, "rb", buffering=0)
        self._hash = hashlib.sha256()
        self._read = 0
        self._target: int | None = None
        self._stopped = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vault-hasher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stopped:
                block = self._stream.read(HASH_BLOCK)
                if block:
                    self._hash.update(block)
                    self._read += len(block)
                elif self._target is not None and self._read >= self._target:
                    return
                else:
                    time.sleep(0.002)  # the writer has not caught up yet
        finally:
            self._stream.close()
            self._done.set()

    def digest_of(self, size: int) -> bytes | None:
        """The digest of the file's first `size` bytes, once read (None if it outgrew them)."""
        self._target = size
        self._done.wait()
        return self._hash.digest() if self._read == size else None

    def stop(self) -> None:
        self._stopped = True
        self._done.wait()


class Vault:
    def __init__(self, root: Path, *, durable: bool = True, reserve: int = 0):
        self.root = Path(root)
        # fsync each new file before the catalog names it. Off, a power cut can leave
        # an object whose bytes do not match its checksum (iRODS does not fsync either).
        self.durable = durable
        self.reserve = reserve
        self.tmp = self.root / ".tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        # Resumable uploads in progress: kept across restarts (unlike .tmp's leftovers).
        self.partials = self.root / ".uploads"
        self.partials.mkdir(exist_ok=True)
        # upload -> (size, sha256) its last append computed (HashFollower), for its completion.
        self._digests: dict[str, tuple[int, bytes]] = {}

    def require_room(self, size: int) -> None:
        """InsufficientStorage unless `size` more bytes leave the reserve free."""
        with failures("measure the free space"):
            free = shutil.disk_usage(self.root).free
        if free - size < self.reserve:
            raise InsufficientStorage(
                f"not enough disk space: {size} more bytes would leave less than the "
                f"{self.reserve} bytes the service keeps free for its own records "
                f"({free} bytes are free)")

    def path_of(self, name: str) -> Path:
        return self.root / name

    def _temp_path(self) -> Path:
        return self.tmp / f"{uuid.uuid4().hex}.part"

    def receive(self, chunks: Iterable[bytes], *,
                limit: int | None = None) -> tuple[Path, int, bytes]:
        """Write `chunks` to a new temporary file, hashing them on the way.

        Returns (temporary file, byte count, sha256 digest). One pass over the
        bytes; stops early when more than `limit` bytes arrive. On any failure,
        including `chunks` itself raising (a client that disconnects), the
        temporary file is removed and the exception propagates unchanged.
        """
        temp = self._temp_path()
        digest = hashlib.sha256()
        received = 0
        try:
            with failures("create a temporary file"):
                out = open(temp, "xb", buffering=0)
            with out, WriteBehind(out, self.durable) as writer:
                for chunk in chunks:
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise IncompleteTransfer(
                            f"received more than the announced {limit} bytes")
                    # A statvfs per chunk costs microseconds, hashing the chunk milliseconds.
                    self.require_room(len(chunk))
                    digest.update(chunk)
                    # Errors raised by `chunks` (the client's side) are left as they
                    # are; the writer's own disk errors become typed ones (`failures`).
                    writer.write(chunk)
                writer.finish()
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp, received, digest.digest()

    def copy_to_temp(self, name: str) -> Path:
        """A temporary copy of a stored file (the first half of a server-side copy)."""
        temp = self._temp_path()
        try:
            with failures("copy the data"):
                self.require_room(self.path_of(name).stat().st_size)
                # copyfile uses copy_file_range/sendfile: the bytes never enter Python.
                shutil.copyfile(self.path_of(name), temp)
                if self.durable:
                    descriptor = os.open(temp, os.O_RDONLY)
                    try:
                        os.fsync(descriptor)  # durable before the catalog names it, as in receive
                    finally:
                        os.close(descriptor)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp

    def partial_path(self, upload: str) -> Path:
        """Where the bytes of resumable upload `upload` (32 hex digits) gather."""
        if not is_upload_id(upload):
            raise ValueError(f"invalid upload id {upload!r}")
        return self.partials / f"{upload}.part"

    def append(self, upload: str, chunks: Iterable[bytes], offset: int, *,
               hash_whole: bool = False) -> int:
        """Append `chunks` to the partial file of `upload`, which must hold `offset` bytes;
        return its size. What arrived before `chunks` raised stays written.

        One append at a time per upload (an exclusive lock, across processes). With
        `hash_whole` (this part should complete the file), the whole file is hashed while
        the part arrives, and `whole_digest` has the result for the completion.
        """
        path = self.partial_path(upload)
        self._digests.pop(upload, None)
        with failures("write the upload"):
            out = open(path, "ab", buffering=0)
            fcntl.flock(out, fcntl.LOCK_EX)
        with out:
            if out.tell() != offset:
                raise Conflict(f"the upload holds {out.tell()} bytes, not {offset}")
            follower = HashFollower(path) if hash_whole else None
            try:
                with WriteBehind(out, self.durable) as writer:
                    for chunk in chunks:
                        self.require_room(len(chunk))
                        writer.write(chunk)
                    writer.finish()
                size = out.tell()
                if follower is not None:
                    self._digests[upload] = (size, follower.digest_of(size))
            finally:
                if follower is not None:
                    follower.stop()
            return size

    def whole_digest(self, upload: str, size: int) -> bytes | None:
        """The sha256 of the partial file of `upload` as its last append left it at `size`
        bytes, when that append hashed it (in this process); None otherwise."""
        known = self._digests.pop(upload, None)
        return known[1] if known is not None and known[0] == size else None

    def cut(self, upload: str, size: int) -> None:
        """Cut the partial file of `upload` back to `size` bytes."""
        self._digests.pop(upload, None)
        with failures("cut the upload back"):
            os.truncate(self.partial_path(upload), size)

    def install(self, temp: Path) -> str:
        """Rename a temporary file into the vault under a new name; return the name."""
        token = uuid.uuid4().hex
        name = f"{token[:2]}/{token}"
        target = self.path_of(name)
        with failures("store the data"):
            target.parent.mkdir(exist_ok=True)
            os.replace(temp, target)
        return name

    def open(self, name: str) -> BinaryIO:
        # Unbuffered: reads are already chunk-sized, a buffer would only copy.
        return open(self.path_of(name), "rb", buffering=0)

    @staticmethod
    def sha256(stream: BinaryIO) -> bytes:
        digest = hashlib.sha256()
        while block := stream.read(HASH_BLOCK):
            digest.update(block)
        return digest.digest()

    def discard(self, *names_or_paths: str | Path) -> None:
        """Unlink files no longer referenced; a failure is logged, never raised,
        because the catalog change it follows has already happened."""
        for item in names_or_paths:
            path = item if isinstance(item, Path) else self.path_of(item)
            try:
                path.unlink(missing_ok=True)
            except OSError:
                log.warning("could not remove %s from the vault", path, exc_info=True)

    def check_writable(self) -> None:
        probe = self._temp_path()
        probe.write_bytes(b"")
        probe.unlink()
