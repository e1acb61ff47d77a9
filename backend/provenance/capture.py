"""From a finished job to its PROV document: gathers what model.build needs (the job's
record, its steps, what was staged in and out, cwltool's --provenance record).
"""

from __future__ import annotations

import json
import logging
import socket
from importlib import metadata
from pathlib import Path

from prov.model import ProvDocument

from backend.provenance import model

log = logging.getLogger(__name__)

# Inside cwltool's research object (kept under DATA_DIR/jobs/<id>/provenance).
CWLPROV_FILE = Path("metadata") / "provenance" / "primary.cwlprov.json"
PACKED_FILE = Path("workflow") / "packed.cwl"


def versions() -> dict[str, str]:
    found = {}
    for name, distribution in (("rapydo-irods", "rapydo-irods"), ("cwltool", "cwltool")):
        try:
            found[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def _final(step_status: str, job_status: str) -> str:
    """A step still running when its job ends ends with it (as JobStore.finish records)."""
    if step_status != "running" or job_status == "successful":
        return step_status
    return "failed" if job_status == "failed" else "dismissed"


def read_cwlprov(research_object: Path) -> ProvDocument | None:
    path = research_object / CWLPROV_FILE
    if not path.is_file():
        return None
    try:
        return ProvDocument.deserialize(source=str(path), format="json")
    except Exception:  # a truncated record (cwltool killed): the job's own records remain
        log.warning("unreadable cwltool provenance record %s", path)
        return None


def read_packed(research_object: Path | None) -> dict | None:
    """The packed workflow cwltool ran (JSON), for the wiring of step inputs; None if absent."""
    if research_object is None:
        return None
    path = Path(research_object) / PACKED_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        log.warning("unreadable packed workflow %s", path)
        return None


def run_of(job, steps, staged_in, stored_out, cwlprov: ProvDocument | None, *, zone: str,
           workflow_path: str | None, collections=(), packed: dict | None = None) -> model.Run:
    """`staged_in` / `stored_out`: staging's records (backend.workflows.staging.Staged)."""
    def data(items):
        return [model.Data(item.path, item.size, item.checksum, item.sha1, item.port, item.step)
                for item in items]

    return model.Run(
        job_id=job.id, owner=job.owner, zone=zone,
        workflow={"name": job.workflow_name, "version": job.workflow_version,
                  "checksum": job.workflow_checksum, "path": workflow_path},
        status=job.status, message=job.message, created=job.created, started=job.started,
        finished=job.finished, failed_step=job.failed_step,
        steps=[{"name": step.name, "status": _final(step.status, job.status),
                "started": step.started, "finished": step.finished or (
                    job.finished if step.status == "running" else None),
                "exit_code": step.exit_code} for step in steps],
        inputs=data(staged_in), outputs=data(stored_out) if job.status == "successful" else [],
        software=versions(), host=socket.gethostname(), cwlprov=cwlprov,
        collections=list(collections), packed=packed)

