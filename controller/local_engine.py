"""The local engine: the API under uWSGI and a Celery worker, background processes of this host.

Everything lives under DATA_DIR:
    run/api.pid     the uWSGI master's pid (written by us at spawn, and by uWSGI)
    run/api.ready   one line per worker that has built the app (a uWSGI accepting hook)
    run/api.lock    serialises start/stop of one data directory
    logs/api.log    uWSGI's and the application's output
    run/worker.pid  the Celery worker's main process (written by us at spawn)
    run/worker.ready  written once the worker logged that it consumes the queue
    run/worker-heartbeats/  the workers' own heartbeats, read by /api/status (backend.tasks.heartbeat);
                    cleared when the API starts: a new deployment has no worker yet
    logs/worker.log the worker's output

START_TIMEOUT (seconds, default 60) bounds `start`: the API and then its worker must be
ready within it, else everything this start launched is killed.

The worker (`celery -A backend.tasks.worker worker`) starts once the API is healthy and
stops before it; both carry MARKER in their environment, the worker WORKER_MARKER too.

The backend gets its settings as environment variables only, exactly `env` plus a
few process basics (PATH, HOME, locale...): nothing else leaks from the caller.

What the engine creates under DATA_DIR (the directory itself, run and log files) and every
process it starts are private to the service's user (umask 077: files 0600, directories
0700), whatever the caller's umask: the vault, the catalog's ticket strings, the users
database and the logs are no other account's business.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import psutil

from controller import health, processes
from controller.health import Health

UWSGI_INI = Path("confs") / "uwsgi.ini"
DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"
DEFAULT_START_TIMEOUT = 60.0
# Written by the workers (backend.tasks.heartbeat), relative to DATA_DIR.
WORKER_HEARTBEATS = Path("run") / "worker-heartbeats"
ADMIN_CREDENTIALS = "admin-credentials"
# Names the API process inherits from the caller; the rest of its environment is `env`.
PASSTHROUGH = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
               "PYTHONPATH", "SSL_CERT_FILE", "SSL_CERT_DIR")
# Set in the API's environment: tells our uWSGI from a process that recycled its pid.
MARKER = "RAPYDO_API_PIDFILE"
WORKER_MARKER = "RAPYDO_WORKER_PIDFILE"
WORKER_APP = "backend.tasks.worker"
# Celery logs "<name> ready." once it consumes its queues.
WORKER_READY = " ready."
POLL_INTERVAL = 0.5
LOG_TAIL_LINES = 40
# A Python exception as a traceback ends it: "ValueError: ...", "backend.x.ConfigError: ...".
FIRST_ERROR = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*:")
PRIVATE_UMASK = 0o077


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Create files and directories private to this user meanwhile (the engine's own: the
    process's umask is put back after, so that a caller such as a test run keeps its own)."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


class EngineError(Exception):
    """Starting or stopping failed; `log_tail` holds the API log lines that tell why."""

    def __init__(self, message: str, log_tail: str = ""):
        super().__init__(message)
        self.message = message
        self.log_tail = log_tail


class AlreadyRunning(EngineError):
    def __init__(self, pid: int, url: str):
        super().__init__(f"the API is already running (pid {pid}) at {url}")
        self.pid, self.url = pid, url


@dataclass(frozen=True)
class Started:
    url: str
    pid: int
    log_file: Path
    admin_user: str
    # Only when the backend generated it at first start (read once, then deleted).
    admin_password: str | None
    worker_pid: int | None = None  # None when started without a worker


@dataclass(frozen=True)
class Stopped:
    pid: int
    pids: tuple[int, ...]  # master and workers that were stopped
    worker_pids: tuple[int, ...] = ()  # the Celery worker and its pool processes


@dataclass(frozen=True)
class Status:
    running: bool
    url: str
    log_file: Path
    pid: int | None = None
    pids: tuple[int, ...] = ()  # master first, then its descendants
    health: Health | None = None
    worker: "WorkerStatus | None" = None  # None when this engine runs no worker


@dataclass(frozen=True)
class WorkerStatus:
    running: bool
    log_file: Path
    pid: int | None = None
    pids: tuple[int, ...] = ()  # main process first, then its pool
    ready: bool = False  # it said it consumes the queue

    @property
    def health(self) -> str:
        return "ready" if self.running and self.ready else "starting" if self.running else "down"


class LocalEngine:
    """Start, stop and inspect one API instance (one DATA_DIR).

    `env` is the backend's environment (the merged `variables`): DATA_DIR (relative to
    `project_dir`), API_HOST, API_PORT and START_TIMEOUT (unless `start_timeout` is given)
    are read here too. `module` overrides the ini's
    WSGI callable, backend.wsgi:app (tests); `uwsgi_args` are appended to the uWSGI
    command line (e.g. ["--processes", "8"]). `worker=False` runs the API alone (no Celery
    worker is started, stopped or reported); `worker_args` are appended to the worker's command.
    """

    def __init__(
        self,
        project_dir: Path | str,
        env: Mapping[str, str],
        *,
        module: str | None = None,
        uwsgi: Path | str | None = None,
        uwsgi_args: Sequence[str] = (),
        start_timeout: float | None = None,
        stop_timeout: float = 45.0,
        worker: bool = True,
        celery: Path | str | None = None,
        worker_args: Sequence[str] = (),
    ):
        self.project_dir = Path(project_dir).resolve()
        self.env = dict(env)
        self.data_dir = self.project_dir / (self.env.get("DATA_DIR") or "data")
        self.host = self.env.get("API_HOST") or DEFAULT_HOST
        self.port = int(self.env.get("API_PORT") or DEFAULT_PORT)
        self.module = module
        self.uwsgi = Path(uwsgi) if uwsgi else uwsgi_binary()
        self.uwsgi_args = tuple(uwsgi_args)
        self.start_timeout = (float(self.env.get("START_TIMEOUT") or DEFAULT_START_TIMEOUT)
                              if start_timeout is None else start_timeout)
        self.stop_timeout = stop_timeout
        self._child: subprocess.Popen | None = None
        self.worker = worker
        self.celery = Path(celery) if celery else celery_binary()
        self.worker_args = tuple(worker_args)
        self._worker_child: subprocess.Popen | None = None

    # --- where things are -------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "api.pid"

    @property
    def ready_file(self) -> Path:
        return self.run_dir / "api.ready"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "api.log"

    @property
    def worker_pid_file(self) -> Path:
        return self.run_dir / "worker.pid"

    @property
    def worker_ready_file(self) -> Path:
        return self.run_dir / "worker.ready"

    @property
    def worker_log_file(self) -> Path:
        return self.data_dir / "logs" / "worker.log"

    @property
    def worker_heartbeats(self) -> Path:
        return self.data_dir / WORKER_HEARTBEATS

    @property
    def url(self) -> str:
        """Where clients on this host reach the API (a wildcard bind is reached on loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    # --- commands ---------------------------------------------------------------
    def start(self, progress: Callable[[], None] | None = None) -> Started:
        """Launch uWSGI in the background and wait for GET /api/status to answer 200 (or 503
        for a full disk alone: see Health.serving), then the worker until it is ready, both
        within `start_timeout` seconds.

        `progress` is called at every poll (the CLI prints a dot). Raises
        AlreadyRunning, or EngineError (with the log's last lines) after killing
        whatever was started when the API or the worker does not come up.
        """
        with private_files():
            return self._start(progress)

    def _start(self, progress: Callable[[], None] | None) -> Started:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._lock():
            running = self._master()
            if running is not None:
                raise AlreadyRunning(running.pid, self.url)
            processes.remove_file(self.pid_file)
            processes.remove_file(self.ready_file)
            # Heartbeats of an earlier run would make /api/status report its worker as down.
            shutil.rmtree(self.worker_heartbeats, ignore_errors=True)
            log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            child = self._spawn()
            processes.write_pid(self.pid_file, child.pid)
        deadline = time.monotonic() + self.start_timeout
        worker = None
        try:
            self._wait_ready(child, log_offset, progress, deadline)
            if self.worker:
                worker = self._start_worker(progress, deadline)
        except BaseException:
            if worker is not None:
                self._abort_worker(worker)
            self._abort(child)
            raise
        user, password = self._take_admin_credentials()
        return Started(url=self.url, pid=child.pid, log_file=self.log_file,
                       admin_user=user, admin_password=password,
                       worker_pid=worker.pid if worker is not None else None)

    def stop(self) -> Stopped | None:
        """SIGTERM the master (die-on-term), wait for it and every worker collected
        beforehand, SIGKILL survivors after `stop_timeout`. None when not running."""
        if not self.pid_file.exists() and not (self.worker and self.worker_pid_file.exists()):
            return None
        with self._lock():
            worker_pids = self._stop_worker() if self.worker else ()
            master = self._master()
            if master is None:
                processes.remove_file(self.pid_file)
                if worker_pids:  # a worker left behind by a crashed API
                    return Stopped(pid=worker_pids[0], pids=(), worker_pids=worker_pids)
                return None
            tree = processes.process_tree(master)
            processes.stop_tree(tree, timeout=self.stop_timeout)
            self._reap_child()
            processes.remove_file(self.pid_file)
            processes.remove_file(self.ready_file)
            return Stopped(pid=master.pid, pids=tuple(proc.pid for proc in tree), worker_pids=worker_pids)

    def status(self) -> Status:
        worker = self.worker_status() if self.worker else None
        master = self._master()
        if master is None:
            return Status(running=False, url=self.url, log_file=self.log_file, worker=worker)
        tree = processes.process_tree(master)
        return Status(running=True, url=self.url, log_file=self.log_file, pid=master.pid,
                      pids=tuple(proc.pid for proc in tree), health=health.check(self.url),
                      worker=worker)

    def start_worker(self, progress: Callable[[], None] | None = None) -> int:
        """(Re)start the Celery worker alone, e.g. after it died; replaces a stale one. Its pid.
        Raises EngineError, after killing it, when it is not ready within `start_timeout`."""
        with private_files():
            return self._start_worker(progress, time.monotonic() + self.start_timeout).pid

    def worker_status(self) -> WorkerStatus:
        proc = self._worker_process()
        if proc is None:
            return WorkerStatus(running=False, log_file=self.worker_log_file)
        return WorkerStatus(running=True, log_file=self.worker_log_file, pid=proc.pid,
                            pids=tuple(each.pid for each in processes.process_tree(proc)),
                            ready=self.worker_ready_file.exists())

    # --- internals --------------------------------------------------------------
    def command(self) -> list[str]:
        command = [str(self.uwsgi), "--ini", str(self.project_dir / UWSGI_INI),
                   "--http-socket", f"{self.host}:{self.port}",
                   "--pidfile", str(self.pid_file)]
        if self.module:
            command += ["--module", self.module]
        if self._ready_hook():
            command += ["--hook-accepting", f"appendn:{self.ready_file} ready"]
        return command + list(self.uwsgi_args)

    def _ready_hook(self) -> bool:
        """uWSGI hooks split their argument at the first space: no hook for such a path
        (readiness is then the health check alone)."""
        return not any(char.isspace() for char in str(self.ready_file))

    def backend_environment(self) -> dict[str, str]:
        """What any backend process of this deployment gets: `env` and a few process basics."""
        inherited = {name: value for name, value in os.environ.items()
                     if name in PASSTHROUGH or name.startswith("LC_")}
        return {**inherited, **self.env, "DATA_DIR": str(self.data_dir)}

    def child_environment(self) -> dict[str, str]:
        return {**self.backend_environment(), MARKER: str(self.pid_file)}

    def _spawn(self) -> subprocess.Popen:
        if not self.uwsgi.exists():
            raise EngineError(f"uWSGI not found at {self.uwsgi}")
        with open(self.log_file, "ab") as log:
            self._child = subprocess.Popen(
                self.command(), cwd=self.project_dir, env=self.child_environment(),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True, umask=PRIVATE_UMASK,
            )
        return self._child

    # --- the Celery worker --------------------------------------------------------
    def worker_command(self) -> list[str]:
        # No gossip, mingle or heartbeat: one worker per deployment, nothing to sync with
        # (and no broadcast queues left behind in the embedded transport's folders).
        # A node name of this deployment's own: two deployments of one host sharing a broker
        # would otherwise both be celery@<host> and fight over its control queue.
        node = "rapydo-" + hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:10] + "@%h"
        return [str(self.celery), "-A", WORKER_APP, "worker", "--loglevel=INFO", "--concurrency=1",
                "--hostname", node, "--without-gossip", "--without-mingle", "--without-heartbeat",
                *self.worker_args]

    def worker_environment(self) -> dict[str, str]:
        return {**self.child_environment(), WORKER_MARKER: str(self.worker_pid_file)}

    def _start_worker(self, progress, deadline: float) -> subprocess.Popen:
        """Spawn the worker and wait until it logs that it is ready; on failure (or an
        interrupt) kill it before raising, so that no half-started worker is left."""
        if not self.celery.exists():
            raise EngineError(f"celery not found at {self.celery}")
        with self._lock():
            stale = self._worker_process()
            if stale is not None:  # left behind by an API that crashed: replace it
                processes.stop_tree(processes.process_tree(stale), timeout=self.stop_timeout)
            processes.remove_file(self.worker_pid_file)
            processes.remove_file(self.worker_ready_file)
            offset = self.worker_log_file.stat().st_size if self.worker_log_file.exists() else 0
            with open(self.worker_log_file, "ab") as log:
                self._worker_child = subprocess.Popen(
                    self.worker_command(), cwd=self.project_dir, env=self.worker_environment(),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, close_fds=True, umask=PRIVATE_UMASK,
                )
            processes.write_pid(self.worker_pid_file, self._worker_child.pid)
        child = self._worker_child
        try:
            self._wait_worker_ready(child, offset, progress, deadline)
        except BaseException:
            self._abort_worker(child)
            raise
        self.worker_ready_file.write_text("ready\n")
        return child

    def _wait_worker_ready(self, child: subprocess.Popen, offset: int, progress, deadline: float) -> None:
        while True:
            code = child.poll()
            if code is not None:
                raise EngineError(f"the Celery worker exited with code {code} before it was ready",
                                  self._log_tail(offset, self.worker_log_file))
            if WORKER_READY in self._log_text(offset, self.worker_log_file):
                return
            if time.monotonic() >= deadline:
                raise EngineError(f"the Celery worker was not ready within {self.start_timeout:g} s "
                                  f"(START_TIMEOUT)", self._log_tail(offset, self.worker_log_file))
            if progress:
                progress()
            time.sleep(POLL_INTERVAL)

    def _stop_worker(self) -> tuple[int, ...]:
        """SIGTERM the worker (warm shutdown: it finishes its task), SIGKILL its tree after
        `stop_timeout`. Returns the pids collected before signalling."""
        proc = self._worker_process()
        tree = processes.process_tree(proc) if proc is not None else []
        if tree:
            processes.stop_tree(tree, timeout=self.stop_timeout)
        if self._worker_child is not None:
            self._worker_child.wait()
            self._worker_child = None
        processes.remove_file(self.worker_pid_file)
        processes.remove_file(self.worker_ready_file)
        return tuple(each.pid for each in tree)

    def _abort_worker(self, child: subprocess.Popen) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            processes.kill_tree(processes.process_tree(psutil.Process(child.pid)))
        child.wait()
        self._worker_child = None
        processes.remove_file(self.worker_pid_file)
        processes.remove_file(self.worker_ready_file)

    def _worker_process(self) -> psutil.Process | None:
        pid = processes.read_pid(self.worker_pid_file)
        return processes.find_process(pid, marker=(WORKER_MARKER, str(self.worker_pid_file)))

    # --- the API --------------------------------------------------------------------
    def _wait_ready(self, child: subprocess.Popen, log_offset: int, progress, deadline: float) -> None:
        last: Health | None = None
        while True:
            code = child.poll()
            if code is not None:
                raise EngineError(f"uWSGI exited with code {code} before the API answered"
                                  f"{self._first_error(log_offset)}", self._log_tail(log_offset))
            last = health.check(self.url, timeout=2.0)
            if last.serving and self._all_workers_ready(child.pid):
                return
            if time.monotonic() >= deadline:
                why = ("not every worker has built the app" if last.serving else
                       f"no 200 from {self.url}{health.STATUS_PATH}, last: {last.describe()}")
                raise EngineError(f"the API was not ready within {self.start_timeout:g} s "
                                  f"(START_TIMEOUT): {why}",
                                  self._log_tail(log_offset))
            if progress:
                progress()
            time.sleep(POLL_INTERVAL)

    def _all_workers_ready(self, master_pid: int) -> bool:
        """With lazy-apps every worker builds its own app: one answering worker does not
        mean the others are done (first-start work such as creating the administrator
        happens in whichever worker gets there first)."""
        if not self._ready_hook():
            return True
        try:
            workers = len(psutil.Process(master_pid).children())
            ready = len(self.ready_file.read_text().splitlines())
        except (psutil.NoSuchProcess, FileNotFoundError):
            return False
        return workers > 0 and ready >= workers

    def _abort(self, child: subprocess.Popen) -> None:
        """Kill everything this start launched (master and workers)."""
        with contextlib.suppress(psutil.NoSuchProcess):
            processes.kill_tree(processes.process_tree(psutil.Process(child.pid)))
        child.wait()
        processes.remove_file(self.pid_file)
        processes.remove_file(self.ready_file)

    def _reap_child(self) -> None:
        if self._child is not None:
            self._child.wait()
            self._child = None

    def _master(self) -> psutil.Process | None:
        pid = processes.read_pid(self.pid_file)
        try:
            written = self.pid_file.stat().st_mtime
        except FileNotFoundError:
            written = None
        return processes.find_process(pid, marker=(MARKER, str(self.pid_file)),
                                      executable=self.uwsgi, born_before=written)

    def _take_admin_credentials(self) -> tuple[str, str | None]:
        """`user:password` written once by the backend when it generated the password."""
        path = self.data_dir / ADMIN_CREDENTIALS
        default_user = self.env.get("ADMIN_USER") or "admin"
        try:
            text = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return default_user, None
        path.unlink()
        user, sep, password = text.partition(":")
        return (user, password) if sep else (default_user, None)

    def _log_text(self, offset: int = 0, log_file: Path | None = None) -> str:
        try:
            with open(log_file or self.log_file, "rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def _first_error(self, offset: int) -> str:
        """": <the first exception line>" of the log since `offset`, or "". When the app fails
        to load, uWSGI interrupts its other workers and their tracebacks fill the tail: the
        first error is the cause."""
        for line in self._log_text(offset).splitlines():
            if FIRST_ERROR.match(line):
                return f": {line.strip()}"
        return ""

    def _log_tail(self, offset: int = 0, log_file: Path | None = None) -> str:
        lines = self._log_text(offset, log_file).splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self.run_dir / "api.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def uwsgi_binary() -> Path:
    """The uWSGI installed next to this Python (the virtualenv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "uwsgi"
    if beside.exists():
        return beside
    found = shutil.which("uwsgi")
    return Path(found) if found else beside


def celery_binary() -> Path:
    """The celery installed next to this Python (the virtualenv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "celery"
    if beside.exists():
        return beside
    found = shutil.which("celery")
    return Path(found) if found else beside
