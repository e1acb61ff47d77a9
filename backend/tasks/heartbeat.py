"""Workers' heartbeats: /api/status tells whether a worker of this deployment is alive.

Each Celery worker writes DATA_DIR/run/worker-heartbeats/<node>.json once it consumes its
queue, then every JOB_HEARTBEAT seconds (a thread of its main process), and marks it
stopped when it shuts down warmly. The API's `worker` health check only reads these files:
no broker round trip, so /api/status stays fast whatever the broker, and it needs nothing
but DATA_DIR, which the compose engine mounts in the backend and celery containers alike.

- no file: no worker has started since the API did (the local engine clears the folder
  when it starts the API) -> "none", which does not make the status degraded: a
  deployment may run without workers;
- a worker beat within the last MISSED beats and is not known to be gone -> "ok";
- otherwise (stopped, silent, or, on this host, its process is gone) -> "down".
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
from celery.signals import worker_ready, worker_shutdown

from backend.settings import Settings

FOLDER = Path("run") / "worker-heartbeats"
# A worker that missed this many beats is down (it may be alive but stuck).
MISSED = 3
RUNNING, STOPPED = "running", "stopped"
UNSAFE = re.compile(r"[^A-Za-z0-9@._-]")


def interval(settings: Settings) -> float:
    return max(1.0, settings.job_heartbeat)


def check(settings: Settings, now: float | None = None) -> dict:
    """The `worker` entry of /api/status (see the module docstring)."""
    beats = _read_all(settings.data_dir / FOLDER)
    if not beats:
        return {"status": "none", "detail": "no worker has started for this deployment"}
    now = time.time() if now is None else now
    latest = max(beats, key=lambda beat: beat["time"])
    last = {"last_heartbeat": datetime.fromtimestamp(latest["time"], timezone.utc).isoformat()}
    alive = [beat for beat in beats if _why_down(beat, now, MISSED * interval(settings)) is None]
    if alive:
        return {"status": "ok", "workers": len(alive), **last}
    return {"status": "down", "error": _why_down(latest, now, MISSED * interval(settings)), **last}


def _why_down(beat: dict, now: float, stale_after: float) -> str | None:
    if beat.get("state") == STOPPED:
        return "stopped"
    if now - beat["time"] > stale_after:
        return f"no heartbeat for {now - beat['time']:.0f} s"
    if beat.get("host") == socket.gethostname() and not _alive(beat.get("pid")):
        return "its process is gone"
    return None


def _alive(pid) -> bool:
    """A zombie is gone too: its parent may never reap it."""
    try:
        return psutil.Process(int(pid)).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, ValueError, TypeError):
        return False
    except psutil.AccessDenied:
        return True


def _read_all(folder: Path) -> list[dict]:
    beats = []
    for path in folder.glob("*.json"):
        try:
            beat = json.loads(path.read_text(encoding="utf-8"))
            float(beat["time"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # half-written by hand or removed meanwhile: ignore it
        beats.append(beat)
    return beats


class Heartbeat:
    """One worker's heartbeat file: `start()` beats in a thread, `stop()` marks it stopped.
    The lock keeps a late beat from overwriting the stopped mark."""

    def __init__(self, folder: Path, node: str, every: float):
        self.path = folder / (UNSAFE.sub("_", node) + ".json")
        self.node, self.every = node, every
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def start(self) -> None:
        self._write(RUNNING)
        threading.Thread(target=self._run, name="worker-heartbeat", daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            self._write(STOPPED)

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            with self._lock:
                if not self._stopped.is_set():
                    self._write(RUNNING)

    def _write(self, state: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        partial.write_text(json.dumps({"node": self.node, "host": socket.gethostname(), "pid": os.getpid(),
                                       "time": time.time(), "state": state}), encoding="utf-8")
        partial.replace(self.path)  # readers never see half a file


@worker_ready.connect
def _start_beating(sender=None, **_):
    app = getattr(getattr(sender, "app", None), "flask_app", None)
    if app is None:  # a Celery app not built by create_app
        return
    settings = app.extensions["rapydo.settings"]
    sender.app.rapydo_heartbeat = Heartbeat(settings.data_dir / FOLDER, sender.hostname, interval(settings))
    sender.app.rapydo_heartbeat.start()


@worker_shutdown.connect
def _stop_beating(sender=None, **_):
    heartbeat = getattr(getattr(sender, "app", None), "rapydo_heartbeat", None)
    if heartbeat is not None:
        heartbeat.stop()
