"""The local engine with its Celery worker, end to end: a task sent by the API runs on the
worker, `rapydo status` reports both processes, and `stop` leaves none of them.

Runs once on the embedded transport (no server) and once on RabbitMQ (127.0.0.1:5672:
skipped when unreachable, except in CI where it fails).
"""

import os
import subprocess
import sys

import psutil
import pytest
import requests

from controller import processes
from controller.local_engine import LocalEngine
from tests.live import (ADMIN_PASSWORD, ADMIN_USER, ROOT, free_port, live_environment, rabbitmq_url,
                        running_api)

def _alive(pid: int) -> bool:
    try:
        return processes.is_alive(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return False


def _rapydo(data_dir, port, env, *args) -> subprocess.CompletedProcess:
    options = ["--project-dir", str(ROOT), "--data-dir", str(data_dir), "--env", f"API_PORT={port}"]
    for name, value in env.items():
        options += ["--env", f"{name}={value}"]
    environ = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run([sys.executable, "-m", "controller", *options, *args], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=180)


@pytest.fixture(params=["embedded", "rabbitmq"])
def broker_env(request):
    if request.param == "embedded":
        return {}
    # Results go to this deployment's SQLite file: a worker of another deployment sharing
    # RabbitMQ's default queue could take our ping, so run one such test at a time per broker.
    return {"CELERY_BROKER_URL": rabbitmq_url()}


def test_a_task_runs_on_the_worker_and_stop_leaves_nothing(tmp_path, broker_env):
    data_dir, port = tmp_path / "data", free_port()
    env = {"ADMIN_PASSWORD": ADMIN_PASSWORD, "PASSWORD_TIME_COST": 1, **broker_env}
    engine = LocalEngine(ROOT, live_environment(data_dir, port, **env))
    seen: set[int] = set()

    def collect() -> None:
        state = engine.status()
        seen.update(state.pids)
        if state.worker:
            seen.update(state.worker.pids)

    try:
        started = engine.start()
        assert started.worker_pid is not None
        collect()

        status = requests.get(started.url + "/api/status", timeout=10)
        assert status.status_code == 200, status.text
        assert status.json()["services"]["broker"]["status"] == "ok"

        token = requests.post(started.url + "/auth/login", timeout=30,
                              json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}).json()
        token = token if isinstance(token, str) else token.get("token") or token["access_token"]
        ping = requests.post(started.url + "/api/tasks/ping", params={"timeout": 60}, timeout=90,
                             headers={"Authorization": f"Bearer {token}"})
        assert ping.status_code == 200, ping.text
        answer = ping.json()
        assert answer["pong"] is True
        collect()
        state = engine.status()
        assert answer["pid"] in state.worker.pids[1:]  # ran in the worker's pool, not in the API
        assert answer["pid"] not in state.pids

        shown = _rapydo(data_dir, port, env, "status")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert f"running  pid {started.pid}" in shown.stdout
        assert f"worker   running  pid {started.worker_pid}" in shown.stdout
        assert "ready" in shown.stdout
        worker_log = _rapydo(data_dir, port, env, "logs", "worker")
        assert worker_log.returncode == 0 and " ready." in worker_log.stdout, worker_log.stderr
        assert "rapydo.ping" in worker_log.stdout  # the task ran there

        collect()
        stopped = _rapydo(data_dir, port, env, "stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert "Stopped the worker" in stopped.stdout
    finally:
        engine.stop()
    assert len(seen) >= 7  # uWSGI master + 4 workers, celery main + 1 pool process
    leftovers = [pid for pid in sorted(seen) if _alive(pid)]
    assert not leftovers, f"processes left after stop: {leftovers}"
    assert not engine.worker_pid_file.exists() and not engine.pid_file.exists()
    assert not engine.status().running and not engine.status().worker.running


def test_ping_without_a_worker_is_a_503_within_the_timeout(tmp_path):
    with running_api(tmp_path / "data") as api:  # the API alone: no worker
        assert api.engine.status().worker is None
        response = api.session(api.admin_token()).post(api.url + "/api/tasks/ping",
                                                       params={"timeout": 1}, timeout=30)
        assert response.status_code == 503, response.text
        assert "no worker answered within 1 s" in response.text


def test_ping_is_for_admins_only(tmp_path):
    with running_api(tmp_path / "data") as api:
        assert requests.post(api.url + "/api/tasks/ping", timeout=10).status_code == 401
