"""`rapydo logs`: print log files, from their last N lines or whole, and optionally follow them."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Sequence

BLOCK = 64 * 1024
POLL_INTERVAL = 0.5


def tail_offset(path: Path, lines: int) -> int:
    """Where the last `lines` lines of `path` begin (read backwards: logs grow large)."""
    with open(path, "rb") as log:
        size = log.seek(0, os.SEEK_END)
        if lines == 0:
            return size
        end = size
        if size:
            log.seek(size - 1)
            if log.read(1) == b"\n":
                end = size - 1  # the final newline ends the last line, it starts none
        found, position = 0, end
        while position > 0:
            start = max(0, position - BLOCK)
            log.seek(start)
            block = log.read(position - start)
            index = len(block)
            while (index := block.rfind(b"\n", 0, index)) >= 0:
                found += 1
                if found == lines:
                    return start + index + 1
            position = start
        return 0


def show(paths: Sequence[Path], *, tail: int | None, follow: bool, echo: Callable[[str], None]) -> None:
    """Echo each existing log (from its last `tail` lines when given), under a `==> path <==`
    header when there are several; with `follow`, keep echoing what is appended until
    interrupted (a log that shrank, rotated, is read again from its start)."""
    positions = {path: (tail_offset(path, tail) if tail is not None else 0) if path.exists() else 0
                 for path in paths}
    headed = len(paths) > 1
    current = None
    first = True
    while True:
        for path in paths:
            chunk = _read_from(path, positions)
            if headed and path.exists() and (chunk or first) and current != path:
                echo(("" if current is None else "\n") + f"==> {path} <==\n")
                current = path
            if chunk:
                echo(chunk.decode("utf-8", "replace"))
        if not follow:
            return
        first = False
        time.sleep(POLL_INTERVAL)


def _read_from(path: Path, positions: dict[Path, int]) -> bytes:
    try:
        with open(path, "rb") as log:
            if log.seek(0, os.SEEK_END) < positions[path]:
                positions[path] = 0
            log.seek(positions[path])
            chunk = log.read()
            positions[path] = log.tell()
    except FileNotFoundError:
        return b""
    return chunk
