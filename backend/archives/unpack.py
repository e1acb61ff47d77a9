"""Unpacking an archive file (zip or tar, gzip'd or not) into a collection, all or nothing.

The archive is read twice. First the whole of it is checked (`plan`): every member's name
and type (backend.archives.safety), names that repeat or that are both a file and a folder,
the member count, the bytes it declares and their ratio to the archive's size. Nothing is
written before the whole archive passes, so a refused archive leaves nothing, not even the
collection. Then (`unpack`) members are streamed one by one into storage with
`write_in_streaming(size=...)`, which refuses a member whose bytes differ from what the
archive declared; when anything fails, what this unpacking created is removed again, newest
first, and the error propagates.
"""

from __future__ import annotations

import logging
import tarfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator, Literal

from backend.archives.safety import (Bounds, CorruptArchive, UnsafeArchive, segments_of,
                                     tar_problem, zip_problem)
from backend.errors import AlreadyExists, Conflict, NotFound
from backend.storage.base import COLLECTION, Info, Storage

log = logging.getLogger(__name__)

Format = Literal["zip", "tar"]  # "tar" reads plain, gzip, bzip2 and xz tars alike
EXPLAINED = {"unsafe name": "not a safe relative name (absolute, '..', empty segments, "
                            "backslashes or control characters)"}
READ_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError,
               NotImplementedError, RuntimeError, ValueError)


@dataclass(frozen=True)
class Member:
    name: str  # as the archive names it (for messages)
    segments: tuple[str, ...]
    is_dir: bool
    size: int

    @property
    def relative(self) -> str:
        return "/".join(self.segments)


@dataclass
class Plan:
    """What an archive unpacks to: its members, in archive order, and the folders they need."""

    format: Format
    members: list[Member] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(member.size for member in self.members)

    def collections(self) -> list[str]:
        """Relative paths of every folder the members need, parents first."""
        needed = set()
        for member in self.members:
            depth = len(member.segments) if member.is_dir else len(member.segments) - 1
            needed.update("/".join(member.segments[:end]) for end in range(1, depth + 1))
        return sorted(needed, key=lambda path: (path.count("/"), path))

    def files(self) -> list[Member]:
        return [member for member in self.members if not member.is_dir]


def detect(path: Path) -> Format:
    """The archive's format, from its bytes; CorruptArchive when it is neither."""
    if zipfile.is_zipfile(path):
        return "zip"
    if tarfile.is_tarfile(path):
        return "tar"
    raise CorruptArchive("the body is neither a zip nor a tar archive")


@contextmanager
def _readable(format: Format) -> Iterator[None]:
    try:
        yield
    except READ_ERRORS as exc:
        raise CorruptArchive(f"the body is not a readable {format} archive ({exc})") from None


def plan(path: Path, format: Format, bounds: Bounds) -> Plan:
    """Check the whole archive at `path` (see the module docstring); its Plan."""
    found = Plan(format)
    total = 0
    with _readable(format):
        for name, problem, is_dir, size in _scan(path, format):
            bounds.check_count(len(found.members) + 1)
            if problem is not None:
                raise UnsafeArchive(f"refused: member {name!r}: {EXPLAINED.get(problem, problem)}")
            total += size
            bounds.check_size(total)  # while scanning: a bomb stops here, not at its end
            found.members.append(Member(name, tuple(segments_of(name)), is_dir, size))
    bounds.check_ratio(total, path.stat().st_size)
    _check_names(found)
    return found


def _scan(path: Path, format: Format) -> Iterator[tuple[str, str | None, bool, int]]:
    """(name, problem, is a folder, declared size) of each member, in archive order."""
    if format == "zip":
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                yield info.filename, zip_problem(info), info.is_dir(), info.file_size
        return
    with tarfile.open(path, "r:*") as archive:
        for info in archive:
            name = _tar_name(info)
            if name:
                yield name, tar_problem(info, name), info.isdir(), info.size if info.isfile() else 0


def _tar_name(info: tarfile.TarInfo) -> str:
    """A tar member's name without the './' that `tar -C dir .` puts first ('' for '.')."""
    name = info.name
    while name.startswith("./"):
        name = name[2:]
    return "" if name == "." else name


