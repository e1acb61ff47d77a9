"""A job's inputs or outputs as one zip archive, streamed while it is built.

backend/archives/pack.py writes the archive as a generator (no temporary file, no seeking); entries
are stored uncompressed, so the archive's size is known before the first byte and the
response carries a Content-Length. Every file is read with the requesting user's storage
session: what the user may no longer read fails the download (403) before it starts.
"""

from __future__ import annotations

from typing import Iterator

from backend.archives import pack
from backend.storage import paths
from backend.storage.base import COLLECTION, Storage



def entries_of_inputs(storage: Storage, inputs: dict) -> list[tuple[str, str, int]]:
    """(name in the archive, storage path, size) of every input file: `<port>/<name>`."""
    from backend.workflows.requests import storage_paths

    entries = []
    for port, value in sorted(inputs.items()):
        for ref in storage_paths(value):
            entries.extend(_entries(storage, ref["path"], f"{port}/{paths.name(ref['path'])}"))
    return entries


def entries_of_collection(storage: Storage, collection: str) -> list[tuple[str, str, int]]:
    """Every file below `collection`, named relative to it."""
    return [entry for info in storage.children(collection)
            for entry in _entries(storage, info.path, info.name, info)]


def _entries(storage: Storage, path: str, name: str, info=None) -> list[tuple[str, str, int]]:
    info = info or storage.stat(path)
    if info.type != COLLECTION:
        return [(name, info.path, info.size)]
    return [entry for child in storage.children(info.path)
            for entry in _entries(storage, child.path, f"{name}/{child.name}", child)]


def zip_stream(storage: Storage, entries: list[tuple[str, str, int]], chunk_size: int
               ) -> tuple[Iterator[bytes], int]:
    """The archive's chunks and its exact size (backend.archives.pack builds it)."""
    return pack.zip_stream(storage, [pack.Entry(name, path, size) for name, path, size in entries],
                           chunk_size)
