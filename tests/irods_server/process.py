"""The test server as a child process (python -m tests.irods_server), to kill and restart it."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class IrodsProcess:
    """start() / stop() (SIGTERM) / kill() (SIGKILL); a restart keeps the first start's port."""

    def __init__(self, port=0, zone="tempZone", admin=("rods", "rods"), users=(("alice", "apass"),),
                 tls=None, ready_timeout=15, stderr=None, seed=(), version="4.3", seed_avus=False):
        self.port, self.zone, self.admin, self.users = port, zone, admin, dict(users)
        self.version = version  # the iRODS release it presents itself as (server.RELEASES)
        self.seed = list(seed)  # (owner, collection, count): benchmarks' bulk objects (see __main__)
        self.seed_avus = seed_avus  # each seeded object with the AVUs of __main__.seed_avus
        self.stderr = stderr  # where the server's stderr goes (a file object); None: inherited
        self.tls = tls  # (cert, key) paths or None
        self.ready_timeout = ready_timeout
        self.host = "127.0.0.1"
        self.returncode = None  # of the last process ended
        self._proc = None

    def _argv(self):
        argv = [sys.executable, "-m", "tests.irods_server", "--port", str(self.port), "--zone", self.zone,
                "--admin", ":".join(self.admin), "--irods-version", self.version]
        for name, password in self.users.items():
            argv += ["--user", f"{name}:{password}"]
        for owner, collection, count in self.seed:
            argv += ["--seed", f"{owner}:{collection}:{count}"]
        if self.seed_avus:
            argv.append("--seed-avus")
        if self.tls:
            argv += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        return argv

    def start(self):
        if self.running:
            return self
        self._proc = subprocess.Popen(self._argv(), cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
                                      stderr=self.stderr, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self._readline()
        if not line.startswith("ready "):
            self.kill()
            raise RuntimeError(f"test iRODS server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def _readline(self):
        # A reader thread bounds the wait: a hung child must not hang the test run.
        result = []
        reader = threading.Thread(target=lambda: result.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.ready_timeout)
        return result[0].strip() if result else ""

    @property
    def running(self):
        return self._proc is not None and self._proc.poll() is None

    def stop(self):
        self._end(signal.SIGTERM)

    def kill(self):
        self._end(signal.SIGKILL)

    def _end(self, sig):
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()
        self.returncode = self._proc.returncode
        self._proc = None
