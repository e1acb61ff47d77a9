"""Temporary one-time passwords (GET_TEMP_PASSWORD, API 709; GET_TEMP_PASSWORD_FOR_OTHER, 724).

As iRODS's chlMakeTempPw: the server draws a random string, answers it (stringToHashWith) and
stores, for the user the password is for, MD5(string + the requester's own password, NUL-padded
to 100 bytes) in hex. The client computes the same hash and logs in with it: once, within
TEMP_PASSWORD_SECONDS (chlCheckAuth deletes a temporary password when it is used, and expired
ones). These are not PAM's temporary passwords (auth.py), which last and may be reused.
"""

import hashlib
import secrets
import string

from .model import now

TEMP_PASSWORD_SECONDS = 120  # iRODS's default temp_password_time
_ALPHABET = string.ascii_letters + string.digits


def issue(server, requester_password, for_user):
    """Store a one-time password for `for_user`; return the string the client hashes."""
    salt = "".join(secrets.choice(_ALPHABET) for _ in range(40))
    padded = (salt + (requester_password or "")).encode()[:100].ljust(100, b"\0")
    password = hashlib.md5(padded).hexdigest()
    with server.catalog.lock:
        server.one_time_passwords.setdefault(for_user, {})[password] = now() + TEMP_PASSWORD_SECONDS
    return salt


def use(server, name, matches):
    """Consume the first unexpired one-time password of `name` that `matches`; True if any did.
    Expired ones are dropped on the way, as chlCheckAuth does."""
    with server.catalog.lock:
        pending = server.one_time_passwords.get(name, {})
        for password, expiry in list(pending.items()):
            if expiry < now():
                del pending[password]
            elif matches(password):
                del pending[password]
                return True
    return False
