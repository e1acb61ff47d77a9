"""/admin/users: user management and users' tokens; /admin/bans: login bans. For admins only."""

from __future__ import annotations

from flask import url_for
from flask_restful import Resource

from backend import quotas
from backend.accounts import account_ended
from backend.api import params
from backend.api.auth import (TOKEN_SCHEMA, USER_SCHEMA, json_response, no_content, only_fields,
                              user_view)
from backend.api.spec import BOOLEAN, STRING, json_body, operation, path_param
from backend.auth import ADMIN, USER, auth_service, current_token, current_user, login_required
from backend.auth.service import EMAIL_MAX_LENGTH, EMAIL_PATTERN, UNSET, USERNAME_PATTERN
from backend.auth.passwords import MIN_PASSWORD_LENGTH
from backend.errors import BadRequest, NotFound, ServiceUnavailable, Unauthorized
from backend.storage import user_storage

USERNAME = path_param("username", "the user's name")
FIELDS = {
    "email": {"type": "string", "nullable": True, "maxLength": EMAIL_MAX_LENGTH, "pattern": EMAIL_PATTERN},
    "role": {"type": "string", "enum": [ADMIN, USER]},
    "password": {"type": "string", "format": "password", "minLength": MIN_PASSWORD_LENGTH},
    "disabled": BOOLEAN,
    "quota": {"type": "integer", "minimum": 0, "nullable": True,
              "description": "bytes the user may own in storage; 0: unlimited; null: QUOTA_DEFAULT"},
}
QUOTA_VIEW = {
    "quota": FIELDS["quota"],
    "effective_quota": {"type": "integer", "description": "the quota that applies (0: unlimited)"},
    "usage": {"type": "integer", "nullable": True,
              "description": "bytes of the data objects the user owns (null: storage cannot tell now)"},
}
MANAGED_USER_SCHEMA = {**USER_SCHEMA, "required": [*USER_SCHEMA["required"], *QUOTA_VIEW],
                       "properties": {**USER_SCHEMA["properties"], **QUOTA_VIEW}}
USER_RESPONSE = json_response("the user, with their quota and usage", MANAGED_USER_SCHEMA)


def _strict(body: dict) -> dict:
    """A JSON body schema that refuses unknown fields, as the code does."""
    body["content"]["application/json"]["schema"]["additionalProperties"] = False
    return body


def _quota(body: dict):
    """UNSET when absent; None (back to the default) or bytes when given."""
    return params.field(body, "quota", int, required=False) if "quota" in body else UNSET


def managed_view(user) -> dict:
    """A user as administrators see one: with their quota and what they store (null when
    storage cannot tell now: managing accounts must not depend on it)."""
    try:
        usage = user_storage().owned_bytes(user.username)
    except (ServiceUnavailable, Unauthorized):
        usage = None
    return {**user_view(user), "quota": auth_service().quota_of(user.username),
            "effective_quota": quotas.limit_of(user.username), "usage": usage}


def _email(body: dict):
    """UNSET when absent; None (clear it) or a string when given."""
    if "email" not in body:
        return UNSET
    if body["email"] is not None and not isinstance(body["email"], str):
        raise BadRequest("field 'email' has the wrong type")
    return body["email"]


class Users(Resource):
    @operation("List users, ordered by name", tags=["admin"],
               responses={200: json_response("users", {"type": "array", "items": USER_SCHEMA}), 403: None})
    @login_required(ADMIN)
    def get(self):
        return [user_view(user) for user in auth_service().list_users()]

    @operation(
        "Create a user and their home collection", tags=["admin"],
        body=_strict(json_body({"username": {"type": "string", "pattern": USERNAME_PATTERN}, **FIELDS},
                               required=["username", "password"],
                               example={"username": "alice", "password": "correct horse battery",
                                        "email": "alice@example.org", "role": "user"})),
        responses={201: json_response("created", MANAGED_USER_SCHEMA,
                                      {"Location": {"description": "the new user", "schema": {"type": "string"}}}),
                   400: None, 403: None, 409: None, 422: None, 503: None},
    )
    @login_required(ADMIN)
    def post(self):
        body = only_fields(params.json_object(), {"username", *FIELDS})
        email, quota = _email(body), _quota(body)
        user = auth_service().create_user(
            params.field(body, "username", str), params.field(body, "password", str),
            email=None if email is UNSET else email,
            role=params.field(body, "role", str, required=False, default=USER),
            disabled=params.field(body, "disabled", bool, required=False, default=False),
            quota=None if quota is UNSET else quota)
        return managed_view(user), 201, {"Location": url_for(UserItem.endpoint, username=user.username)}


