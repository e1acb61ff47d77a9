"""`rapydo start` until healthy and `rapydo stop` until every process is gone, vs the same
two processes started and stopped by hand.

    .venv/bin/python bench/controller.py [--repeats 3]

By hand: `uwsgi --ini confs/uwsgi.ini --http-socket ...` and `celery -A
backend.tasks.worker worker ...` launched directly with the same environment,
ready when /api/status answers 200 and the worker's log says "ready"; stopped with
SIGTERM to both, done when no process of either is left. The controller does the
same plus configuration merging and validation, pid files, readiness checks and
printing. Prints seconds and the ratios controller / by hand (medians).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import OUT, ROOT

from controller import health  # noqa: E402
from controller.config import load_config  # noqa: E402
from tests.live import ADMIN_PASSWORD, free_port, project_copy  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def wait(condition, timeout=120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.05)


def environment(data_dir: Path, port: int) -> dict[str, str]:
    overrides = {"DATA_DIR": str(data_dir), "API_PORT": str(port), "ADMIN_PASSWORD": ADMIN_PASSWORD}
    variables = load_config(ROOT, overrides=overrides, environ={}, host_file=False).variables
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), **variables}


def by_hand(data_dir: Path) -> tuple[float, float]:
    port = free_port()
    env = environment(data_dir, port)
    log = data_dir / "worker.log"
    started = time.perf_counter()
    api = subprocess.Popen([str(VENV_BIN / "uwsgi"), "--ini", str(ROOT / "confs/uwsgi.ini"),
                            "--http-socket", f"127.0.0.1:{port}"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: health.check(f"http://127.0.0.1:{port}", timeout=2).ok)
    with log.open("wb") as output:
        worker = subprocess.Popen([str(VENV_BIN / "celery"), "-A", "backend.tasks.worker", "worker",
                                   "--loglevel=INFO", "--concurrency=1", "--without-gossip",
                                   "--without-mingle", "--without-heartbeat"], env=env, cwd=ROOT,
                                  stdout=output, stderr=subprocess.STDOUT)
    wait(lambda: log.exists() and "ready." in log.read_text(errors="replace"))
    start = time.perf_counter() - started

    processes = [psutil.Process(p.pid) for p in (api, worker)]
    processes += [child for p in list(processes) for child in p.children(recursive=True)]
    started = time.perf_counter()
    for proc in (api, worker):
        proc.send_signal(signal.SIGTERM)
    for proc in (api, worker):
        proc.wait(timeout=60)
    psutil.wait_procs(processes, timeout=60)
    return start, time.perf_counter() - started


def with_rapydo(data_dir: Path) -> tuple[float, float]:
    port = free_port()
    # `start` records the deployment in its project directory: a copy, not the checkout.
    project = project_copy(data_dir / "project")
    command = [str(VENV_BIN / "rapydo"), "--project-dir", str(project), "--data-dir", str(data_dir / "data"),
               "--env", f"API_PORT={port}", "--env", f"ADMIN_PASSWORD={ADMIN_PASSWORD}"]
    started = time.perf_counter()
    subprocess.run([*command, "start"], check=True, capture_output=True)
    start = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([*command, "stop"], check=True, capture_output=True)
    return start, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for _ in range(args.repeats):
        for label, run in (("by hand", by_hand), ("rapydo", with_rapydo)):
            with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
                start, stop = run(Path(data_dir))
            rows.append((label, start, stop))
            print(f"  {label:<8} start {start:.2f}s  stop {stop:.2f}s")
    median = {label: (statistics.median(r[1] for r in rows if r[0] == label),
                      statistics.median(r[2] for r in rows if r[0] == label)) for label in ("by hand", "rapydo")}
    print()
    print(f"start: rapydo {median['rapydo'][0]:.2f}s vs by hand {median['by hand'][0]:.2f}s "
          f"-> {median['rapydo'][0] / median['by hand'][0]:.2f}x;  "
          f"stop: rapydo {median['rapydo'][1]:.2f}s vs by hand {median['by hand'][1]:.2f}s "
          f"-> {median['rapydo'][1] / median['by hand'][1]:.2f}x")


if __name__ == "__main__":
    main()
