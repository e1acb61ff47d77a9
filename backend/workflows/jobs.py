"""The jobs table: what the API and the runner say to each other about a job.

Every change of state is one short transaction. The runner owns a job only while it
holds the current attempt: `claim` starts an attempt, and every later write of the
runner is conditional on (status running, that attempt), so a job cancelled or handed to
another worker meanwhile is never overwritten by the one that lost it.

Lost workers: a running attempt sends a heartbeat every JOB_HEARTBEAT seconds. An attempt
without one for JOB_LOST_AFTER seconds (or whose process is gone, when it ran on this
host) has lost its worker: the job is claimed again by a redelivered task, or re-queued by
`reap_lost`; after JOB_MAX_ATTEMPTS attempts it fails, saying why.

A job runs only while its owner's account is active: disabling or deleting a user cancels
their unfinished jobs (`cancel_all_of`), and `claim` starts none whose owner is no longer
active, whatever the queue still holds.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import psutil
from sqlalchemy import and_, func, or_, select, update

from backend.auth.db import Database
from backend.auth.directory import UserDirectory
from backend.auth.models import utcnow
from backend.errors import NotFound, PermissionDenied
from backend.workflows.models import (ACCEPTED, DISMISSED, FAILED, FINISHED, RUNNING, SUCCESSFUL,
                                      WAITING, Job, JobStep, Workflow)


def process_identity(pid: int | None = None) -> str:
    """"host:pid:start time" of a process of this host: tells a live process from a pid reused."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{psutil.Process(pid).create_time():.2f}"


def local_process(identity: str | None) -> psutil.Process | None:
    """The live process `identity` names, if it is of this host; None if it is gone or elsewhere."""
    if not identity:
        return None
    host, _, rest = identity.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname():
        return None
    try:
        process = psutil.Process(int(pid))
        if f"{process.create_time():.2f}" != started or process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process
    except (psutil.NoSuchProcess, ValueError):
        return None


