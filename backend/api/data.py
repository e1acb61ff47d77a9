"""/api/data/<iRODS path>: list, download, upload, create, remove; /api/copy and /api/move."""

from __future__ import annotations

from flask import Response, request
from flask_restful import Resource

from backend import quotas
from backend.api import params, transfers
from backend.api.events import data_operation_allowed, data_operation_done, overwrite_allowed
from backend.api.spec import BOOLEAN, IRODS_PATH, STRING, json_body, operation, query
from backend.auth import login_required
from backend.errors import UnsupportedMediaType
from backend.storage import paths, user_storage
from backend.storage.base import COLLECTION, SORT_KEYS


def logical(irods_path: str) -> str:
    """The URL carries the path without its leading '/'; storage validates the rest."""
    return "/" + irods_path


# The OpenAPI pieces of listing, downloading and uploading (b2stage's /api/registered shares them).
LISTING_QUERY = [
    query("offset", {"type": "integer", "minimum": 0}),
    query("after", STRING, "list the names after this one (the `next` link of a page uses it)"),
    query("limit", {"type": "integer", "minimum": 1, "maximum": transfers.MAX_PAGE}),
    query("detailed", BOOLEAN, "size, checksum, owner and times per entry"),
    query("count", BOOLEAN, "add `count`: how many entries you may see in the whole collection"),
    query("sort", {"type": "string", "enum": list(SORT_KEYS)},
          "order by name (default), size (collections first) or modification time; ties by name"),
    query("order", {"type": "string", "enum": ["asc", "desc"]}, "asc (default) or desc"),
]
DOWNLOAD_QUERY = query("download", BOOLEAN, "add Content-Disposition: attachment")
UPLOAD_QUERY = [
    query("parents", BOOLEAN, "create missing collections"),
    query("checksum", STRING, "sha2:<base64> or hex sha256 the stored bytes must match"),
]
UPLOAD_BODY = {"content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object",
                                       "properties": {"file": {"type": "string", "format": "binary"}}}},
}}


class DataPath(Resource):
    @operation(
        "Download a data object (Range supported) or list a collection",
        tags=["data"],
        parameters=[
            IRODS_PATH,
            *LISTING_QUERY,
            query("stat", BOOLEAN, "answer the path's info as JSON instead of its content"),
            DOWNLOAD_QUERY,
        ],
        responses={200: "the object's bytes, or a JSON listing or info", 206: "a byte range of the object",
                   304: "not modified (If-None-Match)", 400: None, 403: None, 404: None, 416: None},
    )
    @login_required()
    def get(self, irods_path):
        storage = user_storage()
        info = storage.stat(logical(irods_path))
        if params.flag("stat"):
            return info.as_dict()
        if info.type == COLLECTION:
            return transfers.listing(storage, info)
        return transfers.download_response(storage, info)

    @operation("Headers of a data object (size, checksum as ETag, type) without its bytes",
               tags=["data"], parameters=[IRODS_PATH],
               responses={200: "headers only", 400: "invalid path", 403: "not allowed", 404: "no such path"})
    @login_required()
    def head(self, irods_path):
        return transfers.head_response(user_storage().stat(logical(irods_path)))

    @operation(
        "Upload a data object: the raw body (or a multipart 'file' part), streamed, checksummed, atomic",
        tags=["data"],
        parameters=[IRODS_PATH, query("force", BOOLEAN, "overwrite an existing object"), *UPLOAD_QUERY],
        body=UPLOAD_BODY,
        responses={201: "created: the stored object's info with its checksum", 200: "replaced (force)",
                   400: None, 403: None, 404: None, 409: None, 411: None, 413: None, 507: None},
        description="403 `quota_exceeded` when the object would take its owner beyond their quota; "
                    "507 `insufficient_storage` when the disk has no room left for it.",
    )
    @login_required()
    def put(self, irods_path):
        storage, path = user_storage(), logical(irods_path)
        if params.flag("force"):
            overwrite_allowed(storage, path)
        info, replaced = transfers.upload(storage, path)
        data_operation_done("upload", info)
        return info.as_dict(), 200 if replaced else 201, {"ETag": f'"{info.checksum}"'}

    @operation(
        "Create a collection; or, with a multipart form, upload its `file` parts (files or a folder)",
        tags=["data"],
        parameters=[IRODS_PATH, query("parents", BOOLEAN, "create missing parents too"),
                    query("force", BOOLEAN, "form uploads: overwrite existing objects")],
        body={"required": False, "content": {"multipart/form-data": UPLOAD_BODY["content"]["multipart/form-data"]}},
        responses={201: "the new collection's info, or {\"items\": [the stored objects' info]}",
                   400: None, 403: None, 404: None, 409: None, 413: None, 415: None},
        description="Into an existing collection, each `file` part is stored under its file name, "
                    "which may be a relative path (a folder upload); at a new path, one part is "
                    "stored as that path. All or nothing.",
    )
    @login_required()
    def post(self, irods_path):
        storage, path = user_storage(), logical(irods_path)
        if request.mimetype == "multipart/form-data":
            stored = transfers.form_upload(storage, path)
            for info in stored:
                data_operation_done("upload", info)
            return {"items": [info.as_dict() for info in stored]}, 201
        if request.content_length or request.headers.get("Transfer-Encoding"):
            paths.normalise(path, storage.zone)  # a bad path is said first, as everywhere
            raise UnsupportedMediaType("POST creates a collection: upload a file with PUT, "
                                       "or POST a multipart form with 'file' parts")
        info = storage.mkdir(path, parents=params.flag("parents"))
        return info.as_dict(), 201

    @operation("Remove a data object, or a collection when recursive is asked", tags=["data"],
               parameters=[IRODS_PATH, query("recursive", BOOLEAN)],
               responses={204: "removed", 400: None, 403: None, 404: None, 409: None})
    @login_required()
    def delete(self, irods_path):
        storage = user_storage()
        removed = storage.stat(logical(irods_path))
        data_operation_allowed("delete", storage, removed)
        storage.remove(removed.path, recursive=params.flag("recursive"))
        data_operation_done("delete", removed)
        return Response(status=204)


