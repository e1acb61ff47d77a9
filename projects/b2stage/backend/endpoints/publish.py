"""/api/publish/<iRODS path>: publish data for anonymous reading (its landing page is
/public/<path>), say whether it is published, unpublish it. Only while B2STAGE_PUBLISH is on."""

from __future__ import annotations

from flask import url_for
from flask_restful import Resource

from backend.api.data import logical
from backend.api.spec import IRODS_PATH, operation
from backend.auth import login_required
from backend.storage import user_storage
from backend.storage.base import COLLECTION
from rapydo_projects.b2stage.publication import is_published, set_published

TAGS = ["b2stage"]
ERRORS = {400: None, 403: None, 404: None}


def state(storage, path: str) -> dict:
    info = storage.stat(path)
    published = is_published(storage, info.path)
    answer = {"path": info.path, "type": info.type, "published": published}
    if published and info.type != COLLECTION:
        answer["landing_page"] = url_for("landingpage", irods_path=info.path.lstrip("/"), _external=True)
    return answer


class Publish(Resource):
    @operation("Whether a path is published (anyone may read it)", tags=TAGS, parameters=[IRODS_PATH],
               responses={200: "the path's publication state", **ERRORS})
    @login_required()
    def get(self, irods_path):
        return state(user_storage(), logical(irods_path))

    @operation("Publish a path: anonymous read access, recursively for a collection", tags=TAGS,
               parameters=[IRODS_PATH],
               responses={200: "published, with the landing page of an object", **ERRORS},
               description="Only an owner of the path may publish it (403 otherwise). What is "
                           "later added to a published collection is not published by this.")
    @login_required()
    def put(self, irods_path):
        storage = user_storage()
        set_published(storage, storage.stat(logical(irods_path)), True)
        return state(storage, logical(irods_path))

    @operation("Unpublish a path (recursively for a collection)", tags=TAGS, parameters=[IRODS_PATH],
               responses={200: "no longer published", **ERRORS})
    @login_required()
    def delete(self, irods_path):
        storage = user_storage()
        set_published(storage, storage.stat(logical(irods_path)), False)
        return state(storage, logical(irods_path))


def register(api) -> None:
    api.add_resource(Publish, "/api/publish/<anypath:irods_path>", requires="b2stage_publish")
