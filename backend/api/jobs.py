"""Jobs, shaped like OGC API - Processes (Part 1, and the Part 4 job management draft).

POST /api/jobs                  run a registered workflow -> 201, Location: /api/jobs/<id>
GET  /api/jobs                  the user's jobs (admins: anyone's), filtered and paginated
GET  /api/jobs/<id>             status, times, progress, per-step status
DELETE /api/jobs/<id>           cancel a queued or running job, dismiss a finished one
GET  /api/jobs/<id>/results     what a successful job stored, per output port
GET  /api/jobs/<id>/logs        per step (JSON), one step or the whole cwltool log (text)
GET  /api/jobs/<id>/inputs.zip  every input file; /outputs.zip every output file (streamed)
"""

from __future__ import annotations

import json

from flask import Response, request, url_for
from flask_restful import Resource

from backend.api import params, transfers
from backend.api.spec import INTEGER, STRING, json_body, operation, path_param, query
from backend.auth import auth_service, current_storage_credentials, current_user, login_required
from backend.errors import BadRequest, Conflict, NotFound, PermissionDenied
from backend.settings import current_settings
from backend.storage import user_storage
from backend.workflows import archive, jobs, registry
from backend.workflows.models import (DISMISSED, FAILED, FINISHED, JOB_STATUSES, SUCCESSFUL,
                                      Job, JobStep)
from backend.workflows.runner import LOG_FILE

JOB_ID = path_param("job_id", "the job's id")
JOB_BODY = json_body(
    {"workflow": {"description": "\"name/version\", or {\"name\": ..., \"version\": ...}; "
                                 "without a version, the latest its owner registered"},
     "inputs": {"type": "object", "description": "per input port: a literal, or a storage path "
                                                 "as {\"class\": \"File\", \"path\": ...} or {\"href\": ...}"},
     "outputs": {"type": "string", "description": "the collection for the results: new, or empty"}},
    required=["workflow", "outputs"],
    example={"workflow": "text-two-step/1.0",
             "inputs": {"text": {"class": "File", "path": "/tempZone/home/alice/in.txt"}},
             "outputs": "/tempZone/home/alice/results/run1"})


def _links(job: Job) -> list[dict]:
    def link(rel, endpoint, kind="application/json", title=None):
        entry = {"rel": rel, "type": kind, "href": url_for(endpoint, job_id=job.id, _external=True)}
        return {**entry, "title": title} if title else entry

    links = [link("self", "jobitem"), link("logs", "joblogs")]
    links.append(link("inputs", "jobinputsarchive", "application/zip", "all inputs as a zip"))
    if job.status == SUCCESSFUL:
        links.append(link("http://www.opengis.net/def/rel/ogc/1.0/results", "jobresults"))
        links.append(link("outputs", "joboutputsarchive", "application/zip", "all outputs as a zip"))
    if job.status in FINISHED and current_settings().prov_capture:
        # PROV-AQ's relation, and the one Weaver (OGC Testbed-20) gives a job's provenance.
        for rel in ("http://www.w3.org/ns/prov#has_provenance", "provenance"):
            links.append(link(rel, "jobprovenance", "application/json", "the job's provenance (W3C PROV)"))
    return links


def _described(job: Job, steps: list[JobStep] | None = None) -> dict:
    data = job.as_dict(jobs().store.steps(job.id) if steps is None else steps)
    data["jobID"] = job.id  # OGC's name for it
    data["links"] = _links(job)
    return data


def _workflow_reference(value) -> tuple[str, str | None]:
    if isinstance(value, str):
        name, _, version = value.partition("/")
        return name, version or None
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        version = value.get("version")
        if version is not None and not isinstance(version, str):
            raise BadRequest("workflow.version must be a string")
        return value["name"], version
    raise BadRequest("workflow must be \"name/version\" or {\"name\": ..., \"version\": ...}")


def _visible_job(job_id: str) -> Job:
    user = current_user()
    return jobs().get(job_id, user.username, user.is_admin)


class JobList(Resource):
    @operation("Run a registered workflow", tags=["jobs"], body=JOB_BODY,
               responses={201: "accepted: queued for a worker", 400: None, 403: None, 404: None,
                          409: None, 422: None, 503: None})
    @login_required()
    def post(self):
        body = params.json_object()
        name, version = _workflow_reference(body.get("workflow"))
        user = current_user()
        # Only a workflow the user may see; without a version, its owner's latest.
        version = registry().runnable(name, version, user.username, user.is_admin).version
        credentials = current_storage_credentials()
        job = jobs().submit(
            user_storage(), user.username, name, version,
            params.field(body, "inputs", dict, required=False, default={}),
            params.field(body, "outputs", str),
            sealed_credentials=auth_service().seal(credentials) if credentials else None)
        described = _described(job)
        return described, 201, {"Location": url_for("jobitem", job_id=job.id, _external=True)}

    @operation("Jobs: yours, or anyone's for admins", tags=["jobs"],
               parameters=[query("status", {"type": "string", "enum": list(JOB_STATUSES)}),
                           query("workflow", STRING, "name, or name/version"),
                           query("user", STRING, "whose jobs (admins; others may name themselves)"),
                           query("offset", INTEGER), query("limit", INTEGER, "at most 1000")],
               responses={200: "a page of jobs", 400: None, 403: None})
    @login_required()
    def get(self):
        user = current_user()
        owner = request.args.get("user") or (None if user.is_admin else user.username)
        if owner != user.username and not user.is_admin:
            raise PermissionDenied("only administrators may list other users' jobs")
        status = request.args.get("status") or None
        if status is not None and status not in JOB_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(JOB_STATUSES)}")
        offset = params.integer("offset", 0)
        limit = params.integer("limit", 100, minimum=1, maximum=1000)
        jobs().reap()
        rows, total = jobs().store.list(owner=owner, status=status,
                                        workflow=request.args.get("workflow") or None,
                                        offset=offset, limit=limit)
        steps = jobs().store.steps_of([job.id for job in rows])
        return {"jobs": [_described(job, steps[job.id]) for job in rows], "total": total, "offset": offset,
                "limit": limit}


