"""The `worker` entry of /api/status, from the files workers' heartbeats leave in DATA_DIR."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

from backend.settings import Settings
from backend.tasks.heartbeat import FOLDER, Heartbeat, check


def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, job_heartbeat=5)


def write_beat(tmp_path, name: str, **beat) -> None:
    folder = tmp_path / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    beat = {"node": name, "host": socket.gethostname(), "pid": os.getpid(), "time": time.time(),
            "state": "running", **beat}
    (folder / f"{name}.json").write_text(json.dumps(beat))


def test_no_worker_ever_started_is_not_a_fault(tmp_path):
    assert check(settings(tmp_path))["status"] == "none"


def test_a_beating_worker_is_ok_and_down_once_stopped(tmp_path):
    heartbeat = Heartbeat(tmp_path / FOLDER, "rapydo-x@host/with slash", every=1.0)
    heartbeat.start()
    answer = check(settings(tmp_path))
    assert answer["status"] == "ok" and answer["workers"] == 1, answer
    heartbeat.stop()
    assert check(settings(tmp_path)) | {"last_heartbeat": None} == {
        "status": "down", "error": "stopped", "last_heartbeat": None}
    assert [path.name for path in (tmp_path / FOLDER).iterdir()] == ["rapydo-x@host_with_slash.json"]


def test_a_silent_worker_is_down(tmp_path):
    write_beat(tmp_path, "silent", time=time.time() - 3600)  # alive, but beat an hour ago
    answer = check(settings(tmp_path))
    assert answer["status"] == "down" and answer["error"].startswith("no heartbeat for"), answer


def test_a_worker_whose_process_is_gone_is_down_at_once(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    write_beat(tmp_path, "killed", pid=int(gone.stdout))
    assert check(settings(tmp_path))["error"] == "its process is gone"
    write_beat(tmp_path, "elsewhere", pid=int(gone.stdout), host="another-container")
    assert check(settings(tmp_path))["status"] == "ok"  # another host's pids cannot be checked here


def test_one_live_worker_among_dead_ones_is_ok(tmp_path):
    write_beat(tmp_path, "old", state="stopped")
    write_beat(tmp_path, "new")
    (tmp_path / FOLDER / "half.json").write_text("{")
    assert check(settings(tmp_path)) | {"last_heartbeat": None} == {
        "status": "ok", "workers": 1, "last_heartbeat": None}
