"""/auth: log in and out (with an API password, or iRODS credentials), the profile, and
one's own tokens."""

from __future__ import annotations

from flask import Response, request
from flask_restful import Resource

from backend.api import params
from backend.api.client import client_address
from backend.api.spec import BOOLEAN, STRING, json_body, operation, path_param
from backend.auth import (auth_service, current_token, current_user, group_service,
                          login_required)
from backend.auth.passwords import MIN_PASSWORD_LENGTH
from backend.errors import BadRequest, ServiceUnavailable
from backend.settings import current_settings
from backend.storage import credentials_fields, storage_backend

DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_STRING = {"type": "string", "nullable": True}

USER_SCHEMA = {
    "type": "object",
    "required": ["id", "username", "email", "role", "is_admin", "disabled", "created", "home"],
    "properties": {
        "id": {"type": "integer"},
        "username": STRING,
        "email": NULLABLE_STRING,
        "role": {"type": "string", "enum": ["admin", "user"]},
        "is_admin": BOOLEAN,
        "disabled": BOOLEAN,
        "created": DATE_TIME,
        "home": {"type": "string", "description": "the user's home collection"},
    },
}

TOKEN_SCHEMA = {
    "type": "object",
    "required": ["id", "created", "expires", "last_used", "ip", "user_agent", "revoked", "current"],
    "properties": {
        "id": STRING,
        "created": DATE_TIME,
        "expires": DATE_TIME,
        "last_used": {**DATE_TIME, "nullable": True},
        "ip": NULLABLE_STRING,
        "user_agent": NULLABLE_STRING,
        "revoked": BOOLEAN,
        "current": {"type": "boolean", "description": "the token of this request"},
    },
}

LOGIN_SCHEMA = {
    "type": "object",
    "required": ["token", "token_type", "token_id", "expires", "user"],
    "properties": {
        "token": {"type": "string", "description": "send it as 'Authorization: Bearer <token>'"},
        "token_type": {"type": "string", "enum": ["Bearer"]},
        "token_id": STRING,
        "expires": DATE_TIME,
        "user": USER_SCHEMA,
    },
}


