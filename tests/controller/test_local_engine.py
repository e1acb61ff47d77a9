"""`rapydo start|status|stop` on the local engine, with the real backend under real uWSGI.

The CLI runs in a subprocess, as an operator runs it; every process it starts is found
through the pid file and checked with psutil after `stop`.
"""

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import requests

from controller import processes
from controller.local_engine import MARKER, AlreadyRunning, EngineError, LocalEngine
from tests.live import ADMIN_PASSWORD, ROOT, free_port, live_environment, project_copy

PROBE = "tests.controller.probe_app:app"


class Deployment:
    """One data directory and port, driven through the CLI."""

    def __init__(self, project_dir: Path, data_dir: Path, **env):
        self.project_dir, self.data_dir, self.port = project_dir, data_dir, free_port()
        self.env = {"API_PORT": self.port, "PASSWORD_TIME_COST": 1, **env}
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: set[int] = set()

    def rapydo(self, *args: str) -> subprocess.CompletedProcess:
        options = ["--project-dir", str(self.project_dir), "--data-dir", str(self.data_dir)]
        for name, value in self.env.items():
            options += ["--env", f"{name}={value}"]
        # A clean environment: only what a shell session needs, no settings of the caller.
        environ = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
        return subprocess.run([sys.executable, "-m", "controller", *options, *args], cwd=ROOT,
                              env=environ, capture_output=True, text=True, timeout=180)

    def collect_pids(self) -> set[int]:
        """The uWSGI master from the pid file and its workers, remembered for the final check."""
        master = psutil.Process(processes.read_pid(self.data_dir / "run" / "api.pid"))
        found = {proc.pid for proc in processes.process_tree(master)}
        self.seen |= found
        return found

    def alive(self) -> list[int]:
        return [pid for pid in sorted(self.seen) if _alive(pid)]

    def cleanup(self) -> None:
        """Stop whatever a failed test left running, without the CLI."""
        LocalEngine(ROOT, live_environment(self.data_dir, self.port)).stop()


def _alive(pid: int) -> bool:
    try:
        return processes.is_alive(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def deployment(tmp_path):
    created = []
    project_dir = project_copy(tmp_path / "project")

    def make(**env) -> Deployment:
        created.append(Deployment(project_dir, tmp_path / f"data{len(created)}", **env))
        return created[-1]

    yield make
    for each in created:
        each.cleanup()
        assert not each.alive(), f"processes left: {each.alive()}"


def test_start_status_stop(deployment):
    api = deployment(ADMIN_PASSWORD=ADMIN_PASSWORD)
    started = api.rapydo("start")
    assert started.returncode == 0, started.stdout + started.stderr
    assert f"{api.url}/api" in started.stdout and "ready" in started.stdout
    assert "Administrator: admin" in started.stdout and ADMIN_PASSWORD not in started.stdout

    health = requests.get(api.url + "/api/status", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"

    pids = api.collect_pids()
    assert len(pids) == 5  # master + 4 workers

    status = api.rapydo("status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.startswith("running") and api.url in status.stdout
    assert "HTTP 200" in status.stdout

    stopped = api.rapydo("stop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "Stopped" in stopped.stdout
    assert api.alive() == []
    assert not (api.data_dir / "run" / "api.pid").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(api.url + "/api/status", timeout=10)

    status = api.rapydo("status")
    assert status.returncode == 3 and status.stdout.startswith("not running")


def test_a_second_start_is_refused_and_leaves_the_first_running(deployment):
    api = deployment(ADMIN_PASSWORD=ADMIN_PASSWORD)
    assert api.rapydo("start").returncode == 0
    pids = api.collect_pids()

    again = api.rapydo("start")
    assert again.returncode == 1
    assert "already running" in again.stderr
    assert api.collect_pids() == pids
    assert requests.get(api.url + "/api/status", timeout=10).status_code == 200

    assert api.rapydo("stop").returncode == 0
    assert api.alive() == []


def test_stop_when_not_running_says_so_and_succeeds(deployment):
    api = deployment()
    for _ in range(2):
        stopped = api.rapydo("stop")
        assert stopped.returncode == 0, stopped.stderr
        assert "not running" in stopped.stdout


def test_the_generated_admin_password_is_printed_once_and_works(deployment):
    api = deployment()  # no ADMIN_PASSWORD: the backend generates one
    first = api.rapydo("start")
    assert first.returncode == 0, first.stdout + first.stderr
    api.collect_pids()
    line = next(line for line in first.stdout.splitlines() if "password:" in line)
    password = line.split("password:", 1)[1].strip()
    assert not (api.data_dir / "admin-credentials").exists()
    login = requests.post(api.url + "/auth/login", json={"username": "admin", "password": password}, timeout=30)
    assert login.status_code == 200
    assert api.rapydo("stop").returncode == 0

    second = api.rapydo("start")
    assert second.returncode == 0, second.stdout + second.stderr
    api.collect_pids()
    assert password not in second.stdout
    assert "printed at the first start" in second.stdout
    assert api.rapydo("stop").returncode == 0
    assert api.alive() == []


def test_the_live_api_fixture(live_api):
    token = live_api.login(*live_api.admin)
    profile = live_api.session(token).get(live_api.url + "/auth/profile", timeout=10)
    assert profile.status_code == 200
    assert profile.json()["username"] == live_api.admin[0]
    assert live_api.pid in live_api.pids()
    assert live_api.session().get(live_api.url + "/auth/profile", timeout=10).status_code == 401


def test_extra_settings_reach_the_backend(live_api_factory):
    api = live_api_factory(ADMIN_USER="curator")
    assert api.admin[0] == "curator"
    profile = api.session(api.login(*api.admin)).get(api.url + "/auth/profile", timeout=10)
    assert profile.json()["username"] == "curator"


# --- failures, with the probe app or no app at all -------------------------------------

def test_an_app_that_cannot_load_fails_the_start_with_the_log_and_leaves_nothing(tmp_path):
    engine = LocalEngine(ROOT, live_environment(tmp_path / "data", free_port()),
                         module="tests.controller.no_such_module:app")
    with pytest.raises(EngineError) as failure:
        engine.start()
    assert "exited with code 22" in failure.value.message
    assert "no_such_module" in failure.value.log_tail
    assert not engine.pid_file.exists()
    assert not ours_still_running(engine)


def test_a_stale_pid_file_is_not_a_running_api(tmp_path):
    engine = LocalEngine(ROOT, live_environment(tmp_path / "data", free_port()), module=PROBE)
    processes.write_pid(engine.pid_file, os.getpid())  # alive, but not our uWSGI
    assert engine.status().running is False
    assert engine.stop() is None  # and certainly not killed
    assert not engine.pid_file.exists()
    processes.write_pid(engine.pid_file, os.getpid())
    try:
        started = engine.start()
        assert engine.status().running and engine.status().pid == started.pid
        with pytest.raises(AlreadyRunning):
            LocalEngine(ROOT, engine.env, module=PROBE).start()
    finally:
        engine.stop()
    assert not ours_still_running(engine)


def ours_still_running(engine: LocalEngine) -> list[int]:
    """Every live process whose environment carries this engine's marker."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARKER) == str(engine.pid_file) and processes.is_alive(proc):
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found
