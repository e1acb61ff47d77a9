"""What an archive member may be, and how big an archive may get.

A member's name is decided to be safe here, not by the archive: absolute names, drive
letters, backslashes, '.', '..' or empty segments, control characters and over-long
segments are unsafe. Symbolic and hard links, devices and FIFOs are never data, and
encrypted zip members cannot be read. Bounds (members, total unpacked bytes, the ratio of
unpacked to packed bytes) are checked on what the archive declares, before anything is
written; whoever writes a member also refuses bytes beyond its declared size, so an
archive cannot lie its way past them.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
from dataclasses import dataclass

from backend.errors import BadRequest, PayloadTooLarge, Unprocessable
from backend.storage import paths

# An archive that unpacks to less than this is no bomb, whatever its ratio (a few
# kilobytes of zeros compress a thousandfold, and harm no one).
RATIO_FLOOR = 1024 * 1024


class CorruptArchive(Unprocessable):
    """The archive cannot be read."""

    kind = "corrupt_archive"


class UnsafeArchive(BadRequest):
    """A member of the archive is not a plain file or folder with a safe relative name."""

    kind = "unsafe_archive"


class ArchiveTooLarge(PayloadTooLarge):
    """The archive has too many members, or would unpack to too many bytes."""

    kind = "archive_too_large"


@dataclass(frozen=True)
class Bounds:
    """ARCHIVE_MAX_MEMBERS, ARCHIVE_MAX_SIZE and ARCHIVE_MAX_RATIO (0: no bound)."""

    members: int = 0
    size: int = 0
    ratio: int = 0

    @classmethod
    def of(cls, settings) -> "Bounds":
        return cls(settings.archive_max_members, settings.archive_max_size,
                   settings.archive_max_ratio)

    def check_count(self, count: int) -> None:
        if self.members and count > self.members:
            raise ArchiveTooLarge(f"more than {self.members} members (ARCHIVE_MAX_MEMBERS)")

    def check_size(self, total: int) -> None:
        if self.size and total > self.size:
            raise ArchiveTooLarge(f"more than {self.size} bytes (ARCHIVE_MAX_SIZE)")

    def check_ratio(self, unpacked: int, packed: int) -> None:
        """A bomb: far more bytes out than in."""
        if self.ratio and unpacked > RATIO_FLOOR and unpacked > self.ratio * max(packed, 1):
            raise ArchiveTooLarge(
                f"the archive's {packed} bytes would unpack to {unpacked}, more than "
                f"{self.ratio} times as many (ARCHIVE_MAX_RATIO): refused as a zip bomb")


def segments_of(name: str) -> list[str] | None:
    """A member name's path segments, or None when it is not a safe relative name."""
    if not name or name.startswith("/") or "\\" in name:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return None
    segments = name.rstrip("/").split("/")
    if ":" in segments[0]:  # C:foo, or a URL-ish name: never a relative path
        return None
    if any(part in ("", ".", "..") or len(part) > paths.MAX_NAME_LENGTH for part in segments):
        return None
    return segments


def zip_problem(member: zipfile.ZipInfo) -> str | None:
    """Why a zip member cannot be unpacked as a file or folder; None when it can."""
    if segments_of(member.filename) is None:
        return "unsafe name"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "symbolic link"
    if member.flag_bits & 0x1:
        return "encrypted"
    return None


def tar_problem(member: tarfile.TarInfo, name: str | None = None) -> str | None:
    """Why a tar member (called `name`, when given) cannot be unpacked as a file or folder;
    None when it can."""
    if segments_of(member.name if name is None else name) is None:
        return "unsafe name"
    if member.issym():
        return "symbolic link"
    if member.islnk():
        return "hard link"
    if not (member.isfile() or member.isdir()):
        return "device, FIFO or other special file"
    return None
