"""The workflows' tables: the registry (who owns each name, one row per name and version) and
jobs with their steps."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from backend.auth.models import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class WorkflowName(Base):
    """A name belongs to whoever registered it first: only they add versions under it, and
    they say whether others may see and run it."""

    __tablename__ = "workflow_names"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def as_dict(self) -> dict:
        return {"name": self.name, "owner": self.owner, "public": self.public,
                "created": self.created.isoformat()}


class Workflow(Base):
    __tablename__ = "workflows"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_workflow_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cwl: Mapped[str] = mapped_column(Text)
    # JSON: the default inputs (a job object), and what validation found (class, ports, steps).
    default_inputs: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(80))
    storage_path: Mapped[str] = mapped_column(String(1024))
    # The name's owner and sharing, loaded with the row (no foreign key: rows older than
    # workflow_names get theirs at start-up, Registry.create_schema).
    claim: Mapped[WorkflowName | None] = relationship(
        primaryjoin="foreign(Workflow.name) == WorkflowName.name", viewonly=True, lazy="joined")

    def as_dict(self, *, with_document: bool = False) -> dict:
        data = {"name": self.name, "version": self.version, "owner": self.owner,
                "public": bool(self.claim and self.claim.public and self.claim.owner == self.owner),
                "created": self.created.isoformat(), "updated": self.updated.isoformat(),
                "checksum": self.checksum, "path": self.storage_path, **json.loads(self.summary),
                "default_inputs": json.loads(self.default_inputs) if self.default_inputs else None}
        if with_document:
            data["cwl"] = self.cwl
        return data


# --- jobs ------------------------------------------------------------------------------
# A job's status, as OGC API - Processes names them.
ACCEPTED, RUNNING, SUCCESSFUL, FAILED, DISMISSED = (
    "accepted", "running", "successful", "failed", "dismissed")
JOB_STATUSES = (ACCEPTED, RUNNING, SUCCESSFUL, FAILED, DISMISSED)
FINISHED = (SUCCESSFUL, FAILED, DISMISSED)
# A step's status: waiting until cwltool starts it.
WAITING = "waiting"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def percent_done(steps: list["JobStep"], status: str) -> int:
    """How far a job is, 0-100: its share of steps done; a successful job is done whatever
    its steps say (the /api/jobs and OGC views both show this one figure)."""
    if status == SUCCESSFUL:
        return 100
    done = sum(1 for step in steps if step.status == SUCCESSFUL)
    return round(100 * done / len(steps)) if steps else 0


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_owner_created", "owner", "created"),
                      Index("ix_jobs_status_heartbeat", "status", "heartbeat"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    workflow_name: Mapped[str] = mapped_column(String(128))
    workflow_version: Mapped[str] = mapped_column(String(64))
    workflow_checksum: Mapped[str] = mapped_column(String(80))
    # The document and its summary as they were at submission (the registry's may change).
    workflow_cwl: Mapped[str] = mapped_column(Text)
    workflow_summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ACCEPTED)
    message: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The running attempt's last sign of life; attempts so far (a lost worker's job re-runs).
    heartbeat: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    # "host:pid:start time" of the process running the attempt.
    worker: Mapped[str | None] = mapped_column(String(255), default=None)
    # JSON: the request's inputs (storage paths and literals), as checked at submission.
    inputs: Mapped[str] = mapped_column(Text)
    outputs_collection: Mapped[str] = mapped_column(String(1024))
    # JSON: per output port, the stored objects (path, size, checksum) or a literal value.
    results: Mapped[str | None] = mapped_column(Text, default=None)
    failed_step: Mapped[str | None] = mapped_column(String(128), default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    # The last lines the failed step's tool wrote to stderr.
    stderr_tail: Mapped[str | None] = mapped_column(Text, default=None)
    # Storage credentials for the worker, sealed (IRODS_SESSION_MODE=user only).
    sealed_credentials: Mapped[str | None] = mapped_column(Text, default=None)

    def as_dict(self, steps: list["JobStep"]) -> dict:
        done = sum(1 for step in steps if step.status == SUCCESSFUL)
        return {
            "id": self.id, "owner": self.owner, "status": self.status, "message": self.message,
            "workflow": {"name": self.workflow_name, "version": self.workflow_version,
                         "checksum": self.workflow_checksum},
            "created": iso(self.created), "started": iso(self.started),
            "finished": iso(self.finished), "updated": iso(self.updated),
            "progress": {"done": done, "total": len(steps),
                         "percent": percent_done(steps, self.status)},
            "attempt": self.attempt, "inputs": json.loads(self.inputs),
            "outputs": self.outputs_collection, "failed_step": self.failed_step,
            "exit_code": self.exit_code, "stderr_tail": self.stderr_tail, "steps": [step.as_dict() for step in steps],
        }


class JobStep(Base):
    __tablename__ = "job_steps"

    job_id: Mapped[str] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=WAITING)
    started: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    # What the step's tools wrote to stderr (the last STEP_LOG_LIMIT bytes) and cwltool said of it.
    log: Mapped[str] = mapped_column(Text, default="")

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "started": iso(self.started),
                "finished": iso(self.finished), "exit_code": self.exit_code}
