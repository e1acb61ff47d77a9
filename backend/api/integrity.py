"""Integrity and convenience on one path: re-verify a checksum, touch.

POST /api/checksum/<path>  {"verify": true}        -> 200 {"path", "checksum", "verified"}
                                                      409 `checksum_mismatch` when the bytes changed
POST /api/touch/<path>     {"modified": ..., "no_create": false}
                                                   -> 200 the path's info (201 when created)
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import jsonify, request
from flask_restful import Resource

from backend.api import params
from backend.api.data import logical
from backend.api.events import data_operation_done
from backend.api.spec import BOOLEAN, IRODS_PATH, STRING, operation
from backend.auth import login_required
from backend.errors import BadRequest, ChecksumMismatch
from backend.storage import user_storage

MISMATCH = 409  # the stored bytes conflict with their own record: nothing the client sent


def _optional_body() -> dict:
    """The JSON object of the request, or {} when it has no body."""
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return {}
    return params.json_object()


def _optional_body_spec(properties: dict, example: dict) -> dict:
    return {"required": False, "content": {"application/json": {
        "schema": {"type": "object", "properties": properties}, "example": example}}}


def _moment(value) -> datetime | None:
    """An ISO 8601 date and time (UTC unless it says otherwise) or seconds since the epoch."""
    if value is None:
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, timezone.utc)
        if isinstance(value, str):
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError):
        pass
    raise BadRequest("modified must be an ISO 8601 date and time (2024-05-04T03:02:01Z) "
                     "or seconds since the epoch")


class Checksum(Resource):
    @operation(
        "The checksum of a data object, verified against its bytes read again (ichksum -K)",
        tags=["data"], parameters=[IRODS_PATH],
        body=_optional_body_spec({"verify": BOOLEAN}, {"verify": True}),
        responses={200: "{path, checksum, verified}", 400: None, 403: None, 404: None,
                   409: "`checksum_mismatch`: the stored bytes no longer match their checksum"},
        description="verify (default true) reads every byte again on the storage side and "
                    "compares with the registered checksum; verify=false answers the registered "
                    "one (computing it, once, when none was registered).",
    )
    @login_required()
    def post(self, irods_path):
        path = logical(irods_path)
        verify = params.field(_optional_body(), "verify", bool, required=False, default=True)
        try:
            checksum = user_storage().checksum(path, verify=verify)
        except ChecksumMismatch as exc:
            response = jsonify({"error": exc.message, "code": MISMATCH, "type": exc.kind,
                                "path": path, "verified": False})
            response.status_code = MISMATCH
            return response
        return {"path": path, "checksum": checksum, "verified": verify}


class Touch(Resource):
    @operation(
        "Set the modify time of a data object or collection; create an empty object if absent",
        tags=["data"], parameters=[IRODS_PATH],
        body=_optional_body_spec({"modified": STRING, "no_create": BOOLEAN},
                                 {"modified": "2024-05-04T03:02:01Z", "no_create": False}),
        responses={200: "the path's info", 201: "created: the new empty object's info",
                   400: None, 403: None, 404: "no such path (no_create), or no parent", 409: None},
        description="As `itouch`: modified is an ISO 8601 date and time or seconds since the "
                    "epoch (default: now); a path naming nothing becomes an empty, checksummed "
                    "data object unless no_create is true.",
    )
    @login_required()
    def post(self, irods_path):
        body = _optional_body()
        modified = _moment(body.get("modified"))
        create = not params.field(body, "no_create", bool, required=False, default=False)
        storage, path = user_storage(), logical(irods_path)
        created = create and not storage.exists(path)
        info = storage.touch(path, modified=modified, create=create)
        if created:
            data_operation_done("upload", info)
        return info.as_dict(), 201 if created else 200


def register(api) -> None:
    api.add_resource(Checksum, "/api/checksum/<anypath:irods_path>")
    api.add_resource(Touch, "/api/touch/<anypath:irods_path>")
