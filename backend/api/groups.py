"""/admin/groups: groups of users and their members. For admins only.

A group is granted permissions as a user is (/api/permissions, "user": "<group>"), and
its members get them; on iRODS these are iRODS groups.
"""

from __future__ import annotations

from flask import url_for
from flask_restful import Resource

from backend.api import params
from backend.api.auth import json_response, no_content, only_fields
from backend.api.spec import json_body, operation, path_param
from backend.auth import ADMIN, group_service, login_required
from backend.auth.service import USERNAME_PATTERN

GROUP = path_param("group", "the group's name")
USERNAME = path_param("username", "the member's user name")
GROUP_SCHEMA = {
    "type": "object",
    "required": ["name", "members"],
    "properties": {"name": {"type": "string"},
                   "members": {"type": "array", "items": {"type": "string"},
                               "description": "user names, sorted"}},
}
GROUP_RESPONSE = json_response("the group", GROUP_SCHEMA)


def group_view(name: str, members: list[str]) -> dict:
    return {"name": name, "members": members}


def _item(name: str) -> dict:
    return group_view(name, group_service().members(name))


class Groups(Resource):
    @operation("List groups and their members, ordered by name", tags=["admin"],
               responses={200: json_response("groups", {"type": "array", "items": GROUP_SCHEMA}),
                          403: None, 503: None},
               description="Every group storage has (on iRODS, also those made with iadmin), "
                           "except 'public', the group of everyone.")
    @login_required(ADMIN)
    def get(self):
        return [group_view(name, members) for name, members in group_service().every().items()]

    @operation(
        "Create a group (on iRODS, an iRODS group)", tags=["admin"],
        body=json_body({"name": {"type": "string", "pattern": USERNAME_PATTERN}},
                       required=["name"], example={"name": "lab"}),
        responses={201: json_response("created", GROUP_SCHEMA, {
                       "Location": {"description": "the new group", "schema": {"type": "string"}}}),
                   400: None, 403: None, 409: None, 422: None, 503: None},
        description="Users and groups share names, as in iRODS: a name a user (or, on iRODS, "
                    "any account) has is refused (409), and so are reserved names such as "
                    "public, anonymous and rodsadmin (422).",
    )
    @login_required(ADMIN)
    def post(self):
        body = only_fields(params.json_object(), {"name"})
        name = params.field(body, "name", str)
        group_service().create(name)
        return group_view(name, []), 201, {"Location": url_for(GroupItem.endpoint, group=name)}


class GroupItem(Resource):
    endpoint = "admin_group"

    @operation("Get a group and its members", tags=["admin"], parameters=[GROUP],
               responses={200: GROUP_RESPONSE, 403: None, 404: None, 503: None})
    @login_required(ADMIN)
    def get(self, group):
        return _item(group)

    @operation("Delete a group, with its memberships and every permission granted to it",
               tags=["admin"], parameters=[GROUP],
               responses={204: "deleted", 403: None, 404: None, 503: None})
    @login_required(ADMIN)
    def delete(self, group):
        group_service().delete(group)
        return no_content()


class GroupMember(Resource):
    @operation("Add a user to a group (nothing changes when they are in it already)",
               tags=["admin"], parameters=[GROUP, USERNAME],
               responses={200: GROUP_RESPONSE, 403: None, 404: None, 409: None, 503: None},
               description="The user gets what the group is granted at once, in every "
                           "session of theirs.")
    @login_required(ADMIN)
    def put(self, group, username):
        group_service().add_member(group, username)
        return _item(group)

    @operation("Take a user out of a group", tags=["admin"], parameters=[GROUP, USERNAME],
               responses={204: "removed", 403: None, 404: None,
                          503: None},
               description="The user loses what only the group gave them at once, in every "
                           "session of theirs.")
    @login_required(ADMIN)
    def delete(self, group, username):
        group_service().remove_member(group, username)
        return no_content()


def register(api) -> None:
    api.add_resource(Groups, "/admin/groups")
    api.add_resource(GroupItem, "/admin/groups/<string:group>", endpoint=GroupItem.endpoint)
    api.add_resource(GroupMember, "/admin/groups/<string:group>/members/<string:username>")
