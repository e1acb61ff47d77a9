"""/auth/b2safeproxy: B2STAGE's login with B2SAFE (iRODS) credentials.

The core's /auth/irods under B2STAGE's field names (`authscheme`) and answer extras
(`b2safe_user`, `b2safe_home`): the storage system checks the credentials, the core's
auth service issues the token (and counts failures, bans, creates the API user).
"""

from __future__ import annotations

from flask_restful import Resource

from backend.api import params
from backend.api.auth import IRODS_SCHEMES, LOGIN_SCHEMA, json_response, login_view, storage_login
from backend.api.spec import STRING, json_body, operation
from backend.settings import current_settings

ANSWER_SCHEMA = {
    **LOGIN_SCHEMA,
    "required": [*LOGIN_SCHEMA["required"], "b2safe_user", "b2safe_home"],
    "properties": {**LOGIN_SCHEMA["properties"],
                   "b2safe_user": {"type": "string", "description": "the iRODS user"},
                   "b2safe_home": {"type": "string", "description": "the iRODS user's home collection"}},
}


class B2safeProxy(Resource):
    @operation(
        "Log in with B2SAFE (iRODS) credentials and get a bearer token",
        tags=["b2stage"], auth=False,
        body=json_body({"username": STRING,
                        "password": {"type": "string", "format": "password", "description": "empty for gsi"},
                        "authscheme": {"type": "string", "enum": IRODS_SCHEMES,
                                       "description": "default: the deployment's IRODS_AUTHSCHEME"}},
                       required=["username"],
                       example={"username": "alice", "password": "...", "authscheme": "native"}),
        responses={200: json_response("a token for the Authorization header", ANSWER_SCHEMA),
                   400: None, 401: None, 403: None, 422: None, 503: None},
        description="As POST /auth/irods (the same schemes, bans and errors), with B2STAGE's field "
                    "names. Refused credentials: 401; a storage backend without logins of its "
                    "own (STORAGE_BACKEND=local): 422.",
    )
    def post(self):
        result = storage_login(params.json_object(), scheme_field="authscheme")
        home = current_settings().home_of(result.user.username)
        return {**login_view(result), "b2safe_user": result.user.username, "b2safe_home": home}


def register(api) -> None:
    api.add_resource(B2safeProxy, "/auth/b2safeproxy")
