"""The OpenAPI 3 spec at /api/specs, built from resource docstrings, and a Swagger UI at /api/docs."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from apispec import APISpec
from apispec.yaml_utils import load_yaml_from_docstring
from apispec_webframeworks.flask import FlaskPlugin
from flask import Response, current_app, jsonify, send_from_directory
from flask_restful import Resource

from backend import __version__

SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)

COMMON_RESPONSES = {
    "Error": {
        "description": "An error, as JSON",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}


def build_spec(app) -> dict:
    spec = APISpec(
        title="RAPyDo data API",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[FlaskPlugin()],
        info={"description": "Stage data into and out of iRODS over HTTP."},
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", {
        "type": "object",
        "required": ["error", "code"],
        "properties": {"error": {"type": "string"}, "code": {"type": "integer"}, "type": {"type": "string"}},
    })
    for name, response in COMMON_RESPONSES.items():
        spec.components.response(name, response)
    api = app.extensions["rapydo.api"]
    for resource, _urls, _kwargs in api.resources:
        if not _has_operations(resource):
            continue
        with app.test_request_context():
            spec.path(view=app.view_functions[resource.endpoint], app=app)
    return spec.to_dict()


def _has_operations(resource) -> bool:
    return any(load_yaml_from_docstring(getattr(resource, method.lower()).__doc__ or "")
               for method in resource.methods or ())


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
