"""The controller remembers the deployment it started: an operator's session with the real
`rapydo` command (a subprocess in a throw-away project directory, a clean environment).

`API_PORT=... DATA_DIR=... rapydo start`, then `status`, `check`, `logs`, `list services` and
`stop` without that environment act on that deployment, never on the configured port; a dead
worker makes `status` fail and `start` starts it again; START_TIMEOUT bounds a start that then
leaves nothing; `init` leaves a deployment's secrets alone and `rapydo password` changes them.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
import requests
import yaml

from controller import processes
from controller.local_engine import MARKER, WORKER_MARKER, EngineError, LocalEngine
from tests.live import ROOT, free_port, live_environment, project_copy, wait_for

RAPYDO = Path(sys.executable).parent / "rapydo"
PASSWORD = "Operator-admin-2024!correct-horse"
PROBE = "tests.controller.probe_app:app"


class Operator:
    """A shell in the deployment directory: the real `rapydo`, with only PATH, HOME and LANG
    of the caller's environment plus what a call names (as `API_PORT=... rapydo start`)."""

    def __init__(self, project: Path):
        self.project = project
        self.data_dirs: set[Path] = {project / "data"}

    def __call__(self, *args: str, **env) -> subprocess.CompletedProcess:
        environ = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
        environ.update({"PASSWORD_TIME_COST": "1", **{name: str(value) for name, value in env.items()}})
        if "DATA_DIR" in env:
            self.data_dirs.add(Path(env["DATA_DIR"]))
        return subprocess.run([str(RAPYDO), *args], cwd=self.project, env=environ, capture_output=True,
                              text=True, timeout=300)

    def leftovers(self) -> list[int]:
        """Live processes of any data directory used here (they carry its pid files' paths)."""
        return [pid for data_dir in self.data_dirs for pid in ours(data_dir)]


def ours(data_dir: Path) -> list[int]:
    markers = {(MARKER, str(data_dir / "run" / "api.pid")), (WORKER_MARKER, str(data_dir / "run" / "worker.pid"))}
    found = []
    for proc in psutil.process_iter():
        try:
            environ = proc.environ()
            if any(environ.get(name) == value for name, value in markers) and processes.is_alive(proc):
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture
def operator(tmp_path):
    shell = Operator(project_copy(tmp_path / "project"))
    yield shell
    for data_dir in shell.data_dirs:  # whatever a failed test left running
        LocalEngine(shell.project, {"DATA_DIR": str(data_dir)}).stop()
    assert not shell.leftovers()


class Decoy:
    """Someone else's API on the port the configuration names: it counts what it is asked."""

    def __init__(self):
        self.requests = 0
        decoy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                decoy.requests += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"status": "ok"}')

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def decoy():
    server = Decoy()
    yield server
    server.server.shutdown()
    server.server.server_close()


def configure(project: Path, **variables) -> None:
    path = project / "rapydo.yml"
    document = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**document, "variables": variables}))


