"""OGC API - Processes 1.0, Part 1, over the same job service as /api/jobs (one job model:
a job started here is a job of /api/jobs, and the other way round).

GET  /api/ogc/                              landing page
GET  /api/ogc/conformance                   conformance classes
GET  /api/ogc/processes                     the registered workflows the caller may run
GET  /api/ogc/processes/<id>                a process description (from the CWL document)
POST /api/ogc/processes/<id>/execution      execute: 201 + statusInfo, or `Prefer: wait=N`
GET  /api/ogc/jobs                          jobList: processID, status, datetime, type, limit
GET  /api/ogc/jobs/<id>                     statusInfo
DELETE /api/ogc/jobs/<id>                   dismiss (cancels a queued or running job)
GET  /api/ogc/jobs/<id>/results             results: links to /api/data for stored files
GET  /api/ogc/jobs/<id>/prov                the job's W3C PROV (Weaver's f= values, or Accept)

A process id is a workflow name (its owner's latest version) or `name@version`. Every route
needs a token; errors are OGC exception documents (RFC 7807 members, OGC type URIs).
"""

from __future__ import annotations

import functools
import json
import mimetypes
import uuid
from datetime import datetime
from urllib.parse import quote, unquote, urlencode, urlsplit

from flask import Response, request, url_for
from flask_restful import Resource
from werkzeug.exceptions import HTTPException

from backend import errors
from backend.api import params
from backend.api.errors import error_response, status_of
from backend.api.provenance import job_provenance_response
from backend.api.spec import INTEGER, STRING, header, operation, path_param, query
from backend.auth import auth_service, current_storage_credentials, current_user, login_required
from backend.provenance import formats
from backend.settings import current_settings
from backend.storage import user_storage
from backend.workflows import jobs, registry
from backend.workflows import process_description as described
from backend.workflows.models import (DISMISSED, FAILED, FINISHED, JOB_STATUSES, SUCCESSFUL, Job,
                                      JobStep, Workflow, iso, percent_done)

OGC_EXCEPTIONS = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
NO_SUCH_PROCESS = OGC_EXCEPTIONS + "no-such-process"
NO_SUCH_JOB = OGC_EXCEPTIONS + "no-such-job"
RESULT_NOT_READY = OGC_EXCEPTIONS + "result-not-ready"
# Cases the standard names no type for: ours.
OUR_EXCEPTIONS = "https://w3id.org/rapydo/exceptions/"
INVALID_INPUT = OUR_EXCEPTIONS + "invalid-input"
INVALID_PARAMETER = OUR_EXCEPTIONS + "invalid-parameter-value"
JOB_FAILED = OUR_EXCEPTIONS + "job-failed"
JOB_DISMISSED = OUR_EXCEPTIONS + "job-dismissed"
# As Weaver names a job without provenance.
NO_PROVENANCE = OUR_EXCEPTIONS + "JobProvenanceNotFound"
CONFORMANCE = [f"http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/{name}"
               for name in ("core", "ogc-process-description", "json", "oas30", "job-list",
                            "dismiss")]
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
PROV_RELS = ("http://www.w3.org/ns/prov#has_provenance", "provenance")
JSON = "application/json"
# Weaver's `f=` values for PROV (its output formats and PROV format names), and ours: the
# media type each stands for (backend/provenance/formats.py serves them).
PROV_F = {"json": "application/json", "prov-json": "application/provenance+json",
          "provjson": "application/provenance+json", "jsonld": "application/ld+json",
          "prov-jsonld": "application/ld+json", "json-ld": "application/ld+json",
          "xml": "application/xml", "prov-xml": "application/provenance+xml",
          "provxml": "application/provenance+xml", "textxml": "text/xml",
          "ttl": "text/turtle", "turtle": "text/turtle", "prov-turtle": "text/turtle",
          "prov-ttl": "text/turtle", "provn": "text/provenance-notation",
          "prov-n": "text/provenance-notation", "text": "text/provenance-notation",
          "txt": "text/provenance-notation", "nt": "application/n-triples",
          "prov-nt": "application/n-triples", "ntriples": "application/n-triples",
          "n-triples": "application/n-triples", "svg": "image/svg+xml", "png": "image/png"}
DEFAULT_LIMIT, MAX_LIMIT = 10, 10000


class OgcException(Exception):
    def __init__(self, status: int, kind: str, detail: str, title: str | None = None, **extra):
        super().__init__(detail)
        self.status, self.kind, self.detail, self.extra = status, kind, detail, extra
        self.title = title or kind.rsplit("/", 1)[-1].replace("-", " ")


