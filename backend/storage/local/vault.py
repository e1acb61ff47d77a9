"""The vault: the directory holding the bytes of data objects, one file each.

Files have random names (`<2 hex>/<uuid>`: the prefix keeps directories small)
and are never modified in place. New bytes are written to `.tmp/` first, then
renamed into place: a rename within one file system is atomic, so a reader sees
either the old file or the new one, never a half-written one. Physical changes
are ordered around catalog commits so that the catalog never points at a file
that is not there: new files are installed before the commit, old files are
unlinked after it. A crash in between leaves at worst an orphan file, never a
broken object.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from backend.errors import IncompleteTransfer, ServiceUnavailable

log = logging.getLogger(__name__)

WRITE_BUFFER = 1024 * 1024
HASH_BLOCK = 4 * 1024 * 1024


@contextmanager
def failures(doing: str) -> Iterator[None]:
    """The vault's own OSErrors (disk full, missing file, ...) as ServiceUnavailable."""
    try:
        yield
    except OSError as exc:
        raise ServiceUnavailable(f"the vault cannot {doing}: {exc.strerror or exc}") from exc


class Vault:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / ".tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

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
                out = open(temp, "xb", buffering=WRITE_BUFFER)
            with out:
                for chunk in chunks:
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise IncompleteTransfer(
                            f"received more than the announced {limit} bytes")
                    digest.update(chunk)
                    # Only our own disk failures become ServiceUnavailable; errors
                    # raised by `chunks` (the client's side) are left as they are.
                    with failures("store the data"):
                        out.write(chunk)
                with failures("store the data"):
                    out.flush()
                    # Durable before the catalog says the object exists.
                    os.fsync(out.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp, received, digest.digest()

    def copy_to_temp(self, name: str) -> Path:
        """A temporary copy of a stored file (the first half of a server-side copy)."""
        temp = self._temp_path()
        try:
            with failures("copy the data"):
                # copyfile uses copy_file_range/sendfile: the bytes never enter Python.
                shutil.copyfile(self.path_of(name), temp)
                descriptor = os.open(temp, os.O_RDONLY)
                try:
                    os.fsync(descriptor)  # durable before the catalog names it, as in receive
                finally:
                    os.close(descriptor)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp

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
