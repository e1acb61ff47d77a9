"""Who acts in a session: a user, or an anonymous bearer of a ticket.

Sessions never check permissions themselves; they ask their actor. A user is
bound by their ACLs. A ticket delegates part of its owner's rights: it covers its
path and what lies below it, allows reading (and, for a write ticket, writing
data objects) there, and only while its owner's account is active and still holds
that access. Anything else a ticket cannot do at all.
"""

from __future__ import annotations

import sqlite3

from backend.errors import PermissionDenied
from backend.storage import accounts, paths
from backend.storage.accounts import Directory
from backend.storage.base import AccessLevel
from backend.storage.local import permissions, tickets
from backend.storage.local.nodes import Node


class UserActor:
    def __init__(self, user: str):
        self.user = accounts.check_account_name(user)

    def require(self, conn: sqlite3.Connection, node: Node, level: AccessLevel,
                action: str) -> str:
        """Raise PermissionDenied unless `level` is held on `node`; return whose ACLs
        count (the name to filter listings by and to own what gets created)."""
        permissions.require(conn, node, self.user, level, action)
        return self.user

    def require_user(self, action: str) -> str:
        """The acting user, for operations only a user (never a ticket) may do."""
        return self.user

    def consume(self, conn: sqlite3.Connection) -> None:
        """Account for one data transfer (nothing to count for a user)."""


class TicketActor:
    user = None

    def __init__(self, string: str, directory: Directory):
        self.string = string
        self.directory = directory

    def require(self, conn: sqlite3.Connection, node: Node, level: AccessLevel,
                action: str) -> str:
        # Looked up on every call: the ticket may have expired, been used up or
        # deleted since the session opened, its owner disabled, its node moved.
        ticket = tickets.load_valid(conn, self.string, self.directory)
        if level > AccessLevel.write:
            raise PermissionDenied(f"a ticket cannot be used to {action} {node.path}")
        if level == AccessLevel.write and ticket.type != "write":
            raise PermissionDenied(f"a read ticket cannot be used to {action} {node.path}")
        if not paths.is_within(node.path, ticket.path):
            raise PermissionDenied(f"the ticket does not cover {node.path}")
        permissions.require(conn, node, ticket.owner, level, action)
        return ticket.owner

    def require_user(self, action: str) -> str:
        raise PermissionDenied(f"a ticket cannot be used to {action}")

    def consume(self, conn: sqlite3.Connection) -> None:
        tickets.consume(conn, self.string, self.directory)