def exception_response(exc: OgcException) -> Response:
    body = {"type": exc.kind, "title": exc.title, "status": exc.status, "detail": exc.detail,
            "instance": request.path, **exc.extra}
    response = Response(json.dumps(body), status=exc.status, mimetype=JSON)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rapydo"'
    return response


def is_ogc_request() -> bool:
    return request.path == "/api/ogc" or request.path.startswith("/api/ogc/")


def error_document(exc: BaseException) -> Response:
    """Any error of an /api/ogc request, as an OGC exception (an unknown path or method too,
    which Flask answers before a route runs)."""
    if isinstance(exc, OgcException):
        return exception_response(exc)
    if isinstance(exc, errors.RapydoError):
        return exception_response(OgcException(status_of(exc), OUR_EXCEPTIONS + exc.kind,
                                               exc.message))
    if isinstance(exc, HTTPException):
        kind = exc.name.lower().replace(" ", "_")
        response = exception_response(OgcException(exc.code or 500, OUR_EXCEPTIONS + kind,
                                                   exc.description or exc.name))
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response
    return error_response(exc)  # unexpected: logged, a plain 500


def ogc_exceptions(method):
    """Every error of an /api/ogc route as an OGC exception document (the rest of the API
    keeps its own error shape)."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (OgcException, errors.RapydoError, HTTPException) as exc:
            return error_document(exc)
    return wrapper


EXCEPTION = {"description": "an OGC exception (RFC 7807 members)", "content": {JSON: {"schema": {
    "type": "object", "required": ["type"],
    "properties": {"type": STRING, "title": STRING, "status": INTEGER, "detail": STRING,
                   "instance": STRING}}}}}


def _document(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": {"type": "object"}}}}


def _responses(ok: dict, *errors_: int) -> dict:
    return {**ok, **{code: EXCEPTION for code in (401, *errors_)}}


def _link(rel: str, href: str, kind: str = JSON, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": kind}
    return {**link, "title": title} if title else link


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


# --- processes ---------------------------------------------------------------------------
def _process_id(workflow: Workflow) -> str:
    return f"{workflow.name}{described.PROCESS_VERSION_SEPARATOR}{workflow.version}"


def _process_links(workflow: Workflow) -> list[dict]:
    versioned = _process_id(workflow)
    return [_link("self", _url("ogcprocess", process_id=versioned), title="process description"),
            _link(REL + "execute", _url("ogcexecution", process_id=versioned),
                  title="execute this version"),
            _link("alternate", _url("workflowitem", name=workflow.name, version=workflow.version),
                  title="the registered workflow (its CWL document)"),
            _link(REL + "job-list", _url("ogcjoblist") + "?" + urlencode(
                {"processID": workflow.name}), title="jobs of this process")]


def _runnable(process_id: str) -> Workflow:
    name, version = described.split_process_id(process_id)
    user = current_user()
    try:
        return registry().runnable(name, version, user.username, user.is_admin)
    except errors.NotFound:
        raise OgcException(404, NO_SUCH_PROCESS, f"no process {process_id}") from None


def _latest_per_name(rows: list[Workflow]) -> list[Workflow]:
    """Each name's latest version registered by the name's owner (what `name` runs)."""
    latest: dict[str, Workflow] = {}
    for row in rows:
        if row.claim is None or row.owner != row.claim.owner:
            continue
        known = latest.get(row.name)
        if known is None or (row.created, row.id) > (known.created, known.id):
            latest[row.name] = row
    return [latest[name] for name in sorted(latest)]


# --- jobs --------------------------------------------------------------------------------
def _visible_job(job_id: str) -> Job:
    user = current_user()
    try:
        return jobs().get(job_id, user.username, user.is_admin)
    except errors.NotFound:
        raise OgcException(404, NO_SUCH_JOB, f"no job {job_id}") from None


def prov_links(job: Job, endpoint: str) -> list[dict]:
    """Links to a finished job's provenance (PROV-AQ's has_provenance, and Weaver's rel)."""
    if job.status not in FINISHED or not current_settings().prov_capture:
        return []
    href = _url(endpoint, job_id=job.id)
    return [_link(rel, href, JSON, "the job's provenance (W3C PROV)") for rel in PROV_RELS]


