"""Shared by the benchmarks: a real API under uWSGI (started as `rapydo start` does),
a worker memory sampler and a timer. Benchmarks print ratios against a baseline
measured in the same run, because these machines are noisy."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import running_api  # noqa: E402  (the same launcher the tests use)
from tests.memory import PeakMemory  # noqa: E402,F401

OUT = ROOT / "bench" / "out"
PASSWORD = "bench-user-password"


@contextlib.contextmanager
def api_server(**env):
    """The API under uWSGI in a fresh data directory on the same disk as OUT."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
        with running_api(Path(data_dir), **env) as live:
            admin = live.session(live.admin_token())
            created = admin.post(live.url + "/admin/users",
                                 json={"username": "bench", "password": PASSWORD, "role": "user"})
            assert created.status_code == 201, created.text
            live.bench_token = live.login("bench", PASSWORD)
            yield live


def timed(action) -> float:
    """Seconds `action` takes, timed after flushing dirty pages, so that no step pays
    for the writes of the step before it."""
    os.sync()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start
