"""Provenance over HTTP: a job's PROV in every format, its text views, its RO-Crate and its
STAC Items, and the lineage of any storage path.

GET /api/jobs/<id>/prov                       PROV document (Accept, or ?f=json|provn|xml|ttl|nt|jsonld|svg|png)
GET /api/jobs/<id>/prov/<view>[/<run id>]     info | who | runs | run | inputs | outputs, as text/plain
GET /api/jobs/<id>/crate                      a Workflow Run RO-Crate (zip)
GET /api/jobs/<id>/stac                       STAC Items of the outputs (a FeatureCollection)
GET /api/provenance/lineage?path=...|entity=...&direction=backward|forward|both&depth=N
    (only what the caller may read: backend/provenance/visibility.py)
"""

from __future__ import annotations

from flask import Response, request, url_for
from flask_restful import Resource

from backend.api import params, transfers
from backend.api.spec import INTEGER, STRING, operation, path_param, query
from backend.auth import current_user, login_required
from backend.errors import BadRequest, NotFound, PermissionDenied
from backend.provenance import formats, provenance
from backend.provenance import vocabulary as v
from backend.provenance.visibility import Viewer
from backend.provenance.views import VIEWS, render
from backend.storage import paths, user_storage
from backend.workflows import jobs

JOB_ID = path_param("job_id", "the job's id")
FORMAT = query("f", {"type": "string", "enum": list(formats.BY_SHORT)},
               "format (instead of an Accept header)")
DIRECTIONS = ("backward", "forward", "both")
MAX_DEPTH = 50
# How many elements of a lineage the caller may not see: counted, never described.
HIDDEN_HEADER = "Provenance-Hidden-Elements"
PROV_RESPONSES = {200: {"description": "the PROV document",
                        "content": {each.media_type: {} for each in formats.FORMATS}},
                  404: None, 406: None, 503: None}


def _negotiated() -> formats.Format:
    """The format asked for, decided before anything is looked up (406 comes first)."""
    return formats.negotiate(request.accept_mimetypes, request.args.get("f"))


def _document_response(document, chosen: formats.Format) -> Response:
    body = formats.serialize(document, chosen)
    return Response(body, mimetype=chosen.media_type, headers={"Vary": "Accept"})


def _visible_job(job_id: str):
    user = current_user()
    return jobs().get(job_id, user.username, user.is_admin)


def _urls(job) -> dict:
    return {"data": url_for("datapath", irods_path="", _external=True).rstrip("/"),
            "job": url_for("jobitem", job_id=job.id, _external=True),
            "provenance": url_for("jobprovenance", job_id=job.id, _external=True)}


class JobProvenance(Resource):
    @operation("A job's provenance (W3C PROV), in the format asked for", tags=["provenance"],
               parameters=[JOB_ID, FORMAT], responses=PROV_RESPONSES)
    @login_required()
    def get(self, job_id):
        chosen = _negotiated()
        job = _visible_job(job_id)
        return _document_response(provenance().job_document(job.id), chosen)


class JobProvenanceView(Resource):
    @operation("A text view of a job's provenance: info, who, runs, run, inputs, outputs",
               tags=["provenance"],
               parameters=[JOB_ID, path_param("view", "one of " + ", ".join(VIEWS))],
               responses={200: {"description": "the view",
                                "content": {"text/plain": {}}}, 404: None})
    @login_required()
    def get(self, job_id, view, run_id=None):
        job = _visible_job(job_id)
        text = render(provenance().job_document(job.id), view, run_id)
        return Response(text, mimetype="text/plain")


class JobCrate(Resource):
    @operation("A job as a Workflow Run RO-Crate", tags=["provenance"], parameters=[JOB_ID],
               responses={200: {"description": "the crate",
                                "content": {"application/zip": {}}}, 404: None})
    @login_required()
    def get(self, job_id):
        from backend.provenance.crate import crate_zip

        job = _visible_job(job_id)
        body = crate_zip(provenance().describe(job, _urls(job)))
        return Response(body, mimetype="application/zip", headers={
            "Content-Disposition": transfers.content_disposition(f"job-{job.id}-crate.zip")})


class JobStac(Resource):
    @operation("STAC Items (processing extension) of a job's outputs", tags=["provenance"],
               parameters=[JOB_ID],
               responses={200: {"description": "a FeatureCollection of Items",
                                "content": {"application/geo+json": {}}}, 404: None})
    @login_required()
    def get(self, job_id):
        import json

        from backend.provenance.stac import stac_items

        job = _visible_job(job_id)
        items = stac_items(provenance().describe(job, _urls(job)))
        return Response(json.dumps(items, indent=2), mimetype="application/geo+json")


class Lineage(Resource):
    @operation("Where a storage object came from, or what was made from it", tags=["provenance"],
               parameters=[query("path", STRING, "a storage path you may read"),
                           query("entity", STRING, "or a PROV entity id (a URI)"),
                           query("direction", {"type": "string", "enum": list(DIRECTIONS),
                                               "default": "backward"}),
                           query("depth", {**INTEGER, "minimum": 1, "maximum": MAX_DEPTH,
                                           "default": 10}, "activity hops"),
                           FORMAT],
               responses=PROV_RESPONSES | {400: None, 403: None})
    @login_required()
    def get(self):
        chosen = _negotiated()
        direction = request.args.get("direction") or "backward"
        if direction not in DIRECTIONS:
            raise BadRequest(f"direction must be one of {', '.join(DIRECTIONS)}")
        depth = params.integer("depth", 10, minimum=1, maximum=MAX_DEPTH)
        path, entity = request.args.get("path"), request.args.get("entity")
        if bool(path) == bool(entity):
            raise BadRequest("give either path or entity")
        viewer = _viewer()
        if path:
            # The path must be readable (403 from storage otherwise) before anything is said.
            storage = user_storage()
            info = storage.stat(paths.normalise(path, storage.zone))
            node = provenance().entity_at(info.path, info.checksum)
        else:
            node = entity
        document, hidden = provenance().visible_lineage(node, direction, depth, viewer,
                                                        start_checked=bool(path))
        response = _document_response(document, chosen)
        response.headers[HIDDEN_HEADER] = str(hidden)
        return response


def _viewer() -> Viewer:
    """The request's user as the provenance filter asks about them: current permissions."""
    user, storage = current_user(), user_storage()

    def may_read_path(location: str):
        try:
            storage.stat(location)
            return True
        except NotFound:
            return None
        except PermissionDenied:
            return False

    def may_read_job(job_id: str) -> bool:
        try:
            jobs().store.visible(job_id, user.username, user.is_admin)
            return True
        except NotFound:
            return False

    return Viewer(user_agent=v.ID[f"user/{user.username}"].uri, may_read_path=may_read_path,
                  may_read_job=may_read_job, is_admin=user.is_admin)


def register(api) -> None:
    api.add_resource(JobProvenance, "/api/jobs/<job_id>/prov")
    api.add_resource(JobProvenanceView, "/api/jobs/<job_id>/prov/<view>",
                     "/api/jobs/<job_id>/prov/<view>/<path:run_id>")
    api.add_resource(JobCrate, "/api/jobs/<job_id>/crate")
    api.add_resource(JobStac, "/api/jobs/<job_id>/stac")
    api.add_resource(Lineage, "/api/provenance/lineage")