def status_info(job: Job, steps: list[JobStep] | None = None) -> dict:
    """`steps`: the job's steps when the caller read them already (job lists read them in
    one query)."""
    if steps is None:
        steps = jobs().store.steps(job.id)
    own = _url("ogcjob", job_id=job.id)
    links = [_link("self", own, title="job status"),
             _link("monitor", own, title="job status"),
             _link("alternate", _url("jobitem", job_id=job.id), title="the job in /api/jobs"),
             _link("up", _url("ogcjoblist"), title="job list"),
             _link(REL + "process", _url("ogcprocess", process_id=f"{job.workflow_name}"
                                         f"{described.PROCESS_VERSION_SEPARATOR}"
                                         f"{job.workflow_version}"), title="the process"),
             _link("logs", _url("joblogs", job_id=job.id), title="per step logs")]
    if job.status == SUCCESSFUL:
        links.append(_link(REL + "results", _url("ogcjobresults", job_id=job.id),
                           title="job results"))
    links += prov_links(job, "ogcjobprovenance")
    info = {"type": "process", "jobID": job.id, "processID": job.workflow_name,
            "status": job.status, "message": job.message or "", "created": iso(job.created),
            "started": iso(job.started), "finished": iso(job.finished),
            "updated": iso(job.updated), "progress": percent_done(steps, job.status),
            "links": links}
    return {key: value for key, value in info.items() if value is not None}


def _data_href(path: str) -> str:
    return _url("datapath", irods_path="").rstrip("/") + quote(path)


def _result_value(value):
    if isinstance(value, list):
        return [_result_value(item) for item in value]
    if isinstance(value, dict) and isinstance(value.get("path"), str):
        kind = ("application/json" if value.get("class") == "Directory" else
                mimetypes.guess_type(value["path"])[0] or described.OCTET_STREAM)
        return {"href": _data_href(value["path"]), "type": kind}
    return value


def results_document(job: Job) -> dict:
    """The OGC results of a successful job; OgcException saying why there are none."""
    if job.status == SUCCESSFUL:
        return {port: _result_value(value) for port, value in json.loads(job.results or "{}").items()}
    if job.status == FAILED:
        extra = {key: value for key, value in (("failedStep", job.failed_step),
                                               ("exitCode", job.exit_code)) if value is not None}
        raise OgcException(409, JOB_FAILED, f"job {job.id} failed: {job.message}", "job failed",
                           **extra)
    if job.status == DISMISSED:
        raise OgcException(404, NO_SUCH_JOB, f"job {job.id} was dismissed: {job.message}",
                           "job dismissed")
    raise OgcException(404, RESULT_NOT_READY, f"job {job.id} is {job.status}: its results are "
                       f"not ready")


def _created_interval(raw: str | None) -> tuple[datetime | None, datetime | None]:
    """An RFC 3339 instant or interval (`start/end`, open ends `..` or empty)."""
    if not raw:
        return None, None

    def instant(text: str) -> datetime | None:
        if text in ("", ".."):
            return None
        try:
            value = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise OgcException(400, INVALID_PARAMETER, f"datetime: {text!r} is not an RFC 3339 "
                               f"date-time") from None
        if value.tzinfo is None:
            raise OgcException(400, INVALID_PARAMETER, f"datetime: {text!r} has no time zone "
                               f"offset (RFC 3339 needs one, e.g. Z)")
        return value

    if "/" not in raw:
        moment = instant(raw)
        if moment is None:
            raise OgcException(400, INVALID_PARAMETER, "datetime: '..' alone is no interval")
        return moment, moment
    start, _, end = raw.partition("/")
    start, end = instant(start), instant(end)
    if start and end and start > end:
        raise OgcException(400, INVALID_PARAMETER, "datetime: the interval ends before it starts")
    return start, end


def _listed(name: str) -> list[str]:
    """A repeatable query parameter whose values may also be comma lists."""
    return [value.strip() for raw in request.args.getlist(name) for value in raw.split(",")
            if value.strip()]


def _page_links(endpoint: str, offset: int, limit: int, total: int) -> list[dict]:
    base = _url(endpoint)
    pairs = [(key, value) for key, value in request.args.items(multi=True)
             if key not in ("offset", "limit")]

    def page(at: int) -> str:
        return base + "?" + urlencode(pairs + [("offset", at), ("limit", limit)])

    links = [_link("self", page(offset), title="this page")]
    if offset + limit < total:
        links.append(_link("next", page(offset + limit), title="next page"))
    if offset > 0:
        links.append(_link("prev", page(max(0, offset - limit)), title="previous page"))
    return links


