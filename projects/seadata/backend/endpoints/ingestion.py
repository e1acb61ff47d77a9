"""/api/ingestion/<batch>: SeaDataCloud-style ingestion batches, and quality checks on them.

POST  /api/ingestion/<batch>      create the batch (its collection and record)      -> 201
PUT   /api/ingestion/<batch>      a zip body, streamed into the batch, then imported -> 202
GET   /api/ingestion/<batch>      status, counts, message and the QC jobs
POST  /api/ingestion/<batch>/qc   run a registered QC workflow on the batch          -> 202
"""

from __future__ import annotations

import uuid

from flask import url_for
from flask_restful import Resource

from backend.api import params, transfers
from backend.api.spec import STRING, json_body, operation, path_param
from backend.auth import current_user, login_required
from backend.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from backend.storage import user_storage
from backend.workflows import jobs, registry
from rapydo_projects.seadata import batches
from rapydo_projects.seadata.acting import sealed_credentials, send
from rapydo_projects.seadata.models.batches import IMPORTED, Batch

TAGS = ["seadata"]
BATCH = path_param("batch", "the batch id: letters, digits, '-', '_', '.'")
ZIP_BODY = {"required": True, "content": {
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
QC_BODY = json_body({"workflow": STRING, "version": STRING}, required=["workflow"],
                    example={"workflow": "qc-nonempty", "version": "1.0"})


def _url(batch: Batch) -> str:
    return url_for("ingestionbatch", batch=batch.id, _external=True)


def _quality_checks(batch: Batch) -> list[dict]:
    checks = batches.quality_checks(batch)
    if checks:
        jobs().reap([check.job_id for check in checks])  # a job whose worker was lost says so
    listed = []
    for check in checks:
        try:
            job = jobs().store.get(check.job_id)
            status, message = job.status, job.message
        except NotFound:
            status, message = "deleted", "the job no longer exists"
        listed.append({"job": check.job_id, "workflow": check.workflow, "version": check.version,
                       "status": status, "message": message, "outputs": check.outputs,
                       "created": check.created.isoformat(),
                       "url": url_for("jobitem", job_id=check.job_id, _external=True)})
    return listed


def described(batch: Batch, *, checks: bool = True) -> dict:
    data = {"batch": batch.id, "owner": batch.owner, "path": batch.path, "status": batch.status,
            "message": batch.message, "files": batch.files, "skipped": batch.skipped,
            "attempts": batch.attempts,
            "created": batch.created.isoformat(), "updated": batch.updated.isoformat(),
            "url": _url(batch)}
    if checks:
        data["quality_checks"] = _quality_checks(batch)
    return data


class IngestionBatch(Resource):
    @operation("Create an ingestion batch: the collection <home>/batches/<batch> and its record",
               tags=TAGS, parameters=[BATCH],
               responses={201: "the new batch", 400: None, 403: None, 409: "the batch exists"})
    @login_required()
    def post(self, batch):
        created = batches.create(user_storage(), current_user().username, batch,
                                 sealed_credentials())
        return described(created, checks=False), 201, {"Location": _url(created)}

    @operation("Upload the batch's zip (streamed into storage) and queue its import", tags=TAGS,
               parameters=[BATCH], body=ZIP_BODY,
               responses={202: "accepted: the import is queued; GET the batch for its status",
                          400: None, 403: None, 404: None, 409: "importing or imported already",
                          411: None, 413: None, 503: None})
    @login_required()
    def put(self, batch):
        found = batches.owned(batch, current_user(), "import into it")
        batches.importable(found)  # before the body is read: a conflict costs no upload
        storage = user_storage()
        upload = batches.upload_path(found, uuid.uuid4().hex)
        transfers.upload(storage, upload)
        if not batches.start_import(found, upload, sealed_credentials()):
            storage.remove(upload)  # another upload won the batch meanwhile
            batches.importable(batches.get(found.id))
            raise Conflict(f"batch {found.id} changed meanwhile: try again")
        try:
            send(batches.IMPORT_TASK, batch_id=found.id, upload=upload)
        except ServiceUnavailable as exc:
            batches.give_up(found.id, upload, f"not imported: {exc.message}")
            storage.remove(upload)
            raise
        started = batches.get(found.id)
        return described(started, checks=False), 202, {"Location": _url(started)}

    @operation("A batch: status (created, importing, imported, failed), counts, message, QC jobs",
               tags=TAGS, parameters=[BATCH],
               responses={200: "the batch", 400: None, 404: "no such batch (or not yours)"})
    @login_required()
    def get(self, batch):
        return described(batches.visible(batch, current_user()))


def _directory_port(workflow) -> str:
    """The workflow's input that takes the batch: its only Directory input."""
    ports = [name for name, spec in (workflow.as_dict().get("input_types") or {}).items()
             if spec.get("type") == "Directory"
             or isinstance(spec.get("type"), list) and "Directory" in spec["type"]]
    if len(ports) != 1:
        raise Unprocessable(f"workflow {workflow.name}/{workflow.version} must have exactly one "
                            f"Directory input to take the batch (it has {len(ports)})")
    return ports[0]


class IngestionQualityChecks(Resource):
    @operation("Run a registered QC workflow on an imported batch (a core job)", tags=TAGS,
               parameters=[BATCH], body=QC_BODY,
               responses={202: "accepted: the job's id and URL (/api/jobs/<id>)", 400: None,
                          403: None, 404: None, 409: "the batch is not imported", 422: None,
                          503: None})
    @login_required()
    def post(self, batch):
        user = current_user()
        found = batches.owned(batch, user, "check it")
        body = params.json_object()
        name = params.field(body, "workflow", str)
        version = params.field(body, "version", str, required=False)
        if found.status != IMPORTED:
            raise Conflict(f"batch {found.id} is {found.status}: quality checks run on imported batches")
        # Only a workflow the user may see; without a version, its owner's latest.
        workflow = registry().runnable(name, version, user.username, user.is_admin)
        version = workflow.version
        port = _directory_port(workflow)
        outputs = f"{found.path}/{batches.QC}/{name}-{version}-{uuid.uuid4().hex[:8]}"
        job = jobs().submit(user_storage(), user.username, name, version,
                            {port: {"class": "Directory", "path": found.path}}, outputs,
                            sealed_credentials=sealed_credentials())
        batches.add_quality_check(found, job.id, name, version, outputs)
        url = url_for("jobitem", job_id=job.id, _external=True)
        return ({"job": job.id, "batch": found.id, "workflow": name, "version": version,
                 "status": job.status, "outputs": outputs, "url": url}, 202, {"Location": url})


def register(api) -> None:
    api.add_resource(IngestionBatch, "/api/ingestion/<batch>")
    api.add_resource(IngestionQualityChecks, "/api/ingestion/<batch>/qc")
