"""HTTP endpoints: Flask-RESTful resources registered by area, documented by OpenAPI.

Each area module (`status`, `auth`, `data`, ...) implements the `register(api)` hook
(backend/hooks.py), as every community project's endpoint module does; a resource
method's `@operation` (backend/api/spec.py) is its OpenAPI operation, so the spec
cannot drift from the code that serves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from flask import Flask, request
from flask_restful import Api
from werkzeug.routing import PathConverter

from backend import hooks, projects
from backend.api import events
from backend.api.errors import error_response
from backend.errors import InvalidPath
from backend.settings import Settings, project_setting_defaults
from backend.storage.paths import MAX_PATH_LENGTH

RULE_VARIABLE = re.compile(r"<(?:([^:<>]+):)?[^<>]+>")
ON = {"1", "true", "yes", "on"}


def rule_key(url: str) -> str:
    """`/api/jobs/<job_id>` and `/api/jobs/<string:id>` route the same requests: one key."""
    return RULE_VARIABLE.sub(lambda match: f"<{match.group(1) or 'string'}>", url)


@dataclass
class Registration:
    resource: type
    urls: list[str]
    kwargs: dict
    source: str  # the module whose register(api) made it, for start-up errors

    @property
    def endpoint(self) -> str:
        return self.kwargs.get("endpoint") or self.resource.__name__.lower()


class RapydoApi(Api):
    """Flask-RESTful's Api, with our JSON errors, explicit shadowing and settings-dependent endpoints.

    `add_resource` only collects (Flask cannot remove a rule once added): a URL registered
    again must say `override=True`, and then replaces the earlier registration; an endpoint
    with `requires="setting"` is left out while that project setting is off. `finish()` hands
    what is left to Flask-RESTful, in registration order.
    """

    def __init__(self, app: Flask, settings: Settings, declared: Iterable[str] = ()):
        super().__init__(app)
        self.settings = settings
        # Project settings that `requires=` may name: those the project chain declares.
        self.declared = {name.lower() for name in declared}
        self.source = "?"
        self._pending: list[Registration] = []  # what finish() registers
        self._claimed: dict[str, Registration] = {}  # rule key -> its latest registration, on or off
        self._finished = False

    @property
    def registered(self) -> list[tuple[type, tuple[str, ...]]]:
        """(resource class, urls) of what the app serves, in registration order (for the spec)."""
        return [(entry.resource, tuple(entry.urls)) for entry in self._pending]

    def add_resource(self, resource, *urls, override: bool = False, requires: str | None = None,
                     **kwargs):
        if self._finished:
            raise RuntimeError(f"{self.source}: add_resource after start-up (call it from register(api))")
        entry = Registration(resource, list(urls), dict(kwargs), self.source)
        # Checked whether the setting is on or off, so that switching it on cannot break a start-up.
        for url in urls:
            earlier = self._claimed.get(rule_key(url))
            if earlier is None and override:
                raise RuntimeError(f"{self.source}: {url} has override=True, but nothing registered it before")
            if earlier is not None and not override:
                raise RuntimeError(f"{url} is registered by {earlier.source} and again by {self.source}: "
                                   f"pass override=True to the later add_resource to replace it")
            self._claimed[rule_key(url)] = entry
        if self._enabled(requires):
            self._replace(entry)
            self._pending.append(entry)

    def _enabled(self, requires: str | None) -> bool:
        if requires is None:
            return True
        if requires.lower() not in self.declared:
            raise RuntimeError(f"{self.source}: requires={requires!r}, but no project.yml of the project "
                               f"chain declares {requires.upper()} in its variables")
        return self.settings.project_settings.get(requires.lower(), "").strip().lower() in ON

    def _replace(self, entry: Registration) -> None:
        keys = {rule_key(url) for url in entry.urls}
        for earlier in list(self._pending):
            earlier.urls = [url for url in earlier.urls if rule_key(url) not in keys]
            if not earlier.urls:
                self._pending.remove(earlier)
                # So that url_for(<the core's name>) leads to the replacement.
                entry.kwargs.setdefault("endpoint", earlier.endpoint)

    def finish(self) -> None:
        owners: dict[str, Registration] = {}
        for entry in self._pending:
            other = owners.setdefault(entry.endpoint, entry)
            if other is not entry and other.resource is not entry.resource:
                raise RuntimeError(f"endpoint name {entry.endpoint!r} is used by {other.source} and by "
                                   f"{entry.source}: give one of them endpoint=...")
        for entry in self._pending:
            super().add_resource(entry.resource, *entry.urls, **entry.kwargs)
        self._finished = True

    def handle_error(self, e):
        # Flask-RESTful would answer our typed errors with a bare 500: map them instead.
        return request_error_response(e)


def request_error_response(e: BaseException):
    """The error answer of this request: an OGC exception document under /api/ogc (OGC
    clients read nothing else), our JSON error elsewhere. Routes and unknown paths alike."""
    from backend.api import ogc  # imported late: ogc imports this package's modules

    if ogc.is_ogc_request():
        return ogc.error_document(e)
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
    from backend.api import (acls, admin, archives, auth, data, groups, integrity, jobs, metadata,
                             ogc, openapi, provenance,
                             root, search, status, tasks, tickets, uploads, workflows)

    return [root, status, auth, admin, groups, data, uploads, archives, integrity, metadata, search, acls, tickets, tasks, workflows,
            jobs, provenance, ogc, openapi]


def register_api(app: Flask) -> Api:
    """Core endpoints first, then the project chain's, root first (the same `register` hook);
    the projects' `data_operation` and `before_data_operation` hooks are kept for
    backend.api.events."""
    app.url_map.converters["anypath"] = AnyPathConverter
    app.before_request(refuse_tricky_request_paths)
    settings = app.extensions["rapydo.settings"]
    api = RapydoApi(app, settings, project_setting_defaults(settings.project, settings.projects_dir))
    project_modules = projects.endpoint_modules(settings.project, settings.projects_dir)
    for module in core_modules() + project_modules:
        api.source = module.__name__
        module.register(api)
    api.finish()
    app.extensions["rapydo.api"] = api
    app.extensions[events.LISTENERS_KEY] = hooks.implementations(project_modules, "data_operation")
    app.extensions[events.VETOES_KEY] = hooks.implementations(project_modules, "before_data_operation")
    return api
