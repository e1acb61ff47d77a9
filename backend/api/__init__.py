"""HTTP endpoints: Flask-RESTful resources registered by area, documented by OpenAPI.

Each area module (`status`, `auth`, `data`, ...) exposes `register(api)`. A
resource method's docstring carries its OpenAPI operation in YAML after `---`,
so the spec cannot drift from the code that serves it.
"""

from __future__ import annotations

from flask import Flask
from flask_restful import Api
from werkzeug.routing import PathConverter

from backend.api.errors import error_response


class JsonErrorsApi(Api):
    """Flask-RESTful would answer our typed errors with a bare 500: map them instead."""

    def handle_error(self, e):
        return error_response(e)


class AnyPathConverter(PathConverter):
    """Like `path`, but also matches an empty or '/'-prefixed rest, so that
    `/api/data//zone` reaches our validation (and gets a 400) instead of a 404."""

    regex = ".*"


def core_modules():
    from backend.api import acls, admin, auth, data, metadata, openapi, status, tickets

    return [status, auth, admin, data, metadata, acls, tickets, openapi]


def register_api(app: Flask) -> Api:
    app.url_map.converters["anypath"] = AnyPathConverter
    api = JsonErrorsApi(app)
    for module in core_modules():
        module.register(api)
    app.extensions["rapydo.api"] = api
    return api
