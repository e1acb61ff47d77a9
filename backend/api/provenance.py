"""Provenance over HTTP: a job's PROV in every format, its text views, its RO-Crate and its
STAC Items, and the lineage of any storage path.

GET /api/jobs/<id>/prov                       PROV document (Accept, or ?f=json|provn|xml|ttl|nt|jsonld|svg|png)
GET /api/jobs/<id>/prov/<view>[/<run id>]     info | who | runs | run | inputs | outputs, as text/plain
GET /api/jobs/<id>/crate[?include=outputs&max_size=N]  a Workflow Run RO-Crate (zip)
GET /api/jobs/<id>/cwlprov                    cwltool's CWLProv research object (zip)
GET /api/jobs/<id>/stac                       STAC Items of the outputs (a FeatureCollection)
GET /api/jobs/<id>/stac/collection            the job as a STAC Collection of those Items
GET /api/jobs/<id>/stac/items/<item id>       one Item
GET /api/provenance/lineage?path=...|entity=...&direction=backward|forward|both&depth=N
    (only what the caller may read: backend/provenance/visibility.py)
GET /api/provenance/graph?job=...|path=...|entity=...&direction&depth&backward=<id>&forward=<id>
    the same, as nodes, edges and a Graphviz picture for people (backend/provenance/graph.py)
"""

from __future__ import annotations

import json

from flask import Response, request, url_for
from flask_restful import Resource

from backend.api import params, transfers
from backend.api.spec import INTEGER, STRING, operation, path_param, query
from backend.auth import current_user, login_required
from backend.errors import BadRequest, NotFound, PermissionDenied
from backend.provenance import formats, graph, provenance
from backend.provenance import vocabulary as v
from backend.provenance.visibility import Viewer
from backend.provenance.views import VIEWS, render
from backend.settings import current_settings
from backend.storage import paths, user_storage
from backend.workflows import jobs
from backend.workflows.models import FINISHED

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
            "provenance": url_for("jobprovenance", job_id=job.id, _external=True),
            "stac": url_for("jobstac", job_id=job.id, _external=True)}


class JobProvenance(Resource):
    @operation("A job's provenance (W3C PROV), in the format asked for", tags=["provenance"],
               parameters=[JOB_ID, FORMAT], responses=PROV_RESPONSES)
    @login_required()
    def get(self, job_id):
        return job_provenance_response(job_id, _negotiated())


def job_provenance_response(job_id: str, chosen: formats.Format) -> Response:
    """The PROV document of a job the caller may see, in `chosen` (NotFound, or NoProvenance
    when none is recorded); /api/ogc/jobs/<id>/prov serves it too."""
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
    @operation("A job as a Workflow Run RO-Crate", tags=["provenance"],
               parameters=[JOB_ID,
                           query("include", {"type": "string", "enum": ["outputs"]},
                                 "outputs: copy outputs of at most max_size bytes into the crate"),
                           query("max_size", {**INTEGER, "minimum": 0},
                                 "bytes: the largest output copied in (at most CRATE_INLINE_MAX, "
                                 "its default)")],
               responses={200: {"description": "the crate",
                                "content": {"application/zip": {}}}, 400: None, 404: None},
               description="RO-Crate 1.1, Process / Workflow / Provenance Run Crate 0.5. Inputs "
                           "and outputs are web-based data entities (their download URLs); with "
                           "include=outputs, each output of at most max_size bytes (and "
                           "CRATE_INLINE_TOTAL in all), read as the caller, is a file in the "
                           "crate under outputs/ with its sha256 and contentSize.")
    @login_required()
    def get(self, job_id):
        from backend.provenance.crate import crate_stream, crate_zip

        include = request.args.get("include")
        if include not in (None, "", "outputs"):
            raise BadRequest("include must be outputs")
        settings = current_settings()
        max_size = params.integer("max_size", settings.crate_inline_max, minimum=0,
                                  maximum=settings.crate_inline_max)
        job = _visible_job(job_id)
        run = _described(job)
        name = transfers.content_disposition(f"job-{job.id}-crate.zip")
        if include != "outputs":
            body = crate_zip(run)
            return Response(body, mimetype="application/zip",
                            headers={"Content-Disposition": name})
        storage = user_storage()
        run["included"] = _included_outputs(run, storage, max_size, settings.crate_inline_total)
        chunks, size = crate_stream(run, storage, settings.chunk_size)
        return Response(chunks, mimetype="application/zip", direct_passthrough=True,
                        headers={"Content-Disposition": name, "Content-Length": str(size)})


