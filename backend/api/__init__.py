"""HTTP endpoints: Flask-RESTful resources registered by area, documented by OpenAPI.

Each area module (`status`, `auth`, `data`, ...) exposes `register(api)`. A
resource method's docstring carries its OpenAPI operation in YAML after `---`,
so the spec cannot drift from the code that serves it.
"""

from __future__ import annotations

from urllib.parse import unquote

from flask import Flask, request
from flask_restful import Api
from werkzeug.routing import PathConverter

from backend import projects
from backend.api.errors import error_response
from backend.errors import InvalidPath
from backend.storage.paths import MAX_PATH_LENGTH


class RapydoApi(Api):
    """Flask-RESTful's Api, with our JSON errors and a record of what is registered."""

    def __init__(self, app: Flask):
        super().__init__(app)
        # (resource class, urls) in registration order: the OpenAPI spec is built
        # from it (Api.resources stays empty once the Api is bound to an app).
        self.registered: list[tuple[type, tuple[str, ...]]] = []

    def add_resource(self, resource, *urls, **kwargs):
        self.registered.append((resource, urls))
        return super().add_resource(resource, *urls, **kwargs)

    def handle_error(self, e):
        # Flask-RESTful would answer our typed errors with a bare 500: map them instead.
        return error_response(e)


class AnyPathConverter(PathConverter):
    """Like `path`, but also matches an empty or '/'-prefixed rest, so that
    `/api/data//zone` reaches our validation (and gets a 400) instead of a 404."""

    regex = ".*"
    # Werkzeug infers part_isolating from a '/' in the regex; ours spans segments.
    part_isolating = False


def refuse_tricky_request_paths() -> None:
    """Refuse dot segments, empty segments and control characters in the request URI.

    The server may have resolved `a/../b` into `b` before PATH_INFO reaches us
    (uWSGI does), which would silently turn a refused path into another one; so we
    look at the URI as the client sent it, percent-decoded.
    """
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if not raw:
        return
    path = unquote(raw.split("?", 1)[0])
    if len(path) > MAX_PATH_LENGTH * 3:
        raise InvalidPath("request path too long")
    segments = path.split("/")[1:]
    if any(segment in (".", "..") for segment in segments):
        raise InvalidPath("'.' and '..' segments are not allowed")
    if "" in segments[:-1]:
        raise InvalidPath("empty path segment ('//')")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        raise InvalidPath("control characters (NUL, newline, ...) are not allowed in paths")


def core_modules():
    from backend.api import (acls, admin, auth, data, jobs, metadata, openapi, provenance, status,
                             tasks, tickets, workflows)

    return [status, auth, admin, data, metadata, acls, tickets, tasks, workflows, jobs, provenance,
            openapi]


def register_api(app: Flask) -> Api:
    app.url_map.converters["anypath"] = AnyPathConverter
    app.before_request(refuse_tricky_request_paths)
    api = RapydoApi(app)
    project = app.extensions["rapydo.settings"].project
    for module in core_modules() + projects.endpoint_modules(project):
        module.register(api)
    app.extensions["rapydo.api"] = api
    return api
