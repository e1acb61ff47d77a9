"""Authentication (API 110000): the iRODS 4.3 JSON flow for native and pam_password.

native: the client asks for a challenge, then answers with
base64(MD5(challenge + password NUL-padded to 50 bytes)), 0x00 bytes of the
digest replaced by 0x01. pam_password: the client sends its password in
``a_pw``; we hand back a temporary password which it then uses for native.

The password is the proxy user's (the StartupPack's proxyUser); once it checks
out, the session acts as the clientUser, which only a rodsadmin may differ from.
"""

import base64
import hashlib
import secrets
import string

from . import errors as E
from . import temp_passwords
from .errors import IrodsError
from .model import ANONYMOUS

MAX_PASSWORD_LENGTH = 50


def digest(challenge, password):
    padded = password.encode()[:MAX_PASSWORD_LENGTH].ljust(MAX_PASSWORD_LENGTH, b"\0")
    raw = hashlib.md5(challenge.encode() + padded).digest().replace(b"\0", b"\1")
    return base64.b64encode(raw).decode()


def _new_secret(n):
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def authenticate(server, session, request):
    """One step of the flow; returns the JSON reply, sets session.user on success."""
    op = request.get("next_operation", "")
    scheme = request.get("scheme", "native")
    name = request.get("user_name", "")
    user = server.catalog.users.get(name)
    if scheme == "pam_password" and op == "auth_agent_auth_request":
        if server.require_tls_for_pam and not session.tls:
            raise IrodsError(E.SYS_NOT_SUPPORTED, "pam_password needs TLS")
        if user is None or request.get("a_pw", "") != user.password:
            raise IrodsError(E.PAM_AUTH_PASSWORD_FAILED, "PAM authentication failed")
        temporary = _new_secret(32)
        server.temporary_passwords.setdefault(name, set()).add(temporary)
        return {**request, "request_result": temporary}
    if scheme != "native":
        raise IrodsError(E.SYS_NOT_SUPPORTED, f"scheme {scheme}")
    if op == "auth_agent_auth_request":
        return {**request, "request_result": new_challenge(session)}
    if op == "auth_agent_auth_response":
        check_response(server, session, name, request.get("digest"))
        return {}
    raise IrodsError(E.SYS_API_INPUT_ERR, f"next_operation {op!r}")


def new_challenge(session):
    session.challenge = _new_secret(64)
    # The session's signature, a key of the passwords the client scrambles on this connection.
    session.signature = session.challenge.encode()[:16].hex()
    return session.challenge


def check_response(server, session, name, answer):
    """The native answer to the session's challenge (base64 digest), in either flow: the 4.3
    JSON one above or the legacy AUTH_REQUEST / AUTH_RESPONSE (api.py, 703/704). Sets session.user."""
    challenge, session.challenge = session.challenge, None
    user = server.catalog.users.get(name)
    if user is None or user.type == "rodsgroup" or not challenge:
        raise IrodsError(E.CAT_INVALID_AUTHENTICATION, "unknown user or no challenge")
    candidates = passwords_of(server, name)  # a user made without a password can only be proxied
    # iRODS lets "anonymous" in whatever it sends; tickets give it its rights.
    if (name != ANONYMOUS and answer not in {digest(challenge, pw) for pw in candidates}
            and not temp_passwords.use(server, name, lambda pw: digest(challenge, pw) == answer)):
        raise IrodsError(E.CAT_INVALID_AUTHENTICATION, "wrong password")
    session.user = _client_user(server, session, name)


def passwords_of(server, name):
    """Every password `name` may have logged in with: its own and its temporary ones."""
    user = server.catalog.users.get(name)
    own = [user.password] if user is not None and user.password is not None else []
    return own + sorted(server.temporary_passwords.get(name, ()))


def _client_user(server, session, proxy):
    """Whom the session acts as after `proxy` proved its password (chlCheckAuth's proxy rules)."""
    client = session.client_user or proxy
    if client == proxy:
        return proxy
    if server.catalog.users[proxy].type != "rodsadmin":
        raise IrodsError(E.SYS_PROXYUSER_NO_PRIV, f"{proxy} may not act for {client}")
    user = server.catalog.users.get(client)
    if user is None or user.type == "rodsgroup":
        raise IrodsError(E.CAT_INVALID_USER, client)
    return client