def ran_here_and_died(identity: str | None) -> bool:
    return bool(identity) and identity.split(":", 1)[0] == socket.gethostname() \
        and local_process(identity) is None


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to start an attempt."""

    job: Job | None = None  # claimed: run this attempt
    # An earlier attempt ran (and lost its worker): what it started may still run.
    rerun: bool = False
    busy: bool = False  # another live attempt holds it: try again later
    reason: str = ""  # neither: nothing to run (finished, dismissed, or failed just now)


class JobStore:
    def __init__(self, db: Database, *, lost_after: float, max_attempts: int):
        self.db = db
        self.lost_after = timedelta(seconds=lost_after)
        self.max_attempts = max_attempts
        # Jobs share the users' database: whose account may still run jobs.
        self.accounts = UserDirectory(db)

    # --- the API's side ---------------------------------------------------------------
    def create(self, owner: str, workflow: Workflow, inputs: dict, outputs: str, steps: list[str],
               sealed_credentials: str | None = None) -> Job:
        now = utcnow()
        job = Job(id=str(uuid.uuid4()), owner=owner, workflow_name=workflow.name,
                  workflow_version=workflow.version, workflow_checksum=workflow.checksum,
                  workflow_cwl=workflow.cwl, workflow_summary=workflow.summary,
                  status=ACCEPTED, message="queued", created=now, updated=now,
                  inputs=json.dumps(inputs), outputs_collection=outputs,
                  sealed_credentials=sealed_credentials)
        with self.db.transaction(write=True) as session:
            session.add(job)
            session.flush()
            for position, name in enumerate(steps):
                session.add(JobStep(job_id=job.id, name=name, position=position))
        return job

    def get(self, job_id: str) -> Job:
        with self.db.transaction() as session:
            job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return job

    def visible(self, job_id: str, user: str, is_admin: bool) -> Job:
        """The job, if `user` may see it (its owner, or an admin): NotFound otherwise, so that
        job ids of other users are not confirmed."""
        job = self.get(job_id)
        if job.owner != user and not is_admin:
            raise NotFound(f"no job {job_id}")
        return job

    def steps(self, job_id: str) -> list[JobStep]:
        with self.db.transaction() as session:
            return list(session.scalars(select(JobStep).where(JobStep.job_id == job_id)
                                        .order_by(JobStep.position)))

    def steps_of(self, job_ids: list[str]) -> dict[str, list[JobStep]]:
        """The steps of many jobs in one query (a page of a job list), by job id."""
        found: dict[str, list[JobStep]] = {job_id: [] for job_id in job_ids}
        if not job_ids:
            return found
        with self.db.transaction() as session:
            for step in session.scalars(select(JobStep).where(JobStep.job_id.in_(job_ids))
                                        .order_by(JobStep.job_id, JobStep.position)):
                found[step.job_id].append(step)
        return found

    def list(self, *, owner: str | None, status: str | None, workflow: str | None,
             offset: int, limit: int, statuses: list[str] | None = None,
             workflows: list[tuple[str, str | None]] | None = None,
             created_from: datetime | None = None,
             created_to: datetime | None = None) -> tuple[list[Job], int]:
        """Newest first. `statuses` (any of), `workflows` ((name, version or None), any of) and
        `created_from`/`created_to` (inclusive) narrow it further, as OGC's job list asks."""
        conditions = []
        if owner:
            conditions.append(Job.owner == owner)
        if status:
            conditions.append(Job.status == status)
        if statuses:
            conditions.append(Job.status.in_(statuses))
        if workflows:
            conditions.append(or_(*(and_(Job.workflow_name == name,
                                         *([Job.workflow_version == version] if version else []))
                                    for name, version in workflows)))
        if created_from is not None:
            conditions.append(Job.created >= created_from)
        if created_to is not None:
            conditions.append(Job.created <= created_to)
        if workflow:
            name, _, version = workflow.partition("/")
            conditions.append(Job.workflow_name == name)
            if version:
                conditions.append(Job.workflow_version == version)
        with self.db.transaction() as session:
            total = session.scalar(select(func.count(Job.id)).where(*conditions))
            rows = list(session.scalars(select(Job).where(*conditions)
                                        .order_by(Job.created.desc(), Job.id)
                                        .offset(offset).limit(limit)))
        return rows, total

    def dismiss(self, job: Job, user: str, is_admin: bool) -> Job:
        """Cancel a job that is queued or running (its runner stops within a second),
        or dismiss a finished one. PermissionDenied unless its owner or an admin."""
        if job.owner != user and not is_admin:
            raise PermissionDenied("only the job's owner or an administrator may dismiss it")
        message = ("dismissed after it finished" if job.status in FINISHED
                   else f"cancelled by {user}")
        self._dismiss(Job.id == job.id, message)
        return self.get(job.id)

    def cancel_all_of(self, owner: str, message: str) -> list[str]:
        """Cancel every queued or running job of `owner` (their runners stop within a
        second), saying why; the ids of the jobs cancelled."""
        return self._dismiss(and_(Job.owner == owner, Job.status.not_in(FINISHED)), message)

    def _dismiss(self, which, message: str) -> list[str]:
        """Mark the jobs `which` selects dismissed (a running attempt sees it at its next
        heartbeat and stops), with their running steps; the ids of those changed."""
        now = utcnow()
        with self.db.transaction(write=True) as session:
            ids = list(session.scalars(select(Job.id).where(which, Job.status != DISMISSED)
                                       .with_for_update()))
            if not ids:
                return []
            session.execute(update(Job).where(Job.id.in_(ids)).values(
                status=DISMISSED, message=message, updated=now,
                finished=func.coalesce(Job.finished, now)))
            session.execute(update(JobStep).where(JobStep.job_id.in_(ids),
                                                  JobStep.status == RUNNING)
                            .values(status=DISMISSED, finished=now))
        return ids

    def finish_unqueued(self, job_id: str, message: str) -> None:
        """A job that could not be queued: failed at once, saying why."""
        now = utcnow()
        with self.db.transaction(write=True) as session:
            session.execute(update(Job).where(Job.id == job_id, Job.status == ACCEPTED).values(
                status=FAILED, message=message, finished=now, updated=now))

    # --- the runner's side --------------------------------------------------------------
    def claim(self, job_id: str, worker: str) -> Claim:
        """Start an attempt of `job_id` in `worker` (process_identity()), if it is the job's
        turn and its owner's account is still active (else the job is dismissed, saying so)."""
        now = utcnow()
        with self.db.transaction(write=True) as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None:
                return Claim(reason="no such job")
            if job.status in FINISHED:
                return Claim(reason=f"already {job.status}")
            if job.status == RUNNING and not self._lost(job, now):
                return Claim(busy=True)
            if not self.accounts.active(job.owner):
                job.status, job.finished, job.updated = DISMISSED, now, now
                job.message = f"not run: the account of {job.owner} is disabled or deleted"
                session.execute(update(JobStep).where(JobStep.job_id == job_id,
                                                      JobStep.status == RUNNING)
                                .values(status=DISMISSED, finished=now))
                return Claim(reason=job.message, rerun=job.attempt > 0)
            if job.status == RUNNING and job.attempt >= self.max_attempts:
                self._fail_lost(session, job, now)
                return Claim(reason="lost too often", rerun=True)
            rerun = job.attempt > 0
            job.status, job.message = RUNNING, "running"
            job.attempt += 1
            job.worker = worker
            job.heartbeat = job.updated = now
            job.started = job.started or now
            # A re-run starts over: every step waits again.
            session.execute(update(JobStep).where(JobStep.job_id == job_id).values(
                status=WAITING, started=None, finished=None, exit_code=None, log=""))
            session.flush()
        return Claim(job=self.get(job_id), rerun=rerun)

    def _lost(self, job: Job, now: datetime) -> bool:
        return (job.heartbeat is None or job.heartbeat < now - self.lost_after
                or ran_here_and_died(job.worker))

    def _fail_lost(self, session, job: Job, now: datetime) -> None:
        job.status, job.finished, job.updated = FAILED, now, now
        job.message = (f"the worker running this job was lost {job.attempt} times "
                       f"(last heard of at {job.heartbeat.isoformat() if job.heartbeat else 'never'})")
        session.execute(update(JobStep).where(JobStep.job_id == job.id, JobStep.status == RUNNING)
                        .values(status=FAILED, finished=now))

    def _mine(self, job: Job):
        return and_(Job.id == job.id, Job.status == RUNNING, Job.attempt == job.attempt)

    def beat(self, job: Job) -> bool:
        """Record a heartbeat; False when the attempt is no longer the job's (cancelled, or
        handed to another worker): the runner must stop."""
        now = utcnow()
        with self.db.transaction(write=True) as session:
            changed = session.execute(update(Job).where(self._mine(job))
                                      .values(heartbeat=now, updated=now)).rowcount
        return changed == 1

    def still_mine(self, job: Job) -> bool:
        with self.db.transaction() as session:
            return session.scalar(select(func.count(Job.id)).where(self._mine(job))) == 1

    def update_step(self, job: Job, name: str, **values) -> None:
        with self.db.transaction(write=True) as session:
            if session.scalar(select(func.count(Job.id)).where(self._mine(job))) != 1:
                return
            step = session.get(JobStep, (job.id, name))
            if step is None:  # a step cwltool names that the summary did not (nested workflows)
                position = session.scalar(select(func.count()).select_from(JobStep)
                                          .where(JobStep.job_id == job.id))
                step = JobStep(job_id=job.id, name=name, position=position)
                session.add(step)
            for key, value in values.items():
                setattr(step, key, value)

    def finish(self, job: Job, status: str, message: str, *, results: dict | None = None,
               failed_step: str | None = None, exit_code: int | None = None,
               stderr_tail: str | None = None, finished: datetime | None = None) -> bool:
        """End the attempt (at `finished`, default now); False when it was no longer the
        job's (nothing written)."""
        now = finished or utcnow()
        with self.db.transaction(write=True) as session:
            changed = session.execute(update(Job).where(self._mine(job)).values(
                status=status, message=message, finished=now, updated=now, heartbeat=now,
                results=json.dumps(results) if results is not None else None,
                failed_step=failed_step, exit_code=exit_code, stderr_tail=stderr_tail)).rowcount
            if changed and status != SUCCESSFUL:
                session.execute(update(JobStep).where(JobStep.job_id == job.id,
                                                      JobStep.status == RUNNING)
                                .values(status=FAILED if status == FAILED else DISMISSED,
                                        finished=now))
        return changed == 1

    def reap_lost(self, job_ids: list[str] | None = None) -> list[tuple[str, bool]]:
        """Jobs whose worker was lost: failed when out of attempts, otherwise put back in
        the queue (status accepted). Returns (id, whether to send it to the workers again)."""
        now = utcnow()
        stale = and_(Job.status == RUNNING, or_(Job.heartbeat.is_(None),
                                                Job.heartbeat < now - self.lost_after))
        query = select(Job).where(stale)
        if job_ids is not None:
            query = query.where(Job.id.in_(job_ids))
        # Every GET of a job asks: look first with a read, so that the usual answer (nothing
        # lost) takes no write lock (SQLite has one for the whole database).
        with self.db.transaction() as session:
            if session.scalar(select(func.count()).select_from(query.subquery())) == 0:
                return []
        requeue = []
        with self.db.transaction(write=True) as session:
            for job in session.scalars(query.with_for_update()):
                if job.attempt >= self.max_attempts:
                    self._fail_lost(session, job, now)
                    requeue.append((job.id, False))
                    continue
                job.status, job.updated = ACCEPTED, now
                job.message = (f"queued again: its worker stopped sending heartbeats at "
                               f"{job.heartbeat.isoformat() if job.heartbeat else 'start'}")
                requeue.append((job.id, True))
        return requeue