def _included_outputs(run: dict, storage, max_size: int, total: int) -> dict[str, str]:
    """Storage path -> name in the crate of the outputs copied in: the caller may read them,
    they are still the bytes the job stored (size and checksum), of at most max_size bytes
    each and `total` in all, in the order of the run's outputs."""
    from backend.provenance.crate import included_name

    included, used = {}, 0
    for item in run.get("outputs", []):
        size = item.get("size")
        if size is None or size > max_size or used + size > total:
            continue
        try:
            info = storage.stat(item["path"])
        except (NotFound, PermissionDenied):
            continue  # gone, or no longer readable: it stays a link
        if info.size != size or (item.get("checksum") and info.checksum
                                 and info.checksum != item["checksum"]):
            continue  # changed since the job stored it: not the job's output any more
        included[item["path"]] = included_name(run, item)
        used += size
    return included


class JobCwlprov(Resource):
    @operation("cwltool's CWLProv research object of a job (a zip of the BagIt folder)",
               tags=["provenance"], parameters=[JOB_ID],
               responses={200: {"description": "the research object, without its data/ payload",
                                "content": {"application/zip": {}}}, 404: None},
               description="bagit.txt, the manifests, metadata/ (primary.cwlprov.* PROV "
                           "documents, logs) and workflow/ of the folder cwltool wrote with "
                           "--provenance; the data/ copies of inputs and outputs are left out "
                           "(they are in storage). 404 when none was kept: the job has not "
                           "finished, never ran cwltool, or its research object was larger than "
                           "CWLPROV_MAX_SIZE.")
    @login_required()
    def get(self, job_id):
        from backend.provenance import cwlprov_archive

        job = _visible_job(job_id)
        kept = current_settings().jobs_dir / job.id / "provenance"
        if job.status not in FINISHED or not cwlprov_archive.exists(kept):
            raise NotFound(f"no CWLProv research object is kept for job {job.id}")
        return Response(cwlprov_archive.zip_stream(kept, f"job-{job.id}-cwlprov"),
                        mimetype="application/zip", direct_passthrough=True, headers={
                            "Content-Disposition": transfers.content_disposition(
                                f"job-{job.id}-cwlprov.zip")})


STAC_ITEM = path_param("item_id", "an Item id: <job id>-<output port>-<n>")
GEOJSON = {"content": {"application/geo+json": {}}}


class JobStac(Resource):
    @operation("STAC Items (processing extension) of a job's outputs", tags=["provenance"],
               parameters=[JOB_ID],
               responses={200: {"description": "a FeatureCollection of Items", **GEOJSON},
                          404: None})
    @login_required()
    def get(self, job_id):
        from backend.provenance.stac import stac_items

        job = _visible_job(job_id)
        return _json(stac_items(_stac_run(job)), "application/geo+json")


class JobStacCollection(Resource):
    @operation("A job as a STAC Collection of its output Items", tags=["provenance"],
               parameters=[JOB_ID],
               responses={200: {"description": "a STAC Collection",
                                "content": {"application/json": {}}}, 404: None})
    @login_required()
    def get(self, job_id):
        from backend.provenance.stac import stac_collection

        job = _visible_job(job_id)
        return _json(stac_collection(_described(job)), "application/json")


class JobStacItem(Resource):
    @operation("One STAC Item of a job's outputs", tags=["provenance"],
               parameters=[JOB_ID, STAC_ITEM],
               responses={200: {"description": "a STAC Item", **GEOJSON}, 404: None})
    @login_required()
    def get(self, job_id, item_id):
        from backend.provenance.stac import stac_item

        job = _visible_job(job_id)
        item = stac_item(_stac_run(job), item_id)
        if item is None:
            raise NotFound(f"job {job.id} has no STAC Item {item_id}")
        return _json(item, "application/geo+json")


def _json(body: dict, mimetype: str) -> Response:
    return Response(json.dumps(body, indent=2), mimetype=mimetype)


def _described(job) -> dict:
    run = provenance().describe(job, _urls(job))
    run["license"] = current_settings().crate_license
    return run


def _stac_run(job) -> dict:
    """The run description with, for each input that an earlier job made, the URL of that
    output's STAC Item (when the caller may see that job)."""
    run = _described(job)
    for item in run.get("inputs", []):
        if (url := _earlier_item(job, item)) is not None:
            item["stac_item"] = url
    return run


def _earlier_item(job, item: dict) -> str | None:
    """Who generated this input, from the provenance store's lineage: the STAC Item URL of
    that output of an earlier job the caller may see; None for anything else (an upload, a
    job the caller may not see)."""
    from backend.provenance.describe import generating_jobs, run_description
    from backend.provenance.stac import item_ids

    entity = item.get("entity")
    if not entity:
        try:
            entity = provenance().entity_at(item["path"], item.get("checksum"))
        except NotFound:
            return None
    user = current_user()
    for earlier_id in generating_jobs(provenance().lineage(entity, "backward", 1), entity):
        if earlier_id == job.id:
            continue
        try:
            earlier = jobs().get(earlier_id, user.username, user.is_admin)
        except NotFound:
            continue  # not the caller's to see: the input stays a plain file
        outputs = run_description(earlier, [], None, urls={"data": ""}, host="",
                                  workflow_path=None)["outputs"]
        for item_id, output in item_ids(earlier.id, outputs):
            if output["path"] == item["path"]:
                return url_for("jobstacitem", job_id=earlier.id, item_id=item_id, _external=True)
    return None


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
            node = v.current_uri(entity)  # an id from before the upgrade still answers
        document, hidden = provenance().visible_lineage(node, direction, depth, viewer,
                                                        start_checked=bool(path))
        response = _document_response(document, chosen)
        response.headers[HIDDEN_HEADER] = str(hidden)
        return response


MAX_EXPANSIONS = 50
ID_LIST = {"type": "array", "items": STRING, "maxItems": MAX_EXPANSIONS}


class ProvenanceGraph(Resource):
    @operation("Provenance as a graph for people: nodes, edges and an SVG picture",
               tags=["provenance"],
               parameters=[query("job", STRING, "a job you may see: its whole PROV"),
                           query("path", STRING, "or a storage path you may read: its lineage"),
                           query("entity", STRING, "or a PROV entity id (a URI): its lineage"),
                           query("direction", {"type": "string", "enum": list(DIRECTIONS),
                                               "default": "both"}, "of the lineage"),
                           query("depth", {**INTEGER, "minimum": 1, "maximum": MAX_DEPTH,
                                           "default": 1}, "activity hops of the lineage"),
                           query("backward", ID_LIST, "node ids to expand one hop backward "
                                                      "(where they came from)"),
                           query("forward", ID_LIST, "node ids to expand one hop forward "
                                                     "(what was made from them)")],
               responses={200: {"description": "the graph", "content": {"application/json": {}}},
                          400: None, 403: None, 404: None, 503: None},
               description="Nodes are entities (files, with their storage path), activities "
                           "(runs and steps, with their job) and agents; edges follow the data. "
                           "Each expansion adds the lineage of a node one hop back or forth. "
                           "Only what the caller may see now is shown (as /api/provenance/"
                           "lineage); `hidden` counts the rest. `svg` is Graphviz's picture "
                           f"(each node `prov-node-<index>`), null above "
                           f"{graph.PICTURE_MAX_NODES} nodes.")
    @login_required()
    def get(self):
        direction = request.args.get("direction") or "both"
        if direction not in DIRECTIONS:
            raise BadRequest(f"direction must be one of {', '.join(DIRECTIONS)}")
        depth = params.integer("depth", 1, minimum=1, maximum=MAX_DEPTH)
        given = {key: request.args.get(key) for key in ("job", "path", "entity")
                 if request.args.get(key)}
        if len(given) != 1:
            raise BadRequest("give one of job, path or entity")
        expansions = [(v.current_uri(node), one) for one in ("backward", "forward")
                      for node in request.args.getlist(one)]
        if len(expansions) > MAX_EXPANSIONS:
            raise BadRequest(f"at most {MAX_EXPANSIONS} expansions (backward and forward) at once")
        if any(not node for node, _ in expansions):
            raise BadRequest("backward and forward name node ids (URIs)")
        seeds = [(node, one, 1, False) for node, one in expansions]
        base = None
        if "job" in given:
            job = _visible_job(given["job"])
            base = provenance().job_document(job.id)
            start = v.run_id(job.id).uri
        elif "path" in given:
            # The path must be readable (403 from storage otherwise) before anything is said.
            storage = user_storage()
            info = storage.stat(paths.normalise(given["path"], storage.zone))
            start = provenance().entity_at(info.path, info.checksum)
            seeds.insert(0, (start, direction, depth, True))
        else:
            start = v.current_uri(given["entity"])
            seeds.insert(0, (start, direction, depth, False))
        document, hidden = provenance().visible_union(seeds, _viewer(), base)
        built = graph.build(document, start, hidden)
        built["svg"] = graph.picture(built)
        return built


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

    return Viewer(user_agent=v.user_id(user.username).uri, may_read_path=may_read_path,
                  may_read_job=may_read_job, is_admin=user.is_admin)


def register(api) -> None:
    api.add_resource(JobProvenance, "/api/jobs/<job_id>/prov")
    api.add_resource(JobProvenanceView, "/api/jobs/<job_id>/prov/<view>",
                     "/api/jobs/<job_id>/prov/<view>/<path:run_id>")
    api.add_resource(JobCrate, "/api/jobs/<job_id>/crate")
    api.add_resource(JobStac, "/api/jobs/<job_id>/stac")
    api.add_resource(JobStacCollection, "/api/jobs/<job_id>/stac/collection")
    api.add_resource(JobStacItem, "/api/jobs/<job_id>/stac/items/<item_id>")
    api.add_resource(JobCwlprov, "/api/jobs/<job_id>/cwlprov")
    api.add_resource(Lineage, "/api/provenance/lineage")
    api.add_resource(ProvenanceGraph, "/api/provenance/graph")