class UserItem(Resource):
    endpoint = "admin_user"

    @operation("Get a user", tags=["admin"], parameters=[USERNAME],
               responses={200: USER_RESPONSE, 400: None, 403: None, 404: None})
    @login_required(ADMIN)
    def get(self, username):
        return managed_view(auth_service().get_user(username))

    @operation(
        "Change a user's email, role, password, disabled flag or quota (only the fields sent)",
        tags=["admin"],
        parameters=[USERNAME], body=_strict(json_body(FIELDS)),
        responses={200: USER_RESPONSE, 400: None, 403: None, 404: None, 409: None, 422: None},
        description="A new password revokes the user's tokens and lifts their login bans. "
                    "Disabling a user cancels their queued and running jobs, and their tickets "
                    "no longer read nor write (until they are enabled again). "
                    "The last active admin can be neither demoted nor disabled (409). "
                    "A quota (bytes, 0: unlimited, null: QUOTA_DEFAULT) refuses uploads and "
                    "copies that would take the user beyond it; what they store already stays.",
    )
    @login_required(ADMIN)
    def put(self, username):
        body = only_fields(params.json_object(), set(FIELDS))
        changes = {"email": _email(body), "quota": _quota(body)}
        for name, kind in (("role", str), ("password", str), ("disabled", bool)):
            if name in body:
                changes[name] = params.field(body, name, kind)
        user = auth_service().update_user(username, **changes)
        if changes.get("disabled") is True:
            account_ended(user.username, deleted=False)
        return managed_view(user)

    @operation("Delete a user, their tokens, tickets, jobs and the grants others gave them "
               "(their home collection and data stay)", tags=["admin"],
               parameters=[USERNAME],
               responses={204: "deleted", 400: None, 403: None, 404: None, 409: None, 503: None})
    @login_required(ADMIN)
    def delete(self, username):
        auth_service().delete_user(username)
        account_ended(username, deleted=True)
        return no_content()


BAN_SCHEMA = {
    "type": "object",
    "required": ["username", "address", "banned_until"],
    "properties": {"username": STRING,
                   "address": {"type": "string", "description": "the client address banned"},
                   "banned_until": {"type": "string", "format": "date-time"}},
}


class Bans(Resource):
    @operation("Login bans in force: which client address is banned from which account",
               tags=["admin"],
               responses={200: json_response("bans", {"type": "array", "items": BAN_SCHEMA}), 403: None})
    @login_required(ADMIN)
    def get(self):
        return [ban.as_dict() for ban in auth_service().list_bans()]


class BanItem(Resource):
    @operation("Lift every login ban of a user, from any address", tags=["admin"],
               parameters=[USERNAME], responses={204: "lifted (or there was none)", 403: None, 404: None})
    @login_required(ADMIN)
    def delete(self, username):
        auth_service().lift_bans(username)
        return no_content()


TOKEN_ID = path_param("token_id", "the token's id (its jti)")


def _tokens_of(username: str) -> list:
    return auth_service().list_tokens(auth_service().get_user(username))


class UserTokens(Resource):
    @operation("A user's tokens' records (never the tokens themselves), newest first",
               tags=["admin"], parameters=[USERNAME],
               responses={200: json_response("token records", {"type": "array", "items": TOKEN_SCHEMA}),
                          400: None, 403: None, 404: None})
    @login_required(ADMIN)
    def get(self, username):
        this = current_token().id
        return [{**token.as_dict(), "current": token.id == this} for token in _tokens_of(username)]


class UserTokenItem(Resource):
    @operation("Revoke one of a user's tokens: their next call with it is refused (401)",
               tags=["admin"], parameters=[USERNAME, TOKEN_ID],
               responses={204: "revoked", 400: None, 403: None, 404: None})
    @login_required(ADMIN)
    def delete(self, username, token_id):
        # The token must be this user's: a token id under another user's name is not found,
        # so that the URL always says whose session ends.
        if token_id not in {token.id for token in _tokens_of(username)}:
            raise NotFound(f"{username!r} has no token {token_id!r}")
        auth_service().revoke_token(token_id, current_user())
        return no_content()


def register(api) -> None:
    api.add_resource(Users, "/admin/users")
    api.add_resource(UserItem, "/admin/users/<string:username>", endpoint=UserItem.endpoint)
    api.add_resource(Bans, "/admin/bans")
    api.add_resource(BanItem, "/admin/bans/<string:username>")
    api.add_resource(UserTokens, "/admin/users/<string:username>/tokens")
    api.add_resource(UserTokenItem, "/admin/users/<string:username>/tokens/<string:token_id>")
