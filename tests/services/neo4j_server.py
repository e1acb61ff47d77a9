"""A real Neo4j 5 Community server for the tests, from Maven Central.

Maven resolves the embedded database and its Bolt connector into ~/.m2 (cached between runs on
one machine); Neo4jLauncher.java runs on that classpath. `Neo4jServer` starts one on a port with
its data in a directory and stops it by pid; tests that need to restart Neo4j start their own
on a free port, the shared one (`python3 -m tests.services up`) listens on 7687.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

from tests.services import STATE_DIR
from tests.services.ports import answers, pid_alive, run, terminate, wait_until

LAUNCHER = Path(__file__).resolve().parent / "neo4j_launcher"
DEFAULT_PORT = 7687
USER = "neo4j"
PASSWORD = "rapydo-test-neo4j"  # a test server on loopback; the tests read it from NEO4J_PASSWORD
START_TIMEOUT = 180.0


def classpath(cache_dir: Path) -> str:
    """The launcher's classpath, resolved by Maven once per pom.xml and kept in `cache_dir`."""
    pom = LAUNCHER / "pom.xml"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    cached = cache_dir / f"neo4j-classpath-{digest}.txt"
    if cached.exists() and all(Path(jar).exists() for jar in cached.read_text().split(":")):
        return cached.read_text()
    cache_dir.mkdir(parents=True, exist_ok=True)
    run(["mvn", "-q", "-B", "-f", str(pom), "dependency:build-classpath",
         f"-Dmdep.outputFile={cached}"])
    return cached.read_text()


class Neo4jServer:
    def __init__(self, port: int = DEFAULT_PORT, data_dir: Path | None = None, *,
                 password: str = PASSWORD):
        self.port = port
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="neo4j-"))
        self.password = password
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "launcher.log"

    def start(self) -> int:
        """Start and wait for Bolt to accept connections; returns the JVM's pid."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = ["java", "-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-cp", classpath(STATE_DIR / "cache"),
                   str(LAUNCHER / "Neo4jLauncher.java"), str(self.port), str(self.data_dir), self.password]
        with open(self.log_file, "ab") as log:
            offset = log.tell()  # a restart appends: only what this start writes counts
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        ready = f"neo4j ready on {self.uri}"
        wait_until(lambda: self.process.poll() is not None or ready in self._log_since(offset),
                   START_TIMEOUT, f"Neo4j on {self.port}")
        if self.process.poll() is not None or not answers(self.port):
            raise RuntimeError(f"Neo4j did not start (exit {self.process.poll()}); see {self.log_file}")
        return self.process.pid

    def _log_since(self, offset: int) -> str:
        with open(self.log_file, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            stop_pid(self.process.pid)
            self.process.wait()
            self.process = None


def stop_pid(pid: int) -> None:
    """SIGTERM runs the launcher's shutdown hook: Neo4j checkpoints and closes its store."""
    if pid_alive(pid):
        terminate(pid, timeout=60)
