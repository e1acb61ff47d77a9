"""Private files (mode 0600) written atomically: the JWT secret, the admin credentials.

Several worker processes may start at once, so a file is always written in full
to a temporary name beside its target and then moved into place: readers never
see half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _write_temp(path: Path, text: str) -> str:
    # mkstemp creates the file with mode 0600.
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        os.unlink(temp)
        raise
    return temp


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600, replacing any previous file atomically."""
    temp = _write_temp(path, text)
    try:
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def read_or_create_private(path: Path, make) -> str:
    """The content of `path`; if absent, create it with `make()` unless another process wins.

    The first process to link its complete temporary file into place wins; every
    process then returns what is in the file.
    """
    try:
        content = path.read_text(encoding="utf-8")
        if content:
            return content
    except FileNotFoundError:
        pass
    temp = _write_temp(path, make())
    try:
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temp)
    return path.read_text(encoding="utf-8")
