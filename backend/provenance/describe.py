"""A finished job as one plain dict, the "run description" the RO-Crate and STAC exports
are built from (backend/provenance/crate.py, stac.py): the job's record, its workflow, its
inputs and outputs with their storage paths and checksums, and, from its PROV document,
the entity ids and agents.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import quote

from prov.constants import PROV_LOCATION
from prov.model import ProvDocument

from backend.workflows.requests import storage_paths


def _iso(value):
    return value.isoformat() if value is not None else None


# --- shared by the exports of a run description (crate.py, stac.py) -------------------------

def utc(value: str | None) -> str | None:
    """ISO 8601 / RFC 3339 in UTC with its offset (STAC's processing:datetime must end in
    +00:00 or Z); a time without an offset is taken as UTC already."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def data_url(run: dict, path: str) -> str:
    """Where the API serves a storage path of the run."""
    return run["urls"]["data"].rstrip("/") + quote(path, safe="/")


def _entities_by_location(document: ProvDocument | None) -> dict[str, str]:
    found = {}
    for record in (document.get_records() if document is not None else ()):
        if record.is_element():
            for key, value in record.attributes:
                if key == PROV_LOCATION:
                    found.setdefault(str(value), record.identifier.uri)
    return found


def _software(document: ProvDocument | None) -> dict[str, str]:
    software = {}
    for record in (document.get_records() if document is not None else ()):
        identifier = str(record.identifier or "")
        if record.is_element() and identifier.startswith("rapydo:software/"):
            name, version = identifier[len("rapydo:software/"):].rsplit("/", 1)
            software[name] = version
    return software


def run_description(job, steps, document: ProvDocument | None, *, urls: dict, host: str,
                    workflow_path: str | None) -> dict:
    entities = _entities_by_location(document)
    summary = json.loads(job.workflow_summary)
    output_steps = summary.get("output_steps") or {}
    inputs = [{"port": port, "path": ref["path"], "size": ref.get("size"),
               "checksum": ref.get("checksum"), "entity": entities.get(ref["path"])}
              for port, value in sorted(json.loads(job.inputs).items())
              for ref in storage_paths(value) if ref["class"] == "File"]
    results = json.loads(job.results or "{}")
    outputs = [{"port": port, "path": ref["path"], "size": ref.get("size"),
                "checksum": ref.get("checksum"), "step": output_steps.get(port, job.workflow_name),
                "created": _iso(job.finished), "entity": entities.get(ref["path"])}
               for port, value in sorted(results.items())
               for ref in storage_paths(value) if ref["class"] == "File"]
    software = _software(document)
    description = {
        "job": {"id": job.id, "status": job.status, "message": job.message,
                "created": _iso(job.created), "started": _iso(job.started),
                "finished": _iso(job.finished), "owner": job.owner,
                "outputs": job.outputs_collection},
        "workflow": {"name": job.workflow_name, "version": job.workflow_version,
                     "checksum": job.workflow_checksum, "cwl": job.workflow_cwl,
                     "path": workflow_path},
        "inputs": inputs,
        "outputs": outputs,
        "steps": [step.as_dict() for step in steps],
        "agents": {"user": job.owner,
                   "software": {"name": "rapydo-irods", "version": software.get("rapydo-irods", "")},
                   "engine": {"name": "cwltool", "version": software.get("cwltool", "")},
                   "host": host},
        "urls": urls,
    }
    if document is not None:
        description["prov_json"] = document.serialize(format="json")
    return description

