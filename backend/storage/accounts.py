"""Account names as every backend accepts them (iRODS user and group names), and the
directory of accounts storage asks about names other than its session's user."""

from __future__ import annotations

from typing import Protocol

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


class Directory(Protocol):
    """Which accounts exist and may still act, as the application knows them.

    Storage asks it where an account's name matters beyond the session's own user: a
    ticket works only while its owner is active; a grant names a known account. The
    application sets the backend's `accounts` (backend.auth: its users); storage used on
    its own keeps EVERYONE.
    """

    def known(self, name: str) -> bool:
        """Is there an account of this name (disabled or not)?"""

    def active(self, name: str) -> bool:
        """May this account act: it exists and is not disabled?"""


class _Everyone:
    def known(self, name: str) -> bool:
        return True

    def active(self, name: str) -> bool:
        return True


EVERYONE: Directory = _Everyone()
