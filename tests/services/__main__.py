"""`python3 -m tests.services up|down|status|env`: see tests/services/__init__.py."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tests.services import STATE_DIR, debian, neo4j_server
from tests.services.ports import answers, pid_alive

STATE_FILE = STATE_DIR / "started.json"


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    packages: list[str]
    start: Callable[[Path], int]  # returns the pid that `stop` takes
    stop: Callable[[int], None]


def _start_neo4j(state: Path) -> int:
    parent = state / "neo4j"
    parent.mkdir(parents=True, exist_ok=True)
    server = neo4j_server.Neo4jServer(neo4j_server.DEFAULT_PORT, Path(tempfile.mkdtemp(dir=parent)))
    return server.start()


def _stop_neo4j(pid: int) -> None:
    neo4j_server.stop_pid(pid)
    shutil.rmtree(STATE_DIR / "neo4j", ignore_errors=True)  # its data is temporary


SERVICES = [
    Service("RabbitMQ", 5672, debian.PACKAGES["rabbitmq"], debian.start_rabbitmq, debian.stop_rabbitmq),
    Service("PostgreSQL", 5432, debian.PACKAGES["postgresql"], debian.start_postgresql, debian.stop_postgresql),
    Service("Redis", 6379, debian.PACKAGES["redis"], debian.start_redis, debian.stop_redis),
    Service("Neo4j", neo4j_server.DEFAULT_PORT, [], _start_neo4j, _stop_neo4j),
]
JAVA_PACKAGES = {"java": "openjdk-17-jdk-headless", "mvn": "maven"}


def _load_started() -> dict[str, int]:
    try:
        return json.loads(STATE_FILE.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _save_started(started: dict[str, int]) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(started, indent=1))


def _timed(label: str, action: Callable[[], object]) -> object:
    began = time.monotonic()
    result = action()
    print(f"{label} in {time.monotonic() - began:.1f} s", flush=True)
    return result


def up() -> int:
    began = time.monotonic()
    packages = [package for service in SERVICES for package in service.packages] + debian.PACKAGES["tools"]
    packages += [package for command, package in JAVA_PACKAGES.items() if not shutil.which(command)]
    missing = debian.missing_packages(packages)
    if missing:
        _timed(f"installed {' '.join(missing)}", lambda: debian.install(missing))
    else:
        print("packages: all installed")
    started = _load_started()
    waiting = []
    for service in SERVICES:
        if answers(service.port):
            print(f"{service.name}: already answering on 127.0.0.1:{service.port}, left alone")
        else:
            waiting.append(service)
    # Side by side: Neo4j's JVM takes longest, the others start meanwhile.
    with ThreadPoolExecutor(len(waiting) or 1) as pool:
        futures = {service.name: pool.submit(_timed, f"{service.name}: started on 127.0.0.1:{service.port}",
                                             lambda service=service: service.start(STATE_DIR))
                   for service in waiting}
    failures = []
    for name, future in futures.items():
        try:
            started[name] = future.result()
        except RuntimeError as error:
            failures.append(f"{name}: {error}")
    _save_started(started)
    if failures:
        raise RuntimeError("\n".join(failures))
    print(f"services ready in {time.monotonic() - began:.1f} s", flush=True)
    return 0


def down() -> int:
    started = _load_started()
    for service in SERVICES:
        pid = started.pop(service.name, None)
        if pid is None:
            continue
        if pid_alive(pid):
            _timed(f"{service.name}: stopped (pid {pid})", lambda: service.stop(pid))
        else:
            print(f"{service.name}: pid {pid} had already gone")
        _save_started(started)
    if not any(service.name in started for service in SERVICES):
        print("nothing of ours is running")
    return 0


def status() -> int:
    started = _load_started()
    down_count = 0
    for service in SERVICES:
        up_now = answers(service.port)
        down_count += not up_now
        owner = f"started by this tool, pid {started[service.name]}" if service.name in started else "not ours"
        print(f"{service.name:<10} 127.0.0.1:{service.port:<5} {'up' if up_now else 'DOWN':<5} {owner}")
    return 1 if down_count else 0


def env() -> int:
    print(f"export NEO4J_URI=bolt://127.0.0.1:{neo4j_server.DEFAULT_PORT}")
    print(f"export NEO4J_USER={neo4j_server.USER}")
    print(f"export NEO4J_PASSWORD={neo4j_server.PASSWORD}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.services", description=__doc__)
    parser.add_argument("action", choices=["up", "down", "status", "env"])
    action = parser.parse_args(argv).action
    try:
        return {"up": up, "down": down, "status": status, "env": env}[action]()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
