"""/api/metadata/<iRODS path>: AVUs of any path (list, add, set, remove, several at once)."""

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
OPERATION = {"type": "object", "required": ["operation", "attribute", "value"], "properties": {
    "operation": {"type": "string", "enum": ["add", "remove", "set"]},
    "attribute": STRING, "value": STRING, "unit": STRING}}
OPERATIONS_BODY = json_body(
    {"operations": {"type": "array", "minItems": 1, "items": OPERATION}}, required=["operations"],
    example={"operations": [{"operation": "set", "attribute": "instrument", "value": "CTD-43"},
                            {"operation": "remove", "attribute": "status", "value": "draft"},
                            {"operation": "add", "attribute": "status", "value": "final"}]})


def _avu_from_body() -> AVU:
    body = params.json_object()
    return _avu(params.field(body, "attribute", str), params.field(body, "value", str),
                params.field(body, "unit", str, required=False, default=""))


def _avu(attribute: str, value: str, unit: str) -> AVU:
    if not attribute.strip() or not value.strip():
        # iRODS refuses empty attributes and values.
        raise BadRequest("attribute and value must not be empty")
    return AVU(attribute, value, unit)


def _operations_from_body() -> list[tuple[str, AVU]]:
    operations = params.field(params.json_object(), "operations", list)
    if not operations:
        raise BadRequest("operations must list at least one operation")
    found = []
    for index, item in enumerate(operations):
        if not isinstance(item, dict):
            raise BadRequest(f"operation {index} must be an object")
        kind = params.field(item, "operation", str)
        if kind not in ("add", "remove", "set"):
            raise BadRequest(f"operation {index}: operation must be add, remove or set")
        try:
            found.append((kind, _avu(params.field(item, "attribute", str),
                                     params.field(item, "value", str),
                                     params.field(item, "unit", str, required=False, default=""))))
        except BadRequest as exc:
            raise BadRequest(f"operation {index}: {exc.message}") from None
    return found


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

    @operation("Apply several AVU changes at once: all of them, or none", tags=["metadata"],
               parameters=[IRODS_PATH], body=OPERATIONS_BODY,
               responses={200: "the path and its AVUs afterwards", **ERRORS},
               description="In order: add (no error when present), remove (no error when "
                           "absent), set (the only value of its attribute afterwards), as iRODS' "
                           "atomic metadata API. Any invalid operation is 400 and nothing changes.")
    @login_required()
    def patch(self, irods_path):
        path = logical(irods_path)
        avus = user_storage().apply_metadata(path, _operations_from_body())
        return {"path": path, "metadata": [vars(avu) for avu in avus]}

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
