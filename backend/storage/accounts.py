"""Account names as every backend accepts them (iRODS user and group names)."""

from __future__ import annotations

from backend.errors import Unprocessable

# The group every user belongs to, in iRODS and in the local backend.
PUBLIC = "public"
# The account of anonymous sessions (ticket bearers, readers of published data), as in iRODS.
ANONYMOUS = "anonymous"


def check_user_name(user: object) -> str:
    """User names end up in paths (homes) and messages: refuse anything odd."""
    if (not isinstance(user, str) or not user or len(user) > 255 or "/" in user
            or user in (".", "..") or any(ord(ch) < 32 or ord(ch) == 127 for ch in user)):
        raise Unprocessable(f"invalid user name {user!r}")
    return user


def check_account_name(user: object) -> str:
    """A name that may act or own a home: never "public", whose entries count for everyone
    (a user called "public" would share everything they own with the world)."""
    if check_user_name(user) == PUBLIC:
        raise Unprocessable(f"{PUBLIC!r} is the group of all users, not a user")
    return user
