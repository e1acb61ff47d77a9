"""Groups of users: the logic behind /admin/groups and a user's view of their groups.

Storage keeps the groups and their members, and is the only place that does: iRODS'
catalog (iRODS checks ACLs itself, so its groups are the truth) or the local catalog.
This service adds the API's rules: which names a group may have (never a user's, since
iRODS gives users and groups one namespace, nor a reserved one) and that members are
users of the API. Knows nothing about HTTP.
"""

from __future__ import annotations

import logging
import re

from backend.auth.service import RESERVED_USERNAMES, USERNAME_PATTERN
from backend.errors import AlreadyExists, NotFound, Unprocessable
from backend.storage.accounts import Directory
from backend.storage.base import StorageBackend

log = logging.getLogger(__name__)

# iRODS' own account types and the usual name of its administrator, besides the names no
# user may have ("public" is the group of everyone, "anonymous" the account of tickets).
RESERVED_GROUP_NAMES = RESERVED_USERNAMES | {"rodsadmin", "rodsuser", "rodsgroup", "groupadmin",
                                             "rods"}


def validate_group_name(name: str) -> str:
    if not isinstance(name, str) or not re.fullmatch(USERNAME_PATTERN, name):
        raise Unprocessable("invalid group name: use 1 to 63 letters, digits, '.', '_', '@' "
                            "or '-', starting with a letter or digit")
    if name.lower() in RESERVED_GROUP_NAMES:
        raise Unprocessable(f"the group name {name!r} is reserved")
    return name


class GroupService:
    def __init__(self, storage: StorageBackend, users: Directory):
        self.storage = storage
        self.users = users  # the API's users (backend.auth.directory)

    def every(self) -> dict[str, list[str]]:
        return self.storage.groups()

    def members(self, group: str) -> list[str]:
        return self.storage.group_members(group)

    def of(self, username: str) -> list[str]:
        return self.storage.groups_of(username)

    def create(self, group: str) -> None:
        validate_group_name(group)
        if self.users.known(group):
            raise AlreadyExists(f"a user is named {group!r}: users and groups share names")
        self.storage.create_group(group)
        log.info("group %s created", group)

    def delete(self, group: str) -> None:
        self.storage.remove_group(group)
        log.info("group %s deleted, with the grants naming it", group)

    def add_member(self, group: str, username: str) -> None:
        if not self.users.known(username):
            raise NotFound(f"no such user {username!r}")
        # Storage may not have the account yet (an administrator made before it answered).
        self.storage.create_home(username)
        self.storage.add_member(group, username)
        log.info("%s added to group %s", username, group)

    def remove_member(self, group: str, username: str) -> None:
        # No check of the API's users: a deleted user's name can always be taken out.
        self.storage.remove_member(group, username)
        log.info("%s removed from group %s", username, group)
