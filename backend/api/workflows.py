"""The CWL workflow registry: /api/workflows, /api/workflows/<name> (its owner, its sharing,
its versions), /api/workflows/<name>/<version> and its picture (.../picture, SVG)."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_restful import Resource

from backend.api import params
from backend.api.spec import INTEGER, STRING, json_body, operation, path_param, query
from backend.auth import current_user, login_required
from backend.errors import PayloadTooLarge
from backend.storage import user_storage
from backend.workflows import registry

NAME, VERSION = path_param("name", "workflow name"), path_param("version", "workflow version")
WORKFLOW_BODY = json_body(
    {"name": STRING, "version": STRING,
     "cwl": {"type": "string", "description": "the CWL document (YAML or JSON text), packed or "
                                              "with its steps inline"},
     "inputs": {"type": "object", "description": "default inputs (a CWL job order)"},
     "public": {"type": "boolean", "description": "others may see and run the workflow (the "
                                                  "name's setting; new names are private)"}},
    required=["name", "version", "cwl"],
    example={"name": "wordcount", "version": "1.0",
             "cwl": "cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [wc, -w]\n"
                    "stdin: $(inputs.text.path)\nstdout: count.txt\n"
                    "inputs: {text: File}\noutputs: {count: stdout}\n"},
)
SHARE_BODY = json_body({"public": {"type": "boolean"}}, required=["public"],
                       example={"public": True})
UPDATE_BODY = json_body({"cwl": STRING, "inputs": {"type": "object"}},
                        example={"inputs": {"text": {"class": "File", "path": "/tempZone/home/alice/in.txt"}}})


def _bounded_body() -> dict:
    """The JSON body, refused (413) before it is read when it is larger than a document
    within the size limit could need. (uWSGI hands the app no body without Content-Length.)"""
    if (request.content_length or 0) > registry().limits.max_request:
        raise PayloadTooLarge(f"the request is larger than {registry().limits.max_request} bytes")
    return params.json_object()


def _described(workflow, **options) -> dict:
    data = workflow.as_dict(**options)
    data["url"] = url_for("workflowitem", name=workflow.name, version=workflow.version, _external=True)
    return data


class WorkflowList(Resource):
    @operation("Registered workflows", tags=["workflows"],
               parameters=[query("name", STRING, "only this workflow's versions"),
                           query("offset", INTEGER, "skip this many"),
                           query("limit", INTEGER, "at most this many (max 1000)")],
               responses={200: "a page of workflows"})
    @login_required()
    def get(self):
        offset = params.integer("offset", 0)
        limit = params.integer("limit", 100, minimum=1, maximum=1000)
        user = current_user()
        rows, total = registry().list(user.username, user.is_admin,
                                      name=request.args.get("name") or None, offset=offset,
                                      limit=limit)
        return {"workflows": [_described(row) for row in rows], "total": total,
                "offset": offset, "limit": limit}

    @operation("Register a workflow (self-contained, validated with cwltool)", tags=["workflows"],
               body=WORKFLOW_BODY,
               responses={201: "registered", 400: None, 403: "the name is another user's",
                          409: None, 413: None, 422: None})
    @login_required()
    def post(self):
        body = _bounded_body()
        workflow = registry().register(
            user_storage(), current_user().username, params.field(body, "name", str),
            params.field(body, "version", str), params.field(body, "cwl", str),
            params.field(body, "inputs", dict, required=False),
            params.field(body, "public", bool, required=False))
        response = _described(workflow)
        return response, 201, {"Location": response["url"]}


class WorkflowNameItem(Resource):
    @operation("A workflow name: its owner, whether it is public, the versions you may see",
               tags=["workflows"], parameters=[NAME], responses={200: "the name", 404: None})
    @login_required()
    def get(self, name):
        user = current_user()
        claim = registry().claim(name, user.username, user.is_admin)
        rows, _ = registry().list(user.username, user.is_admin, name=name, limit=1000)
        return {**claim.as_dict(), "versions": [_described(row) for row in rows]}

    @operation("Share a workflow with every user, or make it private again (owner or admin)",
               tags=["workflows"], parameters=[NAME], body=SHARE_BODY,
               responses={200: "the name", 400: None, 403: None, 404: None})
    @login_required()
    def put(self, name):
        user = current_user()
        public = params.field(params.json_object(), "public", bool)
        return registry().share(name, user.username, user.is_admin, public).as_dict()


class WorkflowItem(Resource):
    @operation("A registered workflow, with its CWL document", tags=["workflows"],
               parameters=[NAME, VERSION], responses={200: "the workflow", 404: None})
    @login_required()
    def get(self, name, version):
        user = current_user()
        return _described(registry().visible(name, version, user.username, user.is_admin),
                          with_document=True)

    @operation("Change a workflow's document or default inputs (owner or admin)",
               tags=["workflows"], parameters=[NAME, VERSION], body=UPDATE_BODY,
               responses={200: "updated", 400: None, 403: None, 404: None, 413: None, 422: None})
    @login_required()
    def put(self, name, version):
        body = _bounded_body()
        user = current_user()
        workflow = registry().update(
            user_storage(), user.username, user.is_admin, name, version,
            cwl=params.field(body, "cwl", str, required=False),
            inputs=params.field(body, "inputs", dict, required=False),
            inputs_given="inputs" in body)
        return _described(workflow, with_document=True)

    @operation("Delete a workflow (owner or admin)", tags=["workflows"], parameters=[NAME, VERSION],
               responses={204: "deleted", 403: None, 404: None})
    @login_required()
    def delete(self, name, version):
        user = current_user()
        registry().delete(user_storage(), user.username, user.is_admin, name, version)
        return Response(status=204)


class WorkflowPicture(Resource):
    @operation("A workflow's inputs, steps and outputs as a picture (SVG)", tags=["workflows"],
               parameters=[NAME, VERSION],
               responses={200: {"description": "the picture", "content": {"image/svg+xml": {}}},
                          404: "no such workflow, or a single tool (no steps to draw)",
                          422: "cwltool or Graphviz could not draw it in time",
                          503: "Graphviz is not installed on the server"},
               description="cwltool's drawing of the workflow (as `cwltool --print-dot`), laid "
                           "out by Graphviz; visible to whoever may see the workflow.")
    @login_required()
    def get(self, name, version):
        from backend.workflows.picture import MEDIA_TYPE, picture

        user = current_user()
        workflow = registry().visible(name, version, user.username, user.is_admin)
        svg = picture(workflow.cwl, workflow.checksum, registry().limits)
        return Response(svg, mimetype=MEDIA_TYPE,
                        # Opened on its own, the picture runs nothing and loads nothing.
                        headers={"Content-Security-Policy": "default-src 'none'; sandbox"})


def register(api) -> None:
    api.add_resource(WorkflowList, "/api/workflows")
    api.add_resource(WorkflowNameItem, "/api/workflows/<name>")
    api.add_resource(WorkflowItem, "/api/workflows/<name>/<version>")
    api.add_resource(WorkflowPicture, "/api/workflows/<name>/<version>/picture")
