"""The API under real uWSGI, for tests: started by the controller's LocalEngine exactly as
`rapydo start` does, in a fresh DATA_DIR on a free loopback port, and torn down with a
check that none of its processes is left.

Use the `live_api` / `live_api_factory` fixtures (tests/conftest.py) rather than this
module directly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import psutil
import pytest
import requests

from controller import processes
from controller.config import load_config
from controller.local_engine import EngineError, LocalEngine

ROOT = Path(__file__).resolve().parent.parent
ADMIN_USER = "admin"
ADMIN_PASSWORD = "Live-API-admin-2024!correct-horse"
LOGIN_PATH = "/auth/login"
BIND_ATTEMPTS = 3


RABBITMQ = ("127.0.0.1", 5672)
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


def rabbitmq_url() -> str:
    """The local RabbitMQ's URL; skips the test when it is unreachable, fails it in CI."""
    try:
        socket.create_connection(RABBITMQ, timeout=2).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail(f"RabbitMQ is not reachable at {RABBITMQ[0]}:{RABBITMQ[1]} (CI is set)")
        pytest.skip("RabbitMQ is not reachable at 127.0.0.1:5672")
    return RABBITMQ_URL


def free_port() -> int:
    """A port the kernel just gave out on 127.0.0.1 (bind to port 0, then release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float = 60.0) -> bool:
    """Poll `condition` until it holds; False if it never did (a deadline, not a measurement)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def project_copy(directory: Path) -> Path:
    """A throw-away deployment directory for tests that run `rapydo start`, which records the
    deployment in the project directory (.rapydo-deployment): never the checkout's. The
    framework's files are copied (no .projectrc: hermetic); projects/ is the checkout's, where
    the backend finds them too."""
    for name in ("rapydo.yml", "docker-compose.base.yml", "confs/defaults.yml", "confs/uwsgi.ini"):
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, directory / name)
    (directory / "projects").symlink_to(ROOT / "projects", target_is_directory=True)
    return directory


def live_environment(data_dir: Path, port: int, **env) -> dict[str, str]:
    """The framework's layers (no .projectrc, no caller environment: hermetic) plus the test's values."""
    overrides = {
        "DATA_DIR": str(data_dir),
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "ADMIN_USER": ADMIN_USER,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PASSWORD_TIME_COST": "1",
    }
    overrides.update({name: str(value) for name, value in env.items()})
    return dict(load_config(ROOT, overrides=overrides, environ={}, host_file=False).variables)


@dataclass
class LiveApi:
    url: str
    data_dir: Path
    admin: tuple[str, str]
    pid: int
    engine: LocalEngine = field(repr=False)

    def pids(self) -> set[int]:
        """The uWSGI master and its current workers, and the Celery worker's processes if any."""
        status = self.engine.status()
        return set(status.pids) | set(status.worker.pids if status.worker else ())

    def login(self, username: str, password: str) -> str:
        response = requests.post(self.url + LOGIN_PATH, json={"username": username, "password": password},
                                 timeout=30)
        assert response.status_code == 200, f"login as {username} failed: {response.status_code} {response.text}"
        body = response.json()
        if isinstance(body, str):
            return body
        for key in ("token", "access_token"):
            if key in body:
                return body[key]
        raise AssertionError(f"no token in the login answer: {body}")

    def admin_token(self) -> str:
        return self.login(*self.admin)

    def session(self, token: str | None = None) -> requests.Session:
        """A session with `Authorization: Bearer <token>` (none without a token)."""
        session = requests.Session()
        if token:
            session.headers["Authorization"] = f"Bearer {token}"
        return session

    def log(self) -> str:
        return self.engine.log_file.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_api(data_dir: Path, *, module: str | None = None, worker: bool = False, **env) -> Iterator[LiveApi]:
    """Start the API (or `module`, a WSGI callable `pkg.mod:app`), yield it, stop it and
    assert that the master and every worker seen during the run are gone. `worker=True`
    also starts the Celery worker (off by default: most tests need no task)."""
    engine, started = _start(data_dir, module, env, worker)
    api = LiveApi(url=started.url, data_dir=data_dir, admin=(started.admin_user, ADMIN_PASSWORD),
                  pid=started.pid, engine=engine)
    seen = {started.pid}
    try:
        seen |= api.pids()
        yield api
    finally:
        seen |= api.pids()
        engine.stop()
        leftovers = [pid for pid in sorted(seen) if _alive(pid)]
        assert not leftovers, f"processes left after stopping the API: {leftovers}"


def _start(data_dir: Path, module: str | None, env: dict, worker: bool = False):
    for attempt in range(BIND_ATTEMPTS):
        engine = LocalEngine(ROOT, live_environment(data_dir, free_port(), **env), module=module,
                             worker=worker)
        try:
            return engine, engine.start()
        except EngineError as exc:
            # Another process took the port between free_port() and uWSGI's bind: retry.
            if "Address already in use" not in exc.log_tail or attempt == BIND_ATTEMPTS - 1:
                raise AssertionError(f"{exc.message}\n{exc.log_tail}") from None


def _alive(pid: int) -> bool:
    try:
        return processes.is_alive(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return False