TRANSFER_BODY = json_body(
    {"source": STRING, "destination": STRING, "force": BOOLEAN},
    required=["source", "destination"],
    example={"source": "/tempZone/home/alice/a.txt", "destination": "/tempZone/home/alice/b.txt"},
)
TRANSFER_ERRORS = {400: None, 403: None, 404: None, 409: None}


def _source_and_destination() -> tuple[str, str, dict]:
    body = params.json_object()
    return params.field(body, "source", str), params.field(body, "destination", str), body


class Copy(Resource):
    @operation("Server-side copy of a data object or, recursively, a collection", tags=["data"],
               body=TRANSFER_BODY, responses={201: "the copy's info", **TRANSFER_ERRORS, 507: None},
               description="403 `quota_exceeded` when the copy would take you beyond your quota.")
    @login_required()
    def post(self):
        source, destination, body = _source_and_destination()
        force = params.field(body, "force", bool, required=False, default=False)
        storage = user_storage()
        original = storage.stat(source)
        if force:
            overwrite_allowed(storage, destination)
        room = quotas.room_for(storage, quotas.replaced_object(storage, destination) if force else None)
        if room is not None:  # only then is the size of a whole tree worth walking
            room.check(storage.du(original.path))
        copied = storage.copy(original.path, destination, force=force)
        data_operation_done("copy", original, copied)
        return copied.as_dict(), 201


class Move(Resource):
    @operation("Rename or move a data object or collection", tags=["data"],
               body=TRANSFER_BODY, responses={200: "the moved path's info", **TRANSFER_ERRORS})
    @login_required()
    def post(self):
        source, destination, _ = _source_and_destination()
        storage = user_storage()
        original = storage.stat(source)
        data_operation_allowed("move", storage, original)
        moved = storage.move(original.path, destination)
        data_operation_done("move", original, moved)
        return moved.as_dict()


def register(api) -> None:
    api.add_resource(DataPath, "/api/data/<anypath:irods_path>")
    api.add_resource(Copy, "/api/copy")
    api.add_resource(Move, "/api/move")
