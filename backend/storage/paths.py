"""Logical iRODS paths: validation and confinement.

Every path that enters the storage layer passes through `normalise`. We refuse
rather than repair: a path with `.`/`..` segments, empty segments (`//`), NUL or
control characters, or one outside the zone is an error, never silently rewritten
into another path.
"""

from __future__ import annotations

import posixpath

from backend.errors import InvalidPath, OutsideZone

MAX_PATH_LENGTH = 2700  # iRODS MAX_NAME_LEN
MAX_NAME_LENGTH = 255


def normalise(path: str, zone: str) -> str:
    """Return `path` as a canonical absolute logical path inside `/zone`."""
    if not isinstance(path, str) or not path:
        raise InvalidPath("empty path")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidPath("path too long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        raise InvalidPath("control characters (NUL, newline, ...) are not allowed in paths")
    if "\\" in path:
        raise InvalidPath("backslashes are not allowed in paths")
    if not path.startswith("/"):
        raise InvalidPath("paths must be absolute: /<zone>/...")
    trimmed = path.rstrip("/") if path != "/" else path
    segments = trimmed.split("/")[1:]
    for segment in segments:
        if segment == "":
            raise InvalidPath("empty path segment ('//')")
        if segment in (".", ".."):
            raise InvalidPath("'.' and '..' segments are not allowed")
        if len(segment) > MAX_NAME_LENGTH:
            raise InvalidPath("path segment too long")
    if not segments or segments[0] != zone:
        raise OutsideZone(f"path is outside the zone /{zone}")
    return "/" + "/".join(segments)


def parent(path: str) -> str:
    return posixpath.dirname(path)


def name(path: str) -> str:
    return posixpath.basename(path)


def join(collection: str, child: str) -> str:
    if "/" in child or child in ("", ".", ".."):
        raise InvalidPath(f"invalid name {child!r}")
    return f"{collection}/{child}"


def is_within(path: str, ancestor: str) -> bool:
    """True when `path` is `ancestor` or lies below it."""
    return path == ancestor or path.startswith(ancestor.rstrip("/") + "/")
