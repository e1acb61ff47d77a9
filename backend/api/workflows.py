"""The CWL workflow registry: /api/workflows and /api/workflows/<name>/<version>."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_restful import Resource

from backend.api import params
from backend.api.spec import INTEGER, STRING, json_body, operation, path_param, query
from backend.auth import current_user, login_required
from backend.storage import user_storage
from backend.workflows import registry

NAME, VERSION = path_param("name", "workflow name"), path_param("version", "workflow version")
WORKFLOW_BODY = json_body(
    {"name": STRING, "version": STRING,
     "cwl": {"type": "string", "description": "the CWL document (YAML or JSON text), packed or "
                                              "with its steps inline"},
     "inputs": {"type": "object", "description": "default inputs (a CWL job order)"}},
    required=["name", "version", "cwl"],
    example={"name": "wordcount", "version": "1.0",
             "cwl": "cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [wc, -w]\n"
                    "stdin: $(inputs.text.path)\nstdout: count.txt\n"
                    "inputs: {text: File}\noutputs: {count: stdout}\n"},
)
UPDATE_BODY = json_body({"cwl": STRING, "inputs": {"type": "object"}},
                        example={"inputs": {"text": {"class": "File", "path": "/tempZone/home/alice/in.txt"}}})


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
        rows, total = registry().list(name=request.args.get("name") or None, offset=offset,
                                      limit=limit)
        return {"workflows": [_described(row) for row in rows], "total": total,
                "offset": offset, "limit": limit}

    @operation("Register a workflow (validated with cwltool)", tags=["workflows"],
               body=WORKFLOW_BODY,
               responses={201: "registered", 400: None, 409: None, 422: None})
    @login_required()
    def post(self):
        body = params.json_object()
        workflow = registry().register(
            user_storage(), current_user().username, params.field(body, "name", str),
            params.field(body, "version", str), params.field(body, "cwl", str),
            params.field(body, "inputs", dict, required=False))
        response = _described(workflow)
        return response, 201, {"Location": response["url"]}


class WorkflowItem(Resource):
    @operation("A registered workflow, with its CWL document", tags=["workflows"],
               parameters=[NAME, VERSION], responses={200: "the workflow", 404: None})
    @login_required()
    def get(self, name, version):
        return _described(registry().get(name, version), with_document=True)

    @operation("Change a workflow's document or default inputs (owner or admin)",
               tags=["workflows"], parameters=[NAME, VERSION], body=UPDATE_BODY,
               responses={200: "updated", 400: None, 403: None, 404: None, 422: None})
    @login_required()
    def put(self, name, version):
        body = params.json_object()
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


def register(api) -> None:
    api.add_resource(WorkflowList, "/api/workflows")
    api.add_resource(WorkflowItem, "/api/workflows/<name>/<version>")
