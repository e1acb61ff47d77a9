"""/api/metadata/<iRODS path>: AVUs of any path (list, add, set, remove)."""

from __future__ import annotations

from flask import Response, request
from flask_restful import Resource

from backend.api import params
from backend.api.data import logical
from backend.api.spec import IRODS_PATH, STRING, json_body, operation, query
from backend.auth import login_required
from backend.errors import BadRequest
from backend.storage import user_storage
from backend.storage.base import AVU

AVU_BODY = json_body({"attribute": STRING, "value": STRING, "unit": STRING},
                     required=["attribute", "value"],
                     example={"attribute": "instrument", "value": "CTD-42", "unit": ""})
ERRORS = {400: None, 403: None, 404: None}


def _avu_from_body() -> AVU:
    body = params.json_object()
    return _avu(params.field(body, "attribute", str), params.field(body, "value", str),
                params.field(body, "unit", str, required=False, default=""))


def _avu(attribute: str, value: str, unit: str) -> AVU:
    if not attribute.strip() or not value.strip():
        # iRODS refuses empty attributes and values.
        raise BadRequest("attribute and value must not be empty")
    return AVU(attribute, value, unit)


def _listing(path: str) -> dict:
    return {"path": path, "metadata": [vars(avu) for avu in user_storage().metadata.get(path)]}


class Metadata(Resource):
    @operation("List the AVUs of a path", tags=["metadata"], parameters=[IRODS_PATH],
               responses={200: "the path and its AVUs", **ERRORS})
    @login_required()
    def get(self, irods_path):
        return _listing(logical(irods_path))

    @operation("Add one AVU (an attribute may have several values)", tags=["metadata"],
               parameters=[IRODS_PATH], body=AVU_BODY,
               responses={201: "the path and its AVUs", 409: None, **ERRORS})
    @login_required()
    def post(self, irods_path):
        path = logical(irods_path)
        user_storage().metadata.add(path, _avu_from_body())
        return _listing(path), 201

    @operation("Set an attribute to this single value, replacing its other values", tags=["metadata"],
               parameters=[IRODS_PATH], body=AVU_BODY, responses={200: "the path and its AVUs", **ERRORS})
    @login_required()
    def put(self, irods_path):
        path = logical(irods_path)
        user_storage().metadata.set(path, _avu_from_body())
        return _listing(path)

    @operation("Remove one AVU", tags=["metadata"],
               parameters=[IRODS_PATH, {**query("attribute", STRING), "required": True},
                           {**query("value", STRING), "required": True}, query("unit", STRING)],
               responses={204: "removed", **ERRORS})
    @login_required()
    def delete(self, irods_path):
        args = request.args
        if "attribute" not in args or "value" not in args:
            raise BadRequest("give the AVU to remove as ?attribute=...&value=...[&unit=...]")
        avu = _avu(args["attribute"], args["value"], args.get("unit", ""))
        user_storage().metadata.remove(logical(irods_path), avu)
        return Response(status=204)


def register(api) -> None:
    api.add_resource(Metadata, "/api/metadata/<anypath:irods_path>")
