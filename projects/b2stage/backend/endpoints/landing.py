"""/public/<iRODS path>: the landing page of a published data object, without a token.

Read through an anonymous storage session, so only what `public` may read can be shown;
anything else (unpublished, missing, a collection) is the same 404, so that the page
never tells whether an unpublished path exists.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from flask import Response, url_for
from flask_restful import Resource

from backend.api import params, transfers
from backend.api.data import logical
from backend.api.spec import BOOLEAN, IRODS_PATH, operation, query
from backend.errors import NotFound, PermissionDenied
from backend.storage.base import DATAOBJECT, Info, Storage
from rapydo_projects.b2stage.pids import PID_ATTRIBUTE
from rapydo_projects.b2stage.publication import anonymous_storage, is_published

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NOT_PUBLISHED = "no published data object at this path"


@functools.cache
def templates() -> jinja2.Environment:
    # Autoescape everything: paths, names and AVUs are whatever users wrote.
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def published_object(storage: Storage, path: str) -> Info:
    try:
        info = storage.stat(path)
        if info.type == DATAOBJECT and is_published(storage, info.path):
            return info
    except (NotFound, PermissionDenied):
        pass
    raise NotFound(NOT_PUBLISHED)


class LandingPage(Resource):
    @operation(
        "The public landing page of a published data object (or, with download, its bytes)",
        tags=["b2stage"], auth=False,
        parameters=[IRODS_PATH, query("download", BOOLEAN, "stream the object (as an attachment)")],
        responses={200: {"description": "an HTML page, or the object's bytes",
                         "content": {"text/html": {"schema": {"type": "string"}}}},
                   206: "a byte range", 400: None, 404: None, 416: None},
        description="No token needed. Unpublished and missing paths are both 404.",
    )
    def get(self, irods_path):
        storage = anonymous_storage()
        info = published_object(storage, logical(irods_path))
        if params.flag("download"):
            return transfers.download_response(storage, info)
        metadata = storage.metadata.get(info.path)
        pid = next((avu.value for avu in metadata if avu.attribute == PID_ATTRIBUTE), None)
        page = templates().get_template("landing.html").render(
            info=info, pid=pid, metadata=metadata,
            download_url=url_for("landingpage", irods_path=irods_path, download="true"))
        return Response(page, mimetype="text/html")


def register(api) -> None:
    api.add_resource(LandingPage, "/public/<anypath:irods_path>", requires="b2stage_publish")