def json_response(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def only_fields(body: dict, allowed: set[str]) -> dict:
    """Refuse unknown fields, so that a typo ('pasword') is an error, not a silent no-op."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(unknown)}")
    return body


def user_view(user) -> dict:
    return {**user.as_dict(), "home": current_settings().home_of(user.username)}


def no_content() -> Response:
    return Response(status=204)


class Login(Resource):
    @operation(
        "Log in with a username and password and get a bearer token",
        tags=["auth"], auth=False,
        body=json_body({"username": STRING, "password": {"type": "string", "format": "password"}},
                       required=["username", "password"]),
        responses={200: json_response("a token for the Authorization header", LOGIN_SCHEMA),
                   400: None, 401: None, 403: None},
        description="Wrong passwords and unknown users get the same 401. After "
                    "AUTH_MAX_LOGIN_ATTEMPTS failures in a row from one client address, that "
                    "address is banned from that account for AUTH_BAN_SECONDS (403, even for the "
                    "right password); the account's owner still logs in from elsewhere. An "
                    "administrator lifts bans at /admin/bans/<username>.",
    )
    def post(self):
        body = params.json_object()
        username = params.field(body, "username", str)
        password = params.field(body, "password", str)
        result = auth_service().login(username, password, ip=client_address(),
                                      user_agent=request.headers.get("User-Agent"))
        return login_view(result)


def login_view(result) -> dict:
    return {
        "token": result.token,
        "token_type": "Bearer",
        "token_id": result.record.id,
        "expires": result.record.expires.isoformat(),
        "user": user_view(result.user),
    }


IRODS_SCHEMES = ["native", "pam_password", "gsi"]


class IrodsLogin(Resource):
    @operation(
        "Log in with iRODS credentials and get a bearer token",
        tags=["auth"], auth=False,
        body=json_body({"username": STRING,
                        "password": {"type": "string", "format": "password",
                                     "description": "empty for gsi"},
                        "scheme": {"type": "string", "enum": IRODS_SCHEMES,
                                   "description": "default: the deployment's IRODS_AUTHSCHEME"}},
                       required=["username"],
                       example={"username": "alice", "password": "...", "scheme": "native"}),
        responses={200: json_response("a token for the Authorization header", LOGIN_SCHEMA),
                   400: None, 401: None, 403: None, 422: None, 503: None},
        description="The API opens an iRODS session with these credentials; when iRODS accepts "
                    "them you get a token as from /auth/login, and an API user of that name is "
                    "created at the first login (role user, no API password). pam_password needs "
                    "TLS to iRODS (IRODS_CLIENT_SERVER_POLICY=CS_NEG_REQUIRE); gsi needs "
                    "IRODS_SERVER_DN and an iRODS server older than 4.3 (422 otherwise). With "
                    "IRODS_SESSION_MODE=user the token carries the credentials, encrypted, and the "
                    "API acts with them. Refused credentials: 401 (bans as for /auth/login); iRODS "
                    "unreachable: 503.",
    )
    def post(self):
        return login_view(storage_login(params.json_object(), scheme_field="scheme"))


def storage_login(body: dict, *, scheme_field: str):
    """Log in with the storage system's credentials from `body` ({username, password and
    the scheme under `scheme_field`}): the backend checks them, the auth service issues the
    token (bans, first-login user, sealed credentials in user mode). A LoginResult."""
    only_fields(body, {"username", "password", scheme_field})
    username = params.field(body, "username", str)
    password = params.field(body, "password", str, required=False, default="")
    settings = current_settings()
    scheme = params.field(body, scheme_field, str, required=False, default=settings.irods_authscheme)

    def verify() -> dict:
        return credentials_fields(storage_backend().login(username, password, scheme))

    return auth_service().login_with_storage(
        username, verify, keep_credentials=settings.irods_session_mode == "user",
        ip=client_address(), user_agent=request.headers.get("User-Agent"))


class Logout(Resource):
    @operation("Log out: revoke the token of this request", tags=["auth"],
               responses={204: "logged out"})
    @login_required()
    def post(self):
        auth_service().logout(current_token())
        return no_content()


GROUP_NAMES = {"type": "array", "items": STRING, "description": "group names, sorted"}
PROFILE_SCHEMA = {**USER_SCHEMA, "required": [*USER_SCHEMA["required"], "groups"],
                  "properties": {**USER_SCHEMA["properties"], "groups": {
                      **GROUP_NAMES, "nullable": True,
                      "description": "the groups you are in ('public', everyone's, not named); "
                                     "null when storage cannot tell now"}}}


class Profile(Resource):
    @operation("The authenticated user, with their groups", tags=["auth"],
               responses={200: json_response("the user", PROFILE_SCHEMA)})
    @login_required()
    def get(self):
        user = current_user()
        try:
            groups = group_service().of(user.username)
        except ServiceUnavailable:
            groups = None  # the profile must not depend on storage
        return {**user_view(user), "groups": groups}


class MyGroups(Resource):
    @operation("The groups you are in", tags=["auth"],
               responses={200: json_response("group names", GROUP_NAMES), 503: None})
    @login_required()
    def get(self):
        return group_service().of(current_user().username)


class Password(Resource):
    @operation(
        "Change your password, giving the current one", tags=["auth"],
        body=json_body({"current": {"type": "string", "format": "password"},
                        "new": {"type": "string", "format": "password",
                                "minLength": MIN_PASSWORD_LENGTH}},
                       required=["current", "new"]),
        responses={204: "changed", 400: None, 403: None, 409: None, 422: None},
        description="Your other tokens are revoked: sessions elsewhere must log in again; the "
                    "token of this request stays valid. A wrong current password is 403 and "
                    "counts as a failed login from your address (login bans apply). Users who "
                    "log in with iRODS credentials (/auth/irods) have no API password: 409, "
                    "they change it in iRODS. The new password needs at least "
                    f"{MIN_PASSWORD_LENGTH} characters (422).",
    )
    @login_required()
    def put(self):
        body = only_fields(params.json_object(), {"current", "new"})
        auth_service().change_password(
            current_user(), params.field(body, "current", str), params.field(body, "new", str),
            keep=current_token(), ip=client_address())
        return no_content()


class Tokens(Resource):
    @operation("Your tokens' records (never the tokens themselves), newest first", tags=["auth"],
               responses={200: json_response("token records", {"type": "array", "items": TOKEN_SCHEMA})})
    @login_required()
    def get(self):
        this = current_token().id
        return [{**token.as_dict(), "current": token.id == this}
                for token in auth_service().list_tokens(current_user())]


class TokenItem(Resource):
    @operation("Revoke a token: your own, or anyone's for an admin", tags=["auth"],
               parameters=[path_param("token_id", "the token's id (its jti)")],
               responses={204: "revoked", 400: None, 404: None})
    @login_required()
    def delete(self, token_id):
        auth_service().revoke_token(token_id, current_user())
        return no_content()


def register(api) -> None:
    api.add_resource(Login, "/auth/login")
    api.add_resource(IrodsLogin, "/auth/irods")
    api.add_resource(Logout, "/auth/logout")
    api.add_resource(Profile, "/auth/profile")
    api.add_resource(MyGroups, "/auth/groups")
    api.add_resource(Password, "/auth/password")
    api.add_resource(Tokens, "/auth/tokens")
    api.add_resource(TokenItem, "/auth/tokens/<string:token_id>")