# --- execution ---------------------------------------------------------------------------
def _storage_path(href, port: str) -> str:
    """A storage path from an href: the path itself, or a URL of this API's /api/data/."""
    if not isinstance(href, str) or not href:
        raise OgcException(400, INVALID_INPUT, f"input {port}: href must be a non-empty string")
    if href.startswith("/"):
        return href
    parts, data = urlsplit(href), urlsplit(_url("datapath", irods_path=""))
    if parts.scheme in ("http", "https") and parts.netloc == data.netloc and \
            parts.path.startswith(data.path) and not parts.query:
        return unquote("/" + parts.path[len(data.path):].lstrip("/"))
    raise OgcException(400, INVALID_INPUT, f"input {port}: href {href[:200]!r} is neither a storage "
                       f"path nor a URL of this API's {data.path}")


def _input_value(workflow: Workflow, port: str, value):
    if described.input_is_repeated(workflow, port) and not isinstance(value, list):
        value = [value]
    if isinstance(value, list):
        return [_one_input(workflow, port, item) for item in value]
    return _one_input(workflow, port, value)


def _one_input(workflow: Workflow, port: str, value):
    if not isinstance(value, dict):
        return value
    if "href" in value:  # a link (qualified reference)
        return {"href": _storage_path(value["href"], port)}
    if "value" in value:  # a qualified value
        if described.is_file_port(workflow, port):
            raise OgcException(400, INVALID_INPUT, f"input {port}: file contents given inline are "
                               f"not accepted: store the file, then give {{\"href\": ...}}")
        return value["value"]
    return value


def _job_request(workflow: Workflow, body: dict) -> dict:
    inputs = body.get("inputs", {})
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, dict):
        raise OgcException(400, INVALID_INPUT, "inputs must be an object: {input id: value}")
    outputs = body.get("outputs")
    if outputs is not None:
        known = set(json.loads(workflow.summary).get("outputs") or [])
        unknown = sorted(set(outputs) - known) if isinstance(outputs, dict) else None
        if unknown is None or unknown:
            raise OgcException(400, INVALID_INPUT, f"outputs must be an object whose keys are "
                               f"output ids of the process ({', '.join(sorted(known))})")
    if body.get("response", "document") not in ("document", "raw"):
        raise OgcException(400, INVALID_INPUT, "response must be document or raw")
    return {port: _input_value(workflow, port, value) for port, value in inputs.items()}


def _preferences() -> tuple[bool, int | None]:
    """(respond-async asked, wait=N asked): RFC 7240; a preference it cannot read is ignored,
    as RFC 7240 says of preferences (so `wait=abc` is no preference at all)."""
    respond_async, wait = False, None
    for raw in request.headers.getlist("Prefer"):
        for token in raw.split(","):
            name, _, value = token.split(";", 1)[0].strip().partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "respond-async":
                respond_async = True
            elif name == "wait" and value.isdigit() and len(value) < 10:
                wait = int(value)
    return respond_async, wait


def _submit(workflow: Workflow, inputs: dict) -> Job:
    user, settings = current_user(), current_settings()
    outputs = (f"{settings.home_of(user.username)}/ogc-jobs/"
               f"{workflow.name}-{uuid.uuid4().hex[:12]}")
    credentials = current_storage_credentials()
    try:
        return jobs().submit(
            user_storage(), user.username, workflow.name, workflow.version, inputs, outputs,
            sealed_credentials=auth_service().seal(credentials) if credentials else None)
    except (errors.BadRequest, errors.Unprocessable, errors.NotFound) as exc:
        # An input that is missing, of the wrong type, or names nothing in storage.
        raise OgcException(400, INVALID_INPUT, exc.message) from None


# --- resources ---------------------------------------------------------------------------
PROCESS_ID = path_param("process_id", "a workflow name (its owner's latest version) or name@version")
JOB_ID = path_param("job_id", "the job's id")
EXECUTE_BODY = {"required": True, "content": {JSON: {"schema": {
    "type": "object", "properties": {
        "inputs": {"type": "object", "description": "per input id: a value, {\"value\": ...}, "
                                                    "{\"href\": storage path or /api/data URL}, "
                                                    "or a list of them"},
        "outputs": {"type": "object"}, "response": {"type": "string", "enum": ["document", "raw"]}}},
    "example": {"inputs": {"text": {"href": "/tempZone/home/alice/in.txt"}}}}}}


