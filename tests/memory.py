"""Peak memory growth of the API's uWSGI workers while a block of code runs
(used by the streaming tests and the benchmarks)."""

from __future__ import annotations

import contextlib
import threading

import psutil


class PeakMemory:
    def __init__(self, master_pid: int, interval: float = 0.01):
        self.workers = psutil.Process(master_pid).children(recursive=True)
        self.baseline = {worker.pid: worker.memory_info().rss for worker in self.workers}
        self.peak_growth = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for worker in self.workers:
                with contextlib.suppress(psutil.NoSuchProcess):
                    growth = worker.memory_info().rss - self.baseline[worker.pid]
                    self.peak_growth = max(self.peak_growth, growth)
            self._stop.wait(self._interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
