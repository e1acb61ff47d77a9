"""The runner: one attempt of one job, from staging its inputs to storing its results.

    claim -> stage inputs out of storage -> cwltool --provenance (subprocess, in the job's
    sandbox: sandbox.py) -> stage the outputs into storage -> finish; the work directory is
    removed whatever happens. Staging stays out here, with the worker's rights.

While cwltool runs, its log is parsed into per-step status; the job sends a heartbeat
every JOB_HEARTBEAT seconds and looks twice a second whether it was cancelled (then
cwltool's process group is killed). A failed step keeps its name, exit code and the tail
of its stderr; a job that does not end successful leaves no outputs in storage.

Kept after the attempt, under DATA_DIR/jobs/<id>/: cwltool's log and its provenance
research object (for the provenance store).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from backend.auth.models import utcnow
from backend.errors import RapydoError
from backend.provenance import cwlprov_archive
from backend.settings import Settings
from backend.workflows import cwlrun, locations, sandbox
from backend.workflows.cwlrun import StepTracker
from backend.workflows.jobs import JobStore, process_identity
from backend.workflows.models import FAILED, SUCCESSFUL, Job
from backend.workflows.staging import StageIn, StageOut, job_avus

log = logging.getLogger(__name__)

CANCEL_POLL = 0.5
LOG_FILE = "cwltool.log"
PROVENANCE_DIR = "provenance"
BUSY, DONE = "busy", "done"
WORK_PLACEHOLDER = "<work>"


class Cancelled(Exception):
    """The attempt is no longer the job's: cancelled, or handed to another worker."""


def _no_record(attempt: "Attempt") -> None:
    pass


@dataclass
class Context:
    settings: Settings
    store: JobStore
    storage_for: callable  # Job -> the owner's storage session
    # Called when the attempt is about to end the job (successful or failed), before the
    # work directory goes: the provenance capture (it reads Attempt.final, .staged_in,
    # .stored_out and .research_object).
    on_finished: callable = _no_record


class Pulse:
    """Heartbeats at most every `interval` seconds, cancellation checks every CANCEL_POLL."""

    def __init__(self, store: JobStore, job: Job, interval: float):
        self.store, self.job, self.interval = store, job, interval
        self.last_beat = self.last_check = time.monotonic()

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.last_beat >= self.interval:
            self.last_beat = self.last_check = now
            if not self.store.beat(self.job):
                raise Cancelled()
        elif now - self.last_check >= CANCEL_POLL:
            self.last_check = now
            if not self.store.still_mine(self.job):
                raise Cancelled()


def run(context: Context, job_id: str) -> str:
    """Run one attempt of `job_id`; BUSY when a live attempt elsewhere holds it."""
    claim = context.store.claim(job_id, process_identity())
    if claim.busy:
        return BUSY
    if claim.rerun:  # what a lost attempt started on this host may have outlived its worker
        cwlrun.kill_leftovers(job_id)
    if claim.job is None:
        log.info("job %s: nothing to run (%s)", job_id, claim.reason)
        return DONE
    Attempt(context, claim.job).run()
    return DONE


