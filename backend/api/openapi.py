"""The OpenAPI 3 spec at /api/specs, assembled from `@operation` declarations, and Swagger UI at /api/docs."""

from __future__ import annotations

import re
from pathlib import Path

import swagger_ui_bundle
from apispec import APISpec
from flask import Response, current_app, jsonify, send_from_directory
from flask_restful import Resource

from backend import __version__

SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    """Flask `/api/data/<anypath:irods_path>` -> OpenAPI `/api/data/{irods_path}`."""
    return RULE_VARIABLE.sub(r"{\1}", rule)


def build_spec(app) -> dict:
    spec = APISpec(
        title="RAPyDo data API",
        version=__version__,
        openapi_version="3.0.3",
        info={"description": "Stage data into and out of iRODS over HTTP: streamed transfers, "
                             "metadata, permissions and tickets."},
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", {
        "type": "object",
        "required": ["error", "code"],
        "properties": {"error": {"type": "string"}, "code": {"type": "integer"}, "type": {"type": "string"}},
    })
    spec.components.response("Error", {
        "description": "An error, as JSON",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    })
    api = app.extensions["rapydo.api"]
    for resource, urls in api.registered:
        operations = {method.lower(): getattr(resource, method.lower()).openapi
                      for method in sorted(resource.methods or ())
                      if hasattr(getattr(resource, method.lower()), "openapi")}
        for url in urls if operations else ():
            spec.path(path=openapi_path(url), operations=_with_path_variables(url, operations))
    return spec.to_dict()


def _with_path_variables(rule: str, operations: dict) -> dict:
    """Declare every variable of the URL rule as a path parameter; the operation's own
    declaration (with its description) wins, and the same operation may serve several URLs."""
    variables = RULE_VARIABLE.findall(rule)
    completed = {}
    for method, operation in operations.items():
        declared = [p for p in operation.get("parameters", [])
                    if p["in"] != "path" or p["name"] in variables]
        named = {p["name"] for p in declared if p["in"] == "path"}
        missing = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                   for name in variables if name not in named]
        completed[method] = {**operation, "parameters": missing + declared} if missing or declared else operation
    return completed


class Specs(Resource):
    def get(self):
        if "rapydo.spec" not in current_app.extensions:
            current_app.extensions["rapydo.spec"] = build_spec(current_app)
        return jsonify(current_app.extensions["rapydo.spec"])


SWAGGER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>RAPyDo API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/api/specs", dom_id: "#ui"});</script>
</body></html>"""


class SwaggerPage(Resource):
    def get(self):
        return Response(SWAGGER_PAGE, mimetype="text/html")


class SwaggerStatic(Resource):
    def get(self, filename):
        return send_from_directory(SWAGGER_DIR, filename)


def register(api) -> None:
    api.add_resource(Specs, "/api/specs")
    api.add_resource(SwaggerPage, "/api/docs")
    api.add_resource(SwaggerStatic, "/api/docs/static/<path:filename>")