class OgcLanding(Resource):
    @operation("OGC API - Processes landing page", tags=["ogc"],
               responses=_responses({200: _document("landing page")}))
    @ogc_exceptions
    @login_required()
    def get(self):
        return {"title": "RAPyDo workflows (OGC API - Processes)",
                "description": "Registered CWL workflows as OGC processes, run on data in storage",
                "links": [
                    _link("self", _url("ogclanding"), title="this document"),
                    _link("service-desc", _url("specs"),
                          "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
                    _link("service-doc", _url("swaggerpage"), "text/html", "the API documentation"),
                    _link(REL + "conformance", _url("ogcconformance"), title="conformance classes"),
                    _link(REL + "processes", _url("ogcprocesslist"), title="processes"),
                    _link(REL + "job-list", _url("ogcjoblist"), title="jobs")]}


class OgcConformance(Resource):
    @operation("OGC API - Processes conformance classes", tags=["ogc"],
               responses=_responses({200: _document("conformance classes")}))
    @ogc_exceptions
    @login_required()
    def get(self):
        return {"conformsTo": list(CONFORMANCE)}


class OgcProcessList(Resource):
    @operation("The processes you may run: registered workflows, latest versions", tags=["ogc"],
               parameters=[query("limit", {**INTEGER, "minimum": 1, "maximum": MAX_LIMIT}),
                           query("offset", {**INTEGER, "minimum": 0})],
               responses=_responses({200: _document("processList")}, 400))
    @ogc_exceptions
    @login_required()
    def get(self):
        user = current_user()
        limit = params.integer("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
        offset = params.integer("offset", 0)
        rows, _ = registry().list(user.username, user.is_admin, limit=MAX_LIMIT)
        latest = _latest_per_name(rows)
        page = latest[offset:offset + limit]
        return {"processes": [described.summary(row, _process_links(row)) for row in page],
                "links": _page_links("ogcprocesslist", offset, limit, len(latest))}


class OgcProcess(Resource):
    @operation("A process description: inputs and outputs from the CWL document", tags=["ogc"],
               parameters=[PROCESS_ID],
               responses=_responses({200: _document("process")}, 404))
    @ogc_exceptions
    @login_required()
    def get(self, process_id):
        workflow = _runnable(process_id)
        return described.description(workflow, _process_links(workflow))


class OgcExecution(Resource):
    @operation("Execute a process: asynchronous (201 + statusInfo), or `Prefer: wait=N`",
               tags=["ogc"], parameters=[PROCESS_ID, header(
                   "Prefer", STRING, "respond-async; wait=N (seconds, at most OGC_MAX_WAIT): "
                   "answer 200 with the results if the job ends in time")],
               body=EXECUTE_BODY,
               responses=_responses({200: _document("results (the job ended within wait=N)"),
                                     201: _document("statusInfo: accepted")},
                                    400, 403, 404, 409, 413, 503))
    @ogc_exceptions
    @login_required()
    def post(self, process_id):
        workflow = _runnable(process_id)
        body = params.json_object()
        job = _submit(workflow, _job_request(workflow, body))
        respond_async, wait = _preferences()
        applied = []
        if wait is not None:
            waited = int(min(wait, current_settings().ogc_max_wait))
            applied.append(f"wait={waited}")
            job = jobs().wait_finished(job.id, waited)
        location = _url("ogcjob", job_id=job.id)
        if job.status in FINISHED and wait is not None:
            headers = {"Preference-Applied": ", ".join(applied),
                       "Link": f'<{location}>; rel="monitor"'}
            try:
                return results_document(job), 200, headers
            except OgcException as exc:
                response = exception_response(exc)
                response.headers.update(headers)
                return response
        if respond_async:
            applied.append("respond-async")
        headers = {"Location": location}
        if applied:
            headers["Preference-Applied"] = ", ".join(applied)
        return status_info(job), 201, headers


class OgcJobList(Resource):
    @operation("Your jobs (administrators: everyone's), as an OGC jobList", tags=["ogc"],
               parameters=[query("processID", {"type": "array", "items": STRING},
                                 "process ids (repeat, or a comma list)"),
                           query("status", {"type": "array", "items": {
                               "type": "string", "enum": list(JOB_STATUSES)}}),
                           query("datetime", STRING, "RFC 3339 instant or interval of creation "
                                                     "(open ends: ..)"),
                           query("type", STRING, "process"),
                           query("limit", {**INTEGER, "minimum": 1, "maximum": MAX_LIMIT}),
                           query("offset", {**INTEGER, "minimum": 0})],
               responses=_responses({200: _document("jobList")}, 400))
    @ogc_exceptions
    @login_required()
    def get(self):
        user = current_user()
        statuses = _listed("status")
        unknown = sorted(set(statuses) - set(JOB_STATUSES))
        if unknown:
            raise OgcException(400, INVALID_PARAMETER, f"status {', '.join(unknown)}: use "
                               f"{', '.join(JOB_STATUSES)}")
        processes = [described.split_process_id(value) for value in _listed("processID")]
        created_from, created_to = _created_interval(request.args.get("datetime"))
        limit = params.integer("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
        offset = params.integer("offset", 0)
        types = _listed("type")
        if types and "process" not in types:  # every job here is of type process
            rows, total = [], 0
        else:
            jobs().reap()
            rows, total = jobs().store.list(
                owner=None if user.is_admin else user.username, status=None, workflow=None,
                offset=offset, limit=limit, statuses=statuses or None,
                workflows=processes or None, created_from=created_from, created_to=created_to)
        steps = jobs().store.steps_of([job.id for job in rows])
        return {"jobs": [status_info(job, steps[job.id]) for job in rows],
                "links": _page_links("ogcjoblist", offset, limit, total),
                "numberMatched": total}


class OgcJob(Resource):
    @operation("A job's statusInfo", tags=["ogc"], parameters=[JOB_ID],
               responses=_responses({200: _document("statusInfo")}, 404))
    @ogc_exceptions
    @login_required()
    def get(self, job_id):
        return status_info(_visible_job(job_id))

    @operation("Dismiss a job: cancel it if queued or running (status dismissed)", tags=["ogc"],
               parameters=[JOB_ID], responses=_responses({200: _document("statusInfo")}, 403, 404))
    @ogc_exceptions
    @login_required()
    def delete(self, job_id):
        user = current_user()
        job = jobs().store.dismiss(_visible_job(job_id), user.username, user.is_admin)
        return status_info(job)


class OgcJobResults(Resource):
    @operation("A job's results: links to the stored outputs", tags=["ogc"], parameters=[JOB_ID],
               responses=_responses({200: _document("results")}, 404, 409))
    @ogc_exceptions
    @login_required()
    def get(self, job_id):
        return results_document(_visible_job(job_id))


class OgcJobProvenance(Resource):
    @operation("A job's provenance (W3C PROV): f= as Weaver names formats, or Accept",
               tags=["ogc"],
               parameters=[JOB_ID, query("f", {"type": "string", "enum": sorted(PROV_F)},
                                         "format (case-insensitive; PROV-JSON, PROV-XML, "
                                         "PROV-N, PROV-TURTLE, PROV-NT, PROV-JSONLD too)")],
               responses=_responses({200: {"description": "the PROV document", "content": {
                   each.media_type: {} for each in formats.FORMATS}}}, 400, 404, 406))
    @ogc_exceptions
    @login_required()
    def get(self, job_id):
        chosen = _prov_format(request.args.get("f"))
        _visible_job(job_id)
        try:
            return job_provenance_response(job_id, chosen)
        except errors.NoProvenance as exc:
            raise OgcException(404, NO_PROVENANCE, exc.message, "JobProvenanceNotFound") from None


def _prov_format(value: str | None) -> formats.Format:
    if value is None or value == "":
        return formats.negotiate(request.accept_mimetypes, None)
    media_type = PROV_F.get(value.strip().lower())
    if media_type is None:
        raise OgcException(400, INVALID_PARAMETER, f"f={value[:50]!r} is no PROV format: use one "
                           f"of {', '.join(sorted(PROV_F))}")
    return formats.BY_TYPE[media_type]


def register(api) -> None:
    api.add_resource(OgcLanding, "/api/ogc", "/api/ogc/")
    api.add_resource(OgcConformance, "/api/ogc/conformance")
    api.add_resource(OgcProcessList, "/api/ogc/processes")
    api.add_resource(OgcProcess, "/api/ogc/processes/<process_id>")
    api.add_resource(OgcExecution, "/api/ogc/processes/<process_id>/execution")
    api.add_resource(OgcJobList, "/api/ogc/jobs")
    api.add_resource(OgcJob, "/api/ogc/jobs/<job_id>")
    api.add_resource(OgcJobResults, "/api/ogc/jobs/<job_id>/results")
    api.add_resource(OgcJobProvenance, "/api/ogc/jobs/<job_id>/prov")