def test_later_commands_act_on_the_recorded_deployment(operator, decoy, tmp_path):
    configure(operator.project, API_PORT=decoy.port)  # the configuration names someone else's API
    port, data_dir = free_port(), tmp_path / "elsewhere"
    started = operator("start", API_PORT=port, DATA_DIR=data_dir, ADMIN_PASSWORD=PASSWORD)
    assert started.returncode == 0, started.stdout + started.stderr
    url = f"http://127.0.0.1:{port}"
    pointer = json.loads((operator.project / ".rapydo-deployment").read_text())
    assert pointer == {"data_dir": str(data_dir)}
    record = data_dir / "run" / "deployment.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600  # it holds the deployment's secrets
    assert json.loads(record.read_text())["variables"]["API_PORT"] == str(port)

    status = operator("status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "running  pid" in status.stdout and url in status.stdout and "HTTP 200" in status.stdout
    assert "worker   running" in status.stdout and "ready" in status.stdout
    assert f"API_PORT {port} there, configured {decoy.port}" in status.stderr

    check = operator("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"✓ API port 127.0.0.1:{port} is this deployment's (running, pid" in check.stdout
    assert f"✓ DATA_DIR {data_dir} is writable" in check.stdout

    logs = operator("logs", "all", "--tail", "2")
    assert logs.returncode == 0, logs.stderr
    sections = logs.stdout.split("==> ")[1:]
    assert [section.split(" <==")[0] for section in sections] == [
        str(data_dir / "logs" / "api.log"), str(data_dir / "logs" / "worker.log")]
    assert [len(section.strip().splitlines()) - 1 for section in sections] == [2, 2]
    assert " ready." in sections[1]

    listing = operator("list", "services")
    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line for line in listing.stdout.splitlines()}
    assert "uWSGI" in rows["api"] and "running" in rows["api"] and url in rows["api"]
    assert "Celery" in rows["worker"] and "running" in rows["worker"]
    assert f"kombu filesystem transport in {data_dir}/broker" in rows["broker"]

    root = requests.get(url + "/", timeout=10)  # no token
    assert root.status_code == 200
    assert root.json()["links"] == {"docs": "/api/docs", "specs": "/api/specs", "status": "/api/status",
                                    "login": "/auth/login"}
    assert requests.get(url + root.json()["links"]["docs"], timeout=10).status_code == 200

    stopped = operator("stop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "Stopped the API" in stopped.stdout and "Stopped the worker" in stopped.stdout
    assert not operator.leftovers()
    after = operator("status")
    assert after.returncode == 3 and url in after.stdout and str(data_dir) in after.stdout
    assert decoy.requests == 0


def test_a_dead_worker_fails_status_and_start_starts_it_again(operator):
    port = free_port()
    started = operator("start", API_PORT=port, ADMIN_PASSWORD=PASSWORD)
    assert started.returncode == 0, started.stdout + started.stderr
    url = f"http://127.0.0.1:{port}"
    assert requests.get(url + "/api/status", timeout=10).json()["services"]["worker"]["status"] == "ok"

    pid_file = operator.project / "data" / "run" / "worker.pid"
    worker = psutil.Process(processes.read_pid(pid_file))
    tree = processes.process_tree(worker)
    for proc in tree:
        proc.send_signal(signal.SIGKILL)
    assert wait_for(lambda: not any(processes.is_alive(proc) for proc in tree))

    health = requests.get(url + "/api/status", timeout=10)
    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    assert health.json()["services"]["worker"]["status"] == "down"
    status = operator("status")
    assert status.returncode == 1 and "worker   not running" in status.stdout

    again = operator("start")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "its worker does not: starting the worker" in again.stdout
    assert processes.read_pid(pid_file) not in {proc.pid for proc in tree}
    assert requests.get(url + "/api/status", timeout=10).status_code == 200
    assert operator("status").returncode == 0

    refused = operator("start")
    assert refused.returncode == 1 and "already running" in refused.stderr
    assert operator("stop").returncode == 0


def test_a_start_that_times_out_stops_what_it_started(operator):
    # A broker nobody listens on: the API's /api/status never answers 200.
    unreachable = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    failed = operator("start", API_PORT=free_port(), START_TIMEOUT=3, CELERY_BROKER_URL=unreachable)
    assert failed.returncode == 1
    assert "the API was not ready within 3 s (START_TIMEOUT)" in failed.stderr
    assert not operator.leftovers()
    assert not (operator.project / "data" / "run" / "api.pid").exists()
    assert not (operator.project / ".rapydo-deployment").exists()  # nothing was deployed


def test_a_worker_that_never_gets_ready_is_killed(tmp_path):
    never_ready = tmp_path / "celery"
    never_ready.write_text("#!/bin/sh\nsleep 600 &\nwait\n")  # a process with a child, silent
    never_ready.chmod(0o755)
    data_dir, port = tmp_path / "data", free_port()
    api = LocalEngine(ROOT, live_environment(data_dir, port), module=PROBE, worker=False)
    api.start()
    try:
        # The API runs, its worker does not: what `rapydo start` then starts.
        alone = LocalEngine(ROOT, live_environment(data_dir, port, START_TIMEOUT=1), module=PROBE,
                            celery=never_ready)
        with pytest.raises(EngineError, match=r"worker was not ready within 1 s \(START_TIMEOUT\)"):
            alone.start_worker()
        assert api.status().running
        assert set(ours(data_dir)) == set(api.status().pids)  # only the API is left
    finally:
        api.stop()
    # A whole start that fails at the worker leaves neither the worker nor the API.
    both = LocalEngine(ROOT, live_environment(data_dir, port, START_TIMEOUT=10), module=PROBE,
                       celery=never_ready)
    with pytest.raises(EngineError, match=r"not ready within 10 s \(START_TIMEOUT\)"):
        both.start()
    assert not ours(data_dir)
    assert not both.pid_file.exists() and not both.worker_pid_file.exists()


def login(url: str, password: str) -> requests.Response:
    return requests.post(url + "/auth/login", json={"username": "admin", "password": password}, timeout=30)


def test_init_leaves_a_deployment_alone_and_password_changes_its_secrets(operator):
    port = free_port()
    started = operator("start", API_PORT=port)  # no ADMIN_PASSWORD: generated, printed once
    assert started.returncode == 0, started.stdout + started.stderr
    generated = next(line for line in started.stdout.splitlines() if "password:" in line).split("password:")[1]
    url, first = f"http://127.0.0.1:{port}", generated.strip()
    old_token = login(url, first).json()["token"]

    init = operator("init")
    assert init.returncode == 0, init.stdout + init.stderr
    written = yaml.safe_load((operator.project / ".projectrc").read_text())["variables"]
    assert "JWT_SECRET" not in written and "ADMIN_PASSWORD" not in written
    assert "Not generated: JWT_SECRET, ADMIN_PASSWORD" in init.stdout
    assert login(url, first).status_code == 200

    changed = operator("password", "ADMIN_PASSWORD")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    second = yaml.safe_load((operator.project / ".projectrc").read_text())["variables"]["ADMIN_PASSWORD"]
    assert "password changed in the users database" in changed.stdout
    assert login(url, first).status_code == 401
    assert requests.get(url + "/auth/profile", headers={"Authorization": f"Bearer {old_token}"},
                        timeout=10).status_code == 401  # revoked
    token = login(url, second).json()["token"]
    api_pid = processes.read_pid(operator.project / "data" / "run" / "api.pid")

    rotated = operator("password", "JWT_SECRET")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert "restarted" in rotated.stdout
    assert "all tokens issued so far are now invalid" in rotated.stdout
    assert "iRODS credentials sealed in tokens" in rotated.stdout
    secret = yaml.safe_load((operator.project / ".projectrc").read_text())["variables"]["JWT_SECRET"]
    assert secret and processes.read_pid(operator.project / "data" / "run" / "api.pid") != api_pid
    assert requests.get(url + "/auth/profile", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code == 401
    assert login(url, second).status_code == 200  # same port, the new secret, the admin's password
    assert operator("status").returncode == 0

    unknown = operator("password", "NOT_A_SECRET")
    assert unknown.returncode == 2 and "JWT_SECRET" in unknown.stderr
    assert operator("stop").returncode == 0
