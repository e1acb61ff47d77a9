"""A collection (or a list of files) as one zip or tar archive, streamed while it is built.

Neither the archive nor a file is ever whole in memory: each entry's bytes are read from
storage (`read_in_streaming`, with the caller's session) only when the archive reaches it.
Entries are stored uncompressed, so the size of a zip or plain tar is known before the
first byte (a Content-Length); a gzip'd tar is compressed as it streams.

What goes in: everything below the collection, folders included (empty ones too). Like
`iget -r`, which fails on what it may not read, a collection with anything below it the
caller may not read is refused whole (PermissionDenied) before a byte is sent, rather than
archived with silent holes. The bounds (ARCHIVE_MAX_MEMBERS, ARCHIVE_MAX_SIZE) are checked
while the collection is walked, so a huge tree is refused without being listed whole.
"""

from __future__ import annotations

import tarfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator

from zipstream import ZIP_STORED, ZipStream

from backend.archives.safety import Bounds
from backend.errors import Conflict
from backend.storage.base import COLLECTION, AccessLevel, Storage

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE


@dataclass(frozen=True)
class Entry:
    name: str  # relative name in the archive
    path: str | None  # the data object in storage; None for a folder
    size: int = 0
    modified: datetime | None = None


def entries_of_collection(storage: Storage, collection: str, bounds: Bounds) -> list[Entry]:
    """Every folder and file below `collection`, named relative to it, parents first."""
    storage.check_subtree(collection, AccessLevel.read)
    found: list[Entry] = []
    total = 0
    stack = [(storage.stat(collection).path, "")]
    while stack:
        path, prefix = stack.pop()
        for child in storage.children(path):
            name = f"{prefix}{child.name}"
            if child.type == COLLECTION:
                found.append(Entry(name, None, 0, child.modified))
                stack.append((child.path, f"{name}/"))
            else:
                total += child.size or 0
                found.append(Entry(name, child.path, child.size or 0, child.modified))
            bounds.check_count(len(found))
            bounds.check_size(total)
    return found


def zip_stream(storage: Storage, entries: Iterable[Entry], chunk_size: int
               ) -> tuple[Iterator[bytes], int]:
    """The zip's chunks and its exact size."""
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for entry in entries:
        if entry.path is None:
            archive.mkdir(entry.name)
        else:
            # Opening is deferred to the moment zipstream reaches the entry.
            archive.add(_content(storage, entry, chunk_size), entry.name, size=entry.size)
    return iter(archive), len(archive)


def tar_stream(storage: Storage, entries: Iterable[Entry], chunk_size: int
               ) -> tuple[Iterator[bytes], int]:
    """The tar's chunks (POSIX pax: any name, any size) and its exact size."""
    headers = [(entry, _tar_header(entry)) for entry in entries]
    size = sum(len(header) + _padded(entry.size) for entry, header in headers) + 2 * BLOCK
    size += -size % RECORD  # as tarfile ends an archive: a whole number of records
    return _tar_chunks(storage, headers, chunk_size, size), size


def _tar_header(entry: Entry) -> bytes:
    info = tarfile.TarInfo(entry.name)
    info.type = tarfile.DIRTYPE if entry.path is None else tarfile.REGTYPE
    info.mode = 0o755 if entry.path is None else 0o644
    info.size = entry.size
    info.mtime = int(entry.modified.timestamp()) if entry.modified else 0
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _padded(size: int) -> int:
    return size + -size % BLOCK


def _tar_chunks(storage: Storage, headers: list[tuple[Entry, bytes]], chunk_size: int,
                size: int) -> Iterator[bytes]:
    sent = 0
    for entry, header in headers:
        yield header
        if entry.path is not None:
            yield from _content(storage, entry, chunk_size)
            yield bytes(-entry.size % BLOCK)
        sent += len(header) + _padded(entry.size)
    yield bytes(size - sent)  # the two end blocks and the record's padding


def gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """`chunks` compressed as one gzip stream, as they come."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    for chunk in chunks:
        if out := compressor.compress(chunk):
            yield out
    yield compressor.flush()


def _content(storage: Storage, entry: Entry, chunk_size: int) -> Iterator[bytes]:
    """The entry's bytes, exactly as many as its header announced: an object that changed
    size since the walk would corrupt the archive, so the download stops instead."""
    read = 0
    for chunk in storage.read_in_streaming(entry.path, length=entry.size, chunk_size=chunk_size):
        read += len(chunk)
        yield chunk
    if read != entry.size:
        raise Conflict(f"{entry.path} changed while it was archived: download again")
