"""Unpacking a zip that lives in storage into a collection, member by member, streamed.

The zip is read through `storage.open` (seekable: a zip's directory is at its end), each
member streamed into its own data object, never a whole member in memory. What a member
may be called is decided here, not by the archive, with the core's rules (backend/archives/safety.py:
absolute names, drive letters, backslashes, '.', '..' or empty segments, control characters,
symbolic links, encrypted members) and the names the batch reserves: such members are
skipped, and reported (the core's /api/archive refuses the whole archive instead).

A damaged archive (no central directory, a bad CRC, a truncated member, an unsupported
compression) is CorruptZip: the caller discards what was unpacked. An archive that would
unpack to more than `max_unpacked` bytes (a zip bomb, or simply too much) is TooLarge,
before anything is written: the sizes its directory declares are the sizes storage
accepts (write_in_streaming(size=...) refuses a member that grows beyond its own).
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field

from backend.archives.safety import CorruptArchive, segments_of, zip_problem
from backend.errors import AlreadyExists, Conflict, InvalidPath, Unprocessable
from backend.storage.base import Info, Storage
from rapydo_projects.seadata.batches import HIDDEN, QC


class CorruptZip(CorruptArchive):
    """The archive cannot be read."""

    kind = "corrupt_zip"


class TooLarge(Unprocessable):
    """The archive would unpack to more than the batch may hold."""

    kind = "archive_too_large"


@dataclass
class Unpacked:
    files: list[Info] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<member name>: <why>"


def reserved(segments: list[str]) -> bool:
    """Names the batch keeps for itself: its QC results, the import's hidden objects."""
    return segments[0] == QC or segments[0].startswith(HIDDEN)


def _why_not(member: zipfile.ZipInfo) -> str | None:
    problem = zip_problem(member)
    if problem is None and reserved(segments_of(member.filename)):
        return "reserved name"
    return problem


def unpack(storage: Storage, archive_path: str, target: str, chunk_size: int,
           max_unpacked: int) -> Unpacked:
    """Every safe member of the zip at `archive_path`, below the collection `target`."""
    found = Unpacked()
    with storage.open(archive_path) as raw:
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise CorruptZip(f"the upload is not a readable zip archive ({exc})") from None
        with archive:
            declared = sum(member.file_size for member in archive.infolist())
            if declared > max_unpacked:
                raise TooLarge(f"the archive would unpack to {declared} bytes, more than the "
                               f"{max_unpacked} SEADATA_MAX_UNPACKED allows")
            for member in archive.infolist():
                reason = _why_not(member)
                if reason is not None:
                    found.skipped.append(f"{member.filename}: {reason}")
                    continue
                path = "/".join([target, *segments_of(member.filename)])
                if member.is_dir():
                    storage.mkdir(path, parents=True)
                    continue
                try:
                    found.files.append(_member(storage, archive, member, path, chunk_size))
                except (AlreadyExists, Conflict, InvalidPath) as exc:
                    # A duplicate name, or a file where the archive also has a folder.
                    found.skipped.append(f"{member.filename}: {exc.message}")
    return found


def _member(storage: Storage, archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: str,
            chunk_size: int) -> Info:
    def chunks():
        try:
            with archive.open(member) as source:
                yield from storage.read_in_chunks(source, chunk_size)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise CorruptZip(f"member {member.filename} cannot be read ({exc})") from None

    return storage.write_in_streaming(path, chunks(), parents=True, size=member.file_size)
