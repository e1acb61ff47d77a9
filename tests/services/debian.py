"""RabbitMQ, PostgreSQL 15 and Redis from Debian's packages, started without systemd.

Each runs as its own system user (the packages create them) with its data under the state
directory, on its standard port on 127.0.0.1 only. A starter returns the pid to stop later.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.services.ports import answers, pid_alive, run, terminate, wait_until

PACKAGES = {
    "rabbitmq": ["rabbitmq-server"],
    "postgresql": ["postgresql-15"],
    "redis": ["redis-server"],
    # Not services, but the tests need them: `dot` draws PROV pictures, docker-compose
    # validates the rendered compose files; the web interface's browser tests (tests/web)
    # drive Chromium through Playwright with the system browser.
    "tools": ["graphviz", "docker-compose", "bubblewrap", "chromium", "chromium-driver"],
}
PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT = 120.0


def missing_packages(names: list[str]) -> list[str]:
    missing = []
    for name in names:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True)
        if "install ok installed" not in status.stdout:
            missing.append(name)
    return missing


def install(names: list[str]) -> list[str]:
    """apt-get install what is not installed yet; returns what it installed."""
    missing = missing_packages(names)
    if missing:
        environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=environment)
        # policy-rc.d-free install: the packages' postinst may try to start the service;
        # without systemd that fails harmlessly or starts nothing we rely on.
        run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=environment)
    return missing


def _owned_dir(path: Path, user: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    shutil.chown(path, user, user)
    return path


def _as(user: str, command: list[str], environment: dict[str, str] | None = None) -> list[str]:
    """`command` run as `user` with exactly `environment` (nothing of ours leaks in)."""
    variables = [f"{key}={value}" for key, value in (environment or {}).items()]
    return ["runuser", "-u", user, "--", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", *variables, *command]


def start_rabbitmq(state: Path) -> int:
    home = _owned_dir(state / "rabbitmq", "rabbitmq")
    environment = {
        "HOME": str(home),  # the Erlang cookie lives here
        "RABBITMQ_NODENAME": "rabbit@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": "5672",
        "RABBITMQ_DIST_PORT": "25672",
        "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
        "RABBITMQ_LOG_BASE": str(home / "log"),
        "RABBITMQ_PID_FILE": str(home / "rabbitmq.pid"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(home / "rabbitmq"),
    }
    log = open(home / "server.log", "ab")
    process = subprocess.Popen(_as("rabbitmq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"], environment),
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    wait_until(lambda: answers(5672) or process.poll() is not None, START_TIMEOUT, "RabbitMQ on 5672")
    if process.poll() is not None:
        raise RuntimeError(f"RabbitMQ exited {process.returncode}; see {home / 'server.log'}")
    # The pid file names the Erlang VM itself (runuser and the script are only its parents).
    return int((home / "rabbitmq.pid").read_text().strip())


def stop_rabbitmq(pid: int) -> None:
    terminate(pid)
    # epmd, the Erlang port mapper RabbitMQ started beside itself, goes once no node uses it.
    subprocess.run(_as("rabbitmq", ["epmd", "-kill"]), capture_output=True)


def start_postgresql(state: Path) -> int:
    """Our own cluster (trust for local connections), not Debian's `main` with its pg_hba."""
    data = state / "postgresql"
    if not (data / "PG_VERSION").exists():
        _owned_dir(data, "postgres")
        run(_as("postgres", [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]))
    options = f"-c listen_addresses=127.0.0.1 -c port=5432 -c unix_socket_directories={data}"
    run(_as("postgres", [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"),
                         "-o", options, "-w", "-t", str(int(START_TIMEOUT)), "start"]))
    exists = run(_as("postgres", [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-U", "postgres", "-tAc",
                                  "SELECT 1 FROM pg_database WHERE datname = 'test'"])).stdout.strip()
    if exists != "1":
        run(_as("postgres", [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-U", "postgres", "test"]))
    return int((data / "postmaster.pid").read_text().split()[0])


def stop_postgresql(pid: int) -> None:
    # SIGINT is PostgreSQL's "fast shutdown": roll back clients, checkpoint, exit.
    if pid_alive(pid):
        os.kill(pid, 2)
        wait_until(lambda: not pid_alive(pid), 60, "PostgreSQL shutdown")


def start_redis(state: Path) -> int:
    home = _owned_dir(state / "redis", "redis")
    run(_as("redis", ["redis-server", "--bind", "127.0.0.1", "--port", "6379", "--daemonize", "yes",
                      "--pidfile", str(home / "redis.pid"), "--logfile", str(home / "server.log"),
                      "--dir", str(home), "--save", ""]))
    pid_file = home / "redis.pid"
    # The daemonised server writes its pid file a moment after it forks.
    wait_until(lambda: answers(6379) and pid_file.exists() and pid_file.read_text().strip(),
               START_TIMEOUT, "Redis on 6379")
    return int(pid_file.read_text().strip())


def stop_redis(pid: int) -> None:
    terminate(pid)
