"""/api/registered/<iRODS path>: B2STAGE's registered data.

Like /api/data (the same streaming, paging and errors), except that every uploaded
object gets a PID, a rename keeps it (and the PID follows), and nothing registered is
ever deleted here: a PID must not end up pointing at nothing. The core's own endpoints
ask this module too (its `before_data_operation` hook): they may not delete registered
objects nor overwrite them, nor move one whose PID could not follow.
"""

from __future__ import annotations

from flask_restful import Resource
from werkzeug.exceptions import MethodNotAllowed

from backend.api import params, transfers
from backend.api.data import DOWNLOAD_QUERY, LISTING_QUERY, UPLOAD_BODY, UPLOAD_QUERY, logical
from backend.api.events import data_operation_done
from backend.api.spec import BOOLEAN, IRODS_PATH, json_body, operation, query
from backend.auth import login_required
from backend.errors import Conflict
from backend.storage import paths, user_storage
from backend.storage.base import COLLECTION, DATAOBJECT, Info, Storage
from rapydo_projects.b2stage.pids import pid_of, pid_service

TAGS = ["b2stage"]
ALLOWED = ["GET", "HEAD", "PUT", "POST", "PATCH"]
ERRORS = {400: None, 403: None, 404: None}


def described(storage: Storage, info: Info) -> dict:
    """An object's info with its `PID` (None when it has none); a collection's info."""
    data = info.as_dict()
    if info.type == DATAOBJECT:
        data["PID"] = pid_of(storage, info.path)
    return data


def listing(storage: Storage, info: Info) -> dict:
    """The core's listing (its paging and `next` link), with each object's PID."""
    page = transfers.listing(storage, info)
    for item in page["items"]:
        if item["type"] == DATAOBJECT:
            item["PID"] = pid_of(storage, item["path"])
    return page


class Registered(Resource):
    @operation(
        "Download a registered data object (Range supported) or list a collection with PIDs",
        tags=TAGS,
        parameters=[
            IRODS_PATH,
            *LISTING_QUERY,
            query("stat", BOOLEAN, "answer the path's info (with its PID) instead of its content"),
            DOWNLOAD_QUERY,
        ],
        responses={200: "the object's bytes, or a listing whose objects carry their PID",
                   206: "a byte range of the object", 304: "not modified (If-None-Match)",
                   416: None, **ERRORS},
    )
    @login_required()
    def get(self, irods_path):
        storage = user_storage()
        info = storage.stat(logical(irods_path))
        if params.flag("stat"):
            return described(storage, info)
        if info.type == COLLECTION:
            return listing(storage, info)
        return transfers.download_response(storage, info)

    @operation("Headers of a registered data object without its bytes", tags=TAGS,
               parameters=[IRODS_PATH], responses={200: "headers only", **ERRORS})
    @login_required()
    def head(self, irods_path):
        return transfers.head_response(user_storage().stat(logical(irods_path)))

    @operation(
        "Upload and register a data object: stored as by /api/data, then given a PID",
        tags=TAGS,
        parameters=[IRODS_PATH, query("force", BOOLEAN, "overwrite an existing object (it keeps its PID)"),
                    *UPLOAD_QUERY],
        body=UPLOAD_BODY,
        responses={201: "registered: the object's info with its PID", 200: "replaced (force), same PID",
                   409: None, 411: None, 413: None, 503: None, **ERRORS},
    )
    @login_required()
    def put(self, irods_path):
        storage = user_storage()
        info, replaced = transfers.upload(storage, logical(irods_path))
        data_operation_done("upload", info)
        pid = pid_service().mint(storage, info)
        return {**info.as_dict(), "PID": pid}, 200 if replaced else 201, {"ETag": f'"{info.checksum}"'}

    @operation("Create a collection", tags=TAGS,
               parameters=[IRODS_PATH, query("parents", BOOLEAN, "create missing parents too")],
               responses={201: "the new collection's info", 409: None, **ERRORS})
    @login_required()
    def post(self, irods_path):
        info = user_storage().mkdir(logical(irods_path), parents=params.flag("parents"))
        return info.as_dict(), 201

    @operation(
        "Rename a data object or collection in place; PIDs follow it", tags=TAGS,
        parameters=[IRODS_PATH],
        body=json_body({"newname": {"type": "string", "description": "the new name (not a path)"}},
                       required=["newname"], example={"newname": "renamed.txt"}),
        responses={200: "the renamed path's info (with its PID)", 409: None, **ERRORS},
    )
    @login_required()
    def patch(self, irods_path):
        newname = params.field(params.json_object(), "newname", str)
        storage = user_storage()
        original = storage.stat(logical(irods_path))
        # A name, not a path (InvalidPath otherwise): B2STAGE renames in place.
        moved = storage.move(original.path, paths.join(paths.parent(original.path), newname))
        data_operation_done("move", original, moved)  # the PIDs follow: data_operation below
        return described(storage, moved)

    @operation("Refused: registered data cannot be deleted", tags=TAGS, parameters=[IRODS_PATH],
               responses={405: None})
    @login_required()
    def delete(self, irods_path):
        raise MethodNotAllowed(valid_methods=ALLOWED,
                               description="registered data cannot be deleted: its PID must keep "
                                           "pointing at it")


def before_data_operation(kind: str, user: str | None, info: Info, storage: Storage) -> None:
    """The hook (backend/hooks.py): the core's endpoints (/api/data, /api/copy, /api/move,
    write tickets) may not delete nor overwrite a registered object, nor move one whose PID
    this service does not know (it could not follow). 409 naming the PID."""
    for found in pid_service().registrations(storage, info):
        if kind == "move" and found.known:
            continue  # data_operation below takes the PID along
        raise Conflict(_refusal(kind, found))


def _refusal(kind: str, found) -> str:
    registered = f"{found.path} is registered data with the PID {found.pid}"
    if kind == "delete":
        return f"{registered}: it cannot be deleted (its PID must keep pointing at it)"
    if kind == "overwrite":
        return (f"{registered}: it cannot be overwritten here; PUT /api/registered{found.path}"
                f"?force=true replaces it and keeps the PID's record right")
    return (f"{registered}, which this PID service does not know: it cannot be moved (the "
            f"PID could not follow it)")


def data_operation(kind: str, user: str, infos: tuple) -> None:
    """The hook (backend/hooks.py): a move through /api/registered or the core's /api/move
    takes the PIDs of what moved along."""
    if kind == "move":
        source, moved = infos
        pid_service().follow(user_storage(), source, moved)


def register(api) -> None:
    api.add_resource(Registered, "/api/registered/<anypath:irods_path>")
