"""GET /: where a newcomer goes next (docs, spec, status), without a token."""

from __future__ import annotations

from flask import current_app
from flask_restful import Resource

from backend import __version__
from backend.api.spec import operation

LINKS = {"docs": "/api/docs", "specs": "/api/specs", "status": "/api/status", "login": "/auth/login"}
ROOT_SCHEMA = {"type": "object", "properties": {
    "name": {"type": "string"}, "version": {"type": "string"}, "project": {"type": "string"},
    "links": {"type": "object", "additionalProperties": {"type": "string"}}}}


class Root(Resource):
    @operation("Links to the documentation, the OpenAPI spec and the status", tags=["status"], auth=False,
               responses={200: {"description": "where to go next",
                                "content": {"application/json": {"schema": ROOT_SCHEMA}}}})
    def get(self):
        # Paths, not absolute URLs: behind a proxy the host we see is not the one clients use.
        return {"name": "rapydo-irods", "version": __version__,
                "project": current_app.extensions["rapydo.settings"].project, "links": LINKS}, 200


def register(api) -> None:
    api.add_resource(Root, "/")
