"""Process bookkeeping for the local engine: pid files, liveness, stopping a process tree.

A zombie counts as gone: it holds no resource but its pid. Its exit status belongs to
its parent (our own children are reaped by their `Popen`; an orphan's zombie by whoever
adopted it, which some container inits never do), so nothing here calls waitpid.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Iterable

import psutil


def read_pid(pid_file: Path) -> int | None:
    try:
        text = pid_file.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def write_pid(pid_file: Path, pid: int) -> None:
    """Atomically, so a reader never sees a half-written pid."""
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    partial = pid_file.with_name(f".{pid_file.name}.{os.getpid()}")
    partial.write_text(f"{pid}\n")
    partial.replace(pid_file)


def remove_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def is_alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def find_process(pid: int | None, marker: tuple[str, str] | None = None, *,
                 executable: Path | None = None, born_before: float | None = None) -> psutil.Process | None:
    """The live process `pid`, if any; with `marker` (NAME, value) only if its
    environment carries NAME=value, so a recycled pid is never mistaken for ours.

    A process may overwrite its own environment block (uWSGI's procname does, depending
    on the length of its command line and environment): when the marker is missing (not
    when it differs), the process is still ours if it runs `executable` and was created before
    `born_before` (a timestamp, e.g. the pid file's mtime)."""
    if pid is None:
        return None
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None
    if not is_alive(proc):
        return None
    if marker is not None:
        name, value = marker
        try:
            found = proc.environ().get(name)
        except psutil.AccessDenied:
            return proc  # someone else's process with our pid file: trust the pid file
        except psutil.NoSuchProcess:
            return None
        if found != value and not (found is None and _same_program(proc, executable, born_before)):
            return None
    return proc


def _same_program(proc: psutil.Process, executable: Path | None, born_before: float | None) -> bool:
    if executable is None or born_before is None:
        return False
    try:
        return (Path(proc.exe()).resolve() == Path(executable).resolve()
                and proc.create_time() <= born_before + 1.0)
    except (psutil.Error, OSError):
        return False


def process_tree(proc: psutil.Process) -> list[psutil.Process]:
    """`proc` and all its descendants, collected now (before anything is signalled)."""
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return [proc]


def wait_gone(procs: Iterable[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process is gone; return those still alive after `timeout`."""
    remaining = list(procs)
    deadline = time.monotonic() + timeout
    while True:
        remaining = [proc for proc in remaining if is_alive(proc)]
        if not remaining or time.monotonic() >= deadline:
            return remaining
        time.sleep(0.1)


def stop_tree(procs: list[psutil.Process], *, sig: int = signal.SIGTERM, timeout: float = 45.0) -> None:
    """Send `sig` to the first process (the master: it stops its own workers), wait,
    then SIGKILL whatever of the collected tree is still alive."""
    if procs:
        _signal(procs[0], sig)
    survivors = wait_gone(procs, timeout)
    for proc in survivors:
        _signal(proc, signal.SIGKILL)
    still_alive = wait_gone(survivors, 10.0)
    if still_alive:
        raise RuntimeError(f"processes survived SIGKILL: {[proc.pid for proc in still_alive]}")


def kill_tree(procs: list[psutil.Process]) -> None:
    for proc in procs:
        _signal(proc, signal.SIGKILL)
    wait_gone(procs, 10.0)


def _signal(proc: psutil.Process, sig: int) -> None:
    try:
        proc.send_signal(sig)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass

