"""A finished job as one plain dict, the "run description" the RO-Crate and STAC exports
are built from (backend/provenance/crate.py, stac.py): the job's record, its workflow, its
inputs and outputs with their storage paths and checksums, and, from its PROV document,
the entity ids and agents.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from urllib.parse import quote

from prov.model import ProvDocument, ProvGeneration

from backend.provenance import vocabulary as v
from backend.workflows.models import iso
from backend.workflows.requests import storage_paths


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
    """Storage path -> the id of the first entity located there (prov:location names a
    prov:Location now; vocabulary.paths_by_entity reads that and the older literals)."""
    found: dict[str, str] = {}
    if document is not None:
        for entity, paths in v.paths_by_entity(document).items():
            for path in paths:
                found.setdefault(path, entity)
    return found


def _software(document: ProvDocument | None) -> dict[str, str]:
    return v.software_versions(document) if document is not None else {}


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
                "created": iso(job.finished), "entity": entities.get(ref["path"])}
               for port, value in sorted(results.items())
               for ref in storage_paths(value) if ref["class"] == "File"]
    software = _software(document)
    description = {
        "job": {"id": job.id, "status": job.status, "message": job.message,
                "created": iso(job.created), "started": iso(job.started),
                "finished": iso(job.finished), "owner": job.owner,
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



# A run's id: `run/<job id>` (and `run/<job id>/step/...`) as vocabulary.run_id names it,
# "." joining the segments, or "/" in records stored before identifiers were NCNames.
_RUN = re.compile(r"^" + re.escape(v.ID.uri) + r"run[./]([0-9a-fA-F-]{36})(?:[./]|$)")


def generating_jobs(document: ProvDocument, entity: str) -> list[str]:
    """Ids of the jobs whose runs (or steps) generated `entity`, from a lineage `document`
    that holds its wasGeneratedBy records (the store's lineage of it, backward, depth 1)."""
    found = []
    for record in document.get_records(ProvGeneration):
        made, activity = record.args[0], record.args[1]
        if made is None or activity is None or made.uri != entity:
            continue
        matched = _RUN.match(activity.uri)
        if matched and matched.group(1) not in found:
            found.append(matched.group(1))
    return found