class Attempt:
    def __init__(self, context: Context, job: Job):
        self.context, self.job = context, job
        self.settings = context.settings
        self.job_dir = self.settings.jobs_dir / job.id
        self.work = self.job_dir / f"attempt-{job.attempt}"
        self.pulse = Pulse(context.store, job, self.settings.job_heartbeat)
        self.stage_out: StageOut | None = None
        self.stage_in: StageIn | None = None

    def run(self) -> None:
        try:
            self._prepare()
            self._execute()
        except Cancelled:
            log.info("job %s attempt %s: stopped (cancelled or taken over)", self.job.id, self.job.attempt)
            self._take_back()
        except RapydoError as exc:
            self._fail(exc.message)
        except Exception as exc:  # the job fails with the reason; the worker goes on
            log.exception("job %s failed in the runner", self.job.id)
            self._fail(f"internal error in the runner: {type(exc).__name__}: {exc}")
        finally:
            self._clean_up()

    # --- the parts ---------------------------------------------------------------------
    def _prepare(self) -> None:
        for earlier in self.job_dir.glob("attempt-*"):
            shutil.rmtree(earlier, ignore_errors=True)
        for part in ("inputs", "outputs", "tmp"):
            (self.work / part).mkdir(parents=True, mode=0o700)
        self.job_dir.chmod(0o700)
        self.storage = self.context.storage_for(self.job)

    def _execute(self) -> None:
        document = self.work / f"{self.job.workflow_name}.cwl"
        # Before any data moves: whether the job may run here, and as it asks.
        locations.check_document(self.job.workflow_cwl)
        launch = sandbox.launch(self.settings, self.work, document, self.work / "job.json",
                                self.job.id, self.job.workflow_cwl)
        self.stage_in = StageIn(self.storage, self.work / "inputs", self.settings.chunk_size,
                                tick=self.pulse)
        order = self.stage_in.job_order(json.loads(self.job.inputs))
        document.write_text(self.job.workflow_cwl, encoding="utf-8")
        (self.work / "job.json").write_text(json.dumps(order), encoding="utf-8")
        summary = json.loads(self.job.workflow_summary)
        tracker = StepTracker(steps=summary.get("steps") or [])
        sandbox.hand_over(self.settings, self.work)
        code = self._cwltool(launch, tracker)
        if code != 0:
            return self._step_failed(tracker, code)
        output = json.loads((self.work / "outputs.json").read_text(encoding="utf-8") or "{}")
        output_steps = summary.get("output_steps") or {}
        self.stage_out = StageOut(
            self.storage, self.job.outputs_collection,
            job_avus(self.job.id, f"{self.job.workflow_name}/{self.job.workflow_version}"),
            lambda port: output_steps.get(port, self.job.workflow_name),
            self.settings.chunk_size, tick=self.pulse, work=self.work)
        results = self.stage_out.results(output)
        if not self._end(SUCCESSFUL, "successful", results=results):
            raise Cancelled()

    def _cwltool(self, launch: sandbox.Launch, tracker: StepTracker) -> int:
        lines: queue.Queue[str | None] = queue.Queue()
        with (self.work / "outputs.json").open("wb") as stdout, \
                (self.job_dir / LOG_FILE).open("a", encoding="utf-8") as log_file:
            log_file.write(f"--- attempt {self.job.attempt}\n")
            process = cwlrun.start(launch.argv, self.work, stdout, cwlrun.subprocess.PIPE, launch.env)
            reader = threading.Thread(target=_read_lines, args=(process.stderr, lines), daemon=True)
            reader.start()
            try:
                finished = False
                while not finished:
                    finished = self._drain(lines, tracker, log_file)
                    self.pulse()
                process.wait()
            except BaseException:
                cwlrun.kill_group(process.pid)
                process.wait()
                raise
            finally:
                reader.join(timeout=5)
                # cwltool is gone: what the provenance capture will read, with the worker's rights.
                _drop_links(self.research_object)
        for step in tracker.logs:
            self.context.store.update_step(self.job, step, log=tracker.log_of(step))
        return process.returncode

    def _drain(self, lines: queue.Queue, tracker: StepTracker, log_file) -> bool:
        """Apply the log lines that arrived (waiting up to CANCEL_POLL); True at the end."""
        try:
            line = lines.get(timeout=CANCEL_POLL)
        except queue.Empty:
            return False
        while True:
            if line is None:
                return True
            # The server's directories are no business of the job's readers.
            line = line.replace(str(self.work), WORK_PLACEHOLDER)
            log_file.write(line)
            for event in tracker.feed(line):
                self._apply(event, tracker)
            try:
                line = lines.get_nowait()
            except queue.Empty:
                log_file.flush()
                return False

    def _apply(self, event: cwlrun.StepEvent, tracker: StepTracker) -> None:
        values = {}
        if event.status == "running":
            values.update(status="running", started=utcnow())
        elif event.status:
            values.update(status=event.status, finished=utcnow(), log=tracker.log_of(event.step))
        if event.exit_code is not None:
            values["exit_code"] = event.exit_code
        if values:
            self.context.store.update_step(self.job, event.step, **values)

    def _step_failed(self, tracker: StepTracker, code: int) -> None:
        steps = {step.name: step for step in self.context.store.steps(self.job.id)}
        failed = next((step for step in steps.values() if step.status == FAILED), None)
        if failed is None:
            tail = "\n".join((self.job_dir / LOG_FILE).read_text(errors="replace").splitlines()[-cwlrun.STDERR_TAIL_LINES:])
            self._fail(f"cwltool exited with code {code} before any step failed", stderr_tail=tail)
            return
        tail = tracker.stderr_tail(failed.name)
        exit_text = f" with exit code {failed.exit_code}" if failed.exit_code is not None else ""
        last = tail.splitlines()[-1] if tail else ""
        self._fail(f"step {failed.name} failed{exit_text}" + (f": {last}" if last else ""),
                   failed_step=failed.name, exit_code=failed.exit_code, stderr_tail=tail)

    def _fail(self, message: str, **details) -> None:
        self._take_back()
        self._end(FAILED, message, **details)

    def _end(self, status: str, message: str, **details) -> bool:
        """Record the outcome's provenance, then end the job: whoever sees the job ended
        finds its provenance (`final`: the job's fields as finish is about to write them)."""
        self.final = {"status": status, "message": message, "finished": utcnow(), **details}
        try:
            self.context.on_finished(self)
        except Exception:  # the job's outcome stands; a capture that failed is a bug to log
            log.exception("job %s: recording its provenance failed", self.job.id)
        return self.context.store.finish(self.job, status, message, **details,
                                         finished=self.final["finished"])

    # What the provenance capture reads.
    @property
    def staged_in(self) -> list:
        return self.stage_in.staged if self.stage_in else []

    @property
    def staged_collections(self) -> list:
        return self.stage_in.collections if self.stage_in else []

    @property
    def stored_out(self) -> list:
        return self.stage_out.stored if self.stage_out else []

    @property
    def research_object(self) -> Path:
        return self.work / PROVENANCE_DIR

    def _take_back(self) -> None:
        if self.stage_out is not None:
            self.stage_out.take_back()

    def _clean_up(self) -> None:
        """Remove the work directory, keeping of cwltool's research object only its records
        (bagit.txt and the manifests; metadata/: PROV documents and logs; workflow/: the
        packed workflow, job and output objects), up to CWLPROV_MAX_SIZE, for
        GET /api/jobs/<id>/cwlprov (backend/provenance/cwlprov_archive.py). Its data/ folder
        holds a copy of every input and output: those live in storage, a second copy per
        job would fill the disk."""
        cwlprov_archive.keep(self.work / PROVENANCE_DIR, self.job_dir / PROVENANCE_DIR,
                             self.settings.cwlprov_max_size)
        shutil.rmtree(self.work, ignore_errors=True)


def _drop_links(folder: Path) -> None:
    """Remove every symbolic link in `folder` (written by the job): cwltool's research object
    holds none of its own."""
    if folder.is_symlink():
        folder.unlink()
        return
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            if os.path.islink(os.path.join(root, name)):
                os.unlink(os.path.join(root, name))


def _read_lines(stream, lines: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        lines.put(raw.decode("utf-8", errors="replace"))
    stream.close()
    lines.put(None)