def _check_names(found: Plan) -> None:
    """No name twice, and no name both a file and a folder (the second would overwrite or
    fail halfway, after the first was written)."""
    files, folders = set(), set()
    for member in found.members:
        relative = member.relative
        if relative in files or (not member.is_dir and relative in folders):
            raise UnsafeArchive(f"refused: {relative!r} appears twice in the archive")
        (folders if member.is_dir else files).add(relative)
    clashes = files & set(found.collections())
    if clashes:
        raise UnsafeArchive(f"refused: {sorted(clashes)[0]!r} is both a file and a folder "
                            "in the archive")


def check_target(storage: Storage, target: str, found: Plan, *, merge: bool) -> set[str]:
    """Refuse before writing: the target must be new (or, with `merge`, a collection whose
    existing entries are folders where the archive has folders, never files). Returns the
    relative folders that exist already."""
    try:
        info = storage.stat(target)
    except NotFound:
        return set()
    if info.type != COLLECTION:
        raise Conflict(f"{target} is a data object, not a collection")
    if not merge:
        raise AlreadyExists(f"{target} already exists: unpack into a new collection, or "
                            "pass merge=true to add to this one")
    existing = {""}
    for relative in found.collections():
        kind = _kind(storage, _below(target, relative))
        if kind == COLLECTION:
            existing.add(relative)
        elif kind is not None:
            raise Conflict(f"{_below(target, relative)} is a data object, where the "
                           "archive has a folder")
    for member in found.files():
        if _kind(storage, _below(target, member.relative)) is not None:
            raise AlreadyExists(f"{_below(target, member.relative)} already exists: "
                                "merging never replaces anything")
    return existing


def _below(target: str, relative: str) -> str:
    """The path of a member (segments already checked safe) below the collection `target`."""
    return f"{target.rstrip('/')}/{relative}"


def _kind(storage: Storage, path: str) -> str | None:
    try:
        return storage.stat(path).type
    except NotFound:
        return None


def unpack(storage: Storage, archive: Path, found: Plan, target: str, *, existing: set[str],
           chunk_size: int) -> list[Info]:
    """Create `found`'s folders and files below `target` (folders in `existing` are there
    already); the stored data objects' info. All or nothing (see the module docstring)."""
    created: list[str] = []
    try:
        if "" not in existing:
            created.append(storage.mkdir(target).path)
        for relative in found.collections():
            if relative not in existing:
                created.append(storage.mkdir(_below(target, relative)).path)
        stored = []
        for member, stream in _contents(archive, found):
            info = storage.write_in_streaming(_below(target, member.relative),
                                              _chunks(stream, member, chunk_size),
                                              size=member.size)
            created.append(info.path)
            stored.append(info)
        return stored
    except BaseException:
        _remove(storage, created)
        raise


def _contents(archive: Path, found: Plan) -> Iterator[tuple[Member, BinaryIO]]:
    """Each file member of `found` with a stream of its bytes, in archive order."""
    files = iter(found.files())
    with _readable(found.format):
        if found.format == "zip":
            with zipfile.ZipFile(archive) as opened:
                for member in files:
                    with opened.open(member.name) as stream:
                        yield member, stream
            return
        with tarfile.open(archive, "r:*") as opened:
            member = next(files, None)
            for info in opened:  # in order: a compressed tar is read once, front to back
                if member is not None and info.isfile() and _tar_name(info) == member.name:
                    with opened.extractfile(info) as stream:
                        yield member, stream
                    member = next(files, None)
            if member is not None:
                raise CorruptArchive(f"member {member.name!r} vanished on a second reading")


def _chunks(stream: BinaryIO, member: Member, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from Storage.read_in_chunks(stream, chunk_size)
    except READ_ERRORS as exc:
        raise CorruptArchive(f"member {member.name!r} cannot be read ({exc})") from None


def _remove(storage: Storage, created: list[str]) -> None:
    """Remove what an unpacking created, newest first (children before their folders)."""
    for path in reversed(created):
        try:
            storage.remove(path)
        except Exception:  # the original error matters more: say what stays, go on
            log.warning("could not remove %s after a failed unpacking", path, exc_info=True)
