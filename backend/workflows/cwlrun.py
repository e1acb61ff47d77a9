"""cwltool as a subprocess: its command line, and what its log says about each step.

cwltool reports progress on stderr, one line per event ("[step upper] start",
"[job upper] exited with status: 3", "[step upper] completed success"); a tool's own
stderr is passed through between its "[job ...]" lines. Steps run one after the other
(no --parallel), so the lines between a job's start and its end are that job's.
Scattered instances are named `<step>_2`, `<step>_3`...: they count for their step.

cwltool runs in its own process group, so that cancelling a job kills the tools it
started too, and with the parent-death signal set, so that it dies with its worker.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

# One cwltool log line: "INFO [step upper] start" (--disable-color).
EVENT = re.compile(r"^(?:INFO|WARNING|ERROR|DEBUG)\s+\[(step|job|workflow) ?([^\]]*)\]\s*(.*)$")
EXITED = re.compile(r"exited with status: (-?\d+)")
COMPLETED = re.compile(r"completed (\w+)")
INSTANCE = re.compile(r"^(.*)_(\d+)$")
OTHER_LOG = re.compile(r"^(?:INFO|WARNING|ERROR|DEBUG)\s")
PR_SET_PDEATHSIG = 1
# In the environment of cwltool and of every process it starts.
JOB_MARKER = "RAPYDO_JOB"
STDERR_TAIL_LINES = 20
STEP_LOG_LIMIT = 64 * 1024


# cwltool's own entry point: `python -m cwltool` exits 0 even when the workflow failed.
CWLTOOL = [sys.executable, "-c", "import sys, cwltool.main; sys.exit(cwltool.main.run())"]


def command(workflow: Path, job_order: Path, work: Path, *, containers: bool,
            cwltool: list[str] = CWLTOOL) -> list[str]:
    """`cwltool`: how to start it (the sandbox starts it another way)."""
    return [*cwltool, "--disable-color", "--relax-path-checks",
            "--preserve-environment", JOB_MARKER,  # tools get a clean environment but this
            "--provenance", str(work / "provenance"),
            "--outdir", str(work / "outputs"),
            "--tmpdir-prefix", str(work / "tmp") + "/",
            "--tmp-outdir-prefix", str(work / "tmp") + "/",
            *([] if containers else ["--no-container"]),
            str(workflow), str(job_order)]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start(argv: list[str], cwd: Path, stdout, stderr, environment: dict[str, str]) -> subprocess.Popen:
    """`environment` (the sandbox builds it) holds JOB_MARKER: every tool inherits it (see
    kill_leftovers)."""
    return subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                            env=environment, start_new_session=True,
                            preexec_fn=_die_with_parent, close_fds=True)


def kill_group(pgid: int, grace: float = 2.0) -> None:
    """SIGTERM the process group, SIGKILL whatever is left after `grace` seconds."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_leftovers(job_id: str) -> int:
    """SIGKILL every process of this host still running for `job_id` (what a lost attempt
    left: cwltool dies with its worker, the tools it started do not). How many there were."""
    import psutil

    killed = 0
    for process in psutil.process_iter():
        try:
            if process.pid != os.getpid() and process.environ().get(JOB_MARKER) == job_id:
                process.kill()
                killed += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return killed


@dataclass
class StepEvent:
    """What a log line changed: `status` running | successful | failed, or only log text."""

    step: str
    status: str | None = None
    exit_code: int | None = None
    text: str = ""


@dataclass
class StepTracker:
    """Turns cwltool's log lines into step events. `steps`: the workflow's step names
    (a single tool has none: its one step is named after the job cwltool runs)."""

    steps: list[str]
    current: str | None = None
    logs: dict[str, list[str]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    ended: set[str] = field(default_factory=set)

    def step_of(self, name: str) -> str:
        name = name.strip()
        if name in self.steps or not self.steps:
            return name
        match = INSTANCE.match(name)
        if match and match.group(1) in self.steps:
            return match.group(1)
        return name

    def feed(self, line: str) -> Iterator[StepEvent]:
        line = line.rstrip("\n")
        match = EVENT.match(line)
        if match is None:
            if self.current is not None and not OTHER_LOG.match(line):
                yield from self._log(self.current, line)  # the running tool's own stderr
            return
        kind, name, rest = match.groups()
        if kind == "workflow":
            return
        if kind == "step" and self.steps and name.strip() not in self.steps:
            return  # a step of a nested workflow: its jobs are tracked instead
        step = self.step_of(name)
        yield from self._log(step, line)
        if kind == "job":
            self.current = step
            if step not in self.started:
                self.started.add(step)
                yield StepEvent(step, status="running")
        elif rest.startswith("start") and step not in self.started:
            self.started.add(step)
            yield StepEvent(step, status="running")
        exited = EXITED.search(rest)
        if exited:
            yield StepEvent(step, exit_code=int(exited.group(1)))
        completed = COMPLETED.match(rest)
        if completed is None:
            return
        success = completed.group(1) == "success"
        if kind == "step" or not self.steps:  # the step (or the single tool) is done
            self.current = None
            if step in self.ended:
                return
            self.ended.add(step)
            yield StepEvent(step, status="successful" if success else "failed",
                            exit_code=0 if success else None)
        elif not success and step not in self.ended:  # one failed instance fails its step
            self.ended.add(step)
            yield StepEvent(step, status="failed")

    def _log(self, step: str, line: str) -> Iterator[StepEvent]:
        self.logs.setdefault(step, []).append(line)
        yield StepEvent(step, text=line)

    def log_of(self, step: str) -> str:
        text = "\n".join(self.logs.get(step, []))
        return text[-STEP_LOG_LIMIT:]

    def stderr_tail(self, step: str) -> str:
        """The step's last lines that are not cwltool's own: what its tool wrote to stderr."""
        own = [line for line in self.logs.get(step, []) if not OTHER_LOG.match(line)
               and not line.startswith("    ")]
        return "\n".join(own[-STDERR_TAIL_LINES:])