class JobItem(Resource):
    @operation("A job's status, times, progress and steps", tags=["jobs"], parameters=[JOB_ID],
               responses={200: "the job", 404: None})
    @login_required()
    def get(self, job_id):
        return _described(_visible_job(job_id))

    @operation("Cancel a queued or running job, or dismiss a finished one", tags=["jobs"],
               parameters=[JOB_ID], responses={200: "dismissed", 403: None, 404: None})
    @login_required()
    def delete(self, job_id):
        user = current_user()
        job = jobs().store.dismiss(_visible_job(job_id), user.username, user.is_admin)
        return _described(job)


def _require_results(job: Job) -> None:
    """Nothing unless the job ended successful: then NotFound or Conflict saying why."""
    if job.status == SUCCESSFUL:
        return
    if job.status == FAILED:
        raise Conflict(f"job {job.id} failed, it has no results: {job.message}")
    if job.status == DISMISSED:
        raise NotFound(f"job {job.id} was dismissed: {job.message}")
    raise NotFound(f"job {job.id} is {job.status}: its results are not ready")


class JobResults(Resource):
    @operation("What a successful job stored, per output port", tags=["jobs"],
               parameters=[JOB_ID], responses={200: "the results", 404: None, 409: None})
    @login_required()
    def get(self, job_id):
        job = _visible_job(job_id)
        _require_results(job)
        return json.loads(job.results or "{}")


class JobLogs(Resource):
    @operation("A job's logs: per step (JSON), one step, or cwltool's whole log (text/plain)",
               tags=["jobs"],
               parameters=[JOB_ID, query("step", STRING, "only this step's log, as text"),
                           query("format", {"type": "string", "enum": ["json", "text"]},
                                 "text: cwltool's whole log")],
               responses={200: "the logs", 400: None, 404: None})
    @login_required()
    def get(self, job_id):
        job = _visible_job(job_id)
        steps = jobs().store.steps(job.id)
        step = request.args.get("step")
        if step is not None:
            found = next((each for each in steps if each.name == step), None)
            if found is None:
                raise NotFound(f"job {job.id} has no step {step}")
            return Response(found.log, mimetype="text/plain", headers=transfers.USER_CONTENT_HEADERS)
        whole = current_settings().jobs_dir / job.id / LOG_FILE
        if request.args.get("format") == "text":
            return Response(whole.read_text(errors="replace") if whole.exists() else "",
                            mimetype="text/plain", headers=transfers.USER_CONTENT_HEADERS)
        return {"steps": {each.name: each.log for each in steps},
                "failed_step": job.failed_step, "stderr_tail": job.stderr_tail}


def _zip_response(entries, filename: str) -> Response:
    chunks, size = archive.zip_stream(user_storage(), entries, current_settings().chunk_size)
    return Response(chunks, mimetype="application/zip", headers={
        "Content-Length": str(size), "Content-Disposition": transfers.content_disposition(filename)})


class JobInputsArchive(Resource):
    @operation("Every input file of a job, as a streamed zip", tags=["jobs"], parameters=[JOB_ID],
               responses={200: {"description": "the archive",
                                "content": {"application/zip": {}}}, 403: None, 404: None})
    @login_required()
    def get(self, job_id):
        job = _visible_job(job_id)
        entries = archive.entries_of_inputs(user_storage(), json.loads(job.inputs))
        return _zip_response(entries, f"job-{job.id}-inputs.zip")


class JobOutputsArchive(Resource):
    @operation("Every output file of a successful job, as a streamed zip", tags=["jobs"],
               parameters=[JOB_ID],
               responses={200: {"description": "the archive",
                                "content": {"application/zip": {}}}, 403: None, 404: None,
                          409: None})
    @login_required()
    def get(self, job_id):
        job = _visible_job(job_id)
        _require_results(job)
        entries = archive.entries_of_collection(user_storage(), job.outputs_collection)
        return _zip_response(entries, f"job-{job.id}-outputs.zip")


def register(api) -> None:
    api.add_resource(JobList, "/api/jobs")
    api.add_resource(JobItem, "/api/jobs/<job_id>")
    api.add_resource(JobResults, "/api/jobs/<job_id>/results")
    api.add_resource(JobLogs, "/api/jobs/<job_id>/logs")
    api.add_resource(JobInputsArchive, "/api/jobs/<job_id>/inputs.zip")
    api.add_resource(JobOutputsArchive, "/api/jobs/<job_id>/outputs.zip")
