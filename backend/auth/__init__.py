"""Authentication: users, roles, passwords, JWTs, login bans.

`AuthExtension().init_app(app, settings)` opens the users/tokens database,
loads the JWT secret and creates the first administrator; its state, an
`AuthService`, lives in `app.extensions["rapydo.auth"]`.

Request code uses these accessors:

- `@login_required()` / `@login_required("admin")` on a resource method: checks
  `Authorization: Bearer <jwt>` (signature, expiry, stored and not revoked) and
  the role (admins pass every role check);
- `current_user()` / `current_token()`: the authenticated user and token record;
- `current_storage_credentials()`: the storage credentials the token carries, if any
  (a user's own iRODS credentials, from POST /auth/irods in IRODS_SESSION_MODE=user);
- `auth_service()`: the service, for the /auth and /admin endpoints;
- `group_service()`: groups of users (backend.auth.groups), kept by storage.
"""

from __future__ import annotations

import functools
import logging

from flask import Flask, current_app, g, request

from backend.auth.db import Database
from backend.auth.directory import UserDirectory
from backend.auth.files import write_private
from backend.auth.groups import GroupService
from backend.auth.models import ADMIN, ROLES, USER, Token, User
from backend.auth.passwords import Passwords
from backend.auth.service import AuthService
from backend.auth.tokens import TokenCodec, load_secret
from backend.errors import PermissionDenied, Unauthorized
from backend.health import register_check

__all__ = ["ADMIN", "ADMIN_CREDENTIALS_FILE", "AuthExtension", "AuthService", "GroupService",
           "ROLES", "Token", "USER", "User", "auth_service", "current_storage_credentials",
           "current_token", "current_user", "group_service", "login_required"]

log = logging.getLogger(__name__)

EXTENSION_KEY = "rapydo.auth"
GROUPS_KEY = "rapydo.groups"
# Written on first start when no admin password is configured; the controller
# prints it once and deletes it.
ADMIN_CREDENTIALS_FILE = "admin-credentials"


class AuthExtension:
    def init_app(self, app: Flask, settings) -> None:
        if "rapydo.storage" not in app.extensions:
            raise RuntimeError("AuthExtension needs the storage extension (user homes): init it first")
        from backend.storage import storage_backend

        db = Database(settings.auth_db)
        db.create_schema()
        secret = load_secret(_secret(settings.jwt_secret), settings.data_dir)
        service = AuthService(
            db, Passwords(settings.password_time_cost), TokenCodec(secret, settings.jwt_ttl),
            max_login_attempts=settings.auth_max_login_attempts,
            ban_seconds=settings.auth_ban_seconds,
            create_home=storage_backend(app).create_home,
        )
        generated = service.bootstrap_admin(settings.admin_user, _secret(settings.admin_password))
        if generated is not None:
            path = settings.data_dir / ADMIN_CREDENTIALS_FILE
            write_private(path, f"{settings.admin_user}:{generated}\n")
            log.warning("created the administrator %s with a generated password: see %s",
                        settings.admin_user, path)
        # Hold no connection across a fork; each process opens its own on first use.
        db.dispose()
        app.extensions[EXTENSION_KEY] = service
        # Storage refuses tickets of users no longer active, and grants to names that are no user.
        storage_backend(app).accounts = UserDirectory(db)
        app.extensions[GROUPS_KEY] = GroupService(storage_backend(app), UserDirectory(db))
        register_check(app, "auth_db", db.health)


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def auth_service(app: Flask | None = None) -> AuthService:
    return (app or current_app).extensions[EXTENSION_KEY]


def group_service(app: Flask | None = None) -> GroupService:
    return (app or current_app).extensions[GROUPS_KEY]


def current_user() -> User:
    """The authenticated user of this request (inside a `login_required` method)."""
    user = g.get("rapydo_user")
    if user is None:
        raise Unauthorized("authentication required")
    return user


def current_token() -> Token:
    """The stored record of the token this request presented."""
    token = g.get("rapydo_token")
    if token is None:
        raise Unauthorized("authentication required")
    return token


def current_storage_credentials() -> dict | None:
    """The decrypted storage credentials the request's token carries (plain fields), or None."""
    current_token()  # only inside an authenticated request
    return g.get("rapydo_storage_credentials")


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise Unauthorized("missing token: send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("invalid Authorization header: expected 'Bearer <token>'")
    return token.strip()


def login_required(*roles):
    """Decorate a resource method: the request must carry a valid token, and the user one
    of `roles` when given (admins pass every role check).

    Use as `@login_required()`, `@login_required` or `@login_required("admin")`.
    """
    if len(roles) == 1 and callable(roles[0]):
        return login_required()(roles[0])
    for role in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")

    def decorator(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            user, token, storage_credentials = auth_service().authenticate(_bearer_token())
            if roles and not user.is_admin and user.role not in roles:
                raise PermissionDenied(f"this needs the role {' or '.join(roles)}")
            g.rapydo_user = user
            g.rapydo_token = token
            g.rapydo_storage_credentials = storage_credentials
            return method(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator
