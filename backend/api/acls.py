"""/api/permissions/<iRODS path>: ACLs and inheritance."""

from __future__ import annotations

from flask_restful import Resource

from backend.api import params
from backend.api.data import logical
from backend.api.spec import BOOLEAN, IRODS_PATH, json_body, operation
from backend.auth import login_required
from backend.errors import BadRequest
from backend.storage import user_storage
from backend.storage.base import COLLECTION, AccessLevel

ACL_BODY = json_body(
    {"user": {"type": "string", "description": "a user, a group, or 'public' (everyone)"},
     "group": {"type": "string", "description": "the same as 'user' (give one of them)"},
     "level": {"type": "string", "enum": [level.name for level in AccessLevel]},
     "inheritance": BOOLEAN, "recursive": BOOLEAN},
    example={"user": "bob", "level": "read", "recursive": False},
)
ERRORS = {400: None, 403: None, 404: None}


def _state(path: str) -> dict:
    storage = user_storage()
    info = storage.stat(path)
    inheritance = storage.acls.get_inheritance(path) if info.type == COLLECTION else None
    return {"path": path, "type": info.type, "inheritance": inheritance,
            "acls": [acl.as_dict() for acl in storage.acls.get(path)]}


def _grantee(body: dict) -> str | None:
    """Who is granted: "user" or its alias "group" (users and groups share names)."""
    if "user" in body and "group" in body:
        raise BadRequest("give 'user' or 'group', not both")
    return params.field(body, "group" if "group" in body else "user", str, required=False)


class Permissions(Resource):
    @operation("List the ACLs of a path, and a collection's inheritance flag", tags=["permissions"],
               parameters=[IRODS_PATH], responses={200: "the path's ACLs", **ERRORS})
    @login_required()
    def get(self, irods_path):
        return _state(logical(irods_path))

    @operation(
        "Grant a user or a group (or 'public') a level (null removes it), and/or set inheritance",
        tags=["permissions"], parameters=[IRODS_PATH], body=ACL_BODY,
        responses={200: "the path's ACLs after the change", 422: None, **ERRORS},
        description="A group's members get what it is granted. An unknown user or group is "
                    "404.",
    )
    @login_required()
    def put(self, irods_path):
        path = logical(irods_path)
        body = params.json_object()
        recursive = params.field(body, "recursive", bool, required=False, default=False)
        user = _grantee(body)
        inheritance = params.field(body, "inheritance", bool, required=False)
        if user is None and inheritance is None:
            raise BadRequest("give 'user' (or 'group') and 'level', or 'inheritance', or both")
        acls = user_storage().acls
        if user is not None:
            level = AccessLevel.parse(params.field(body, "level", str))
            acls.set(path, user, level, recursive=recursive)
        if inheritance is not None:
            acls.set_inheritance(path, inheritance, recursive=recursive)
        return _state(path)


def register(api) -> None:
    api.add_resource(Permissions, "/api/permissions/<anypath:irods_path>")
