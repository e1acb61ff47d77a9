"""Tickets: bearer strings granting read or write on one path and below it.

A ticket points at its node by id, not by path, so it follows the node when it
is moved (as in iRODS) and disappears with it when it is removed.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime
from typing import Callable, Literal

from backend.errors import PermissionDenied
from backend.storage.accounts import Directory
from backend.storage.base import (AccessLevel, Ticket, TicketManager, check_ticket_request,
                                  owned_ticket, usable_ticket)
from backend.storage.local import nodes, permissions
from backend.storage.local.catalog import Catalog, from_db, now, to_db, translate_errors

SELECT = ("SELECT t.string, n.path, t.type, t.owner, t.created, t.expires, t.uses_limit,"
          " t.uses_count FROM tickets t JOIN nodes n ON n.id = t.node_id")


def _ticket(row) -> Ticket:
    string, path, type_, owner, created, expires, uses_limit, uses_count = row
    return Ticket(string=string, path=path, type=type_, owner=owner, created=from_db(created),
                  expires=from_db(expires), uses_limit=uses_limit, uses_count=uses_count)


def find(conn: sqlite3.Connection, string: str) -> Ticket | None:
    row = conn.execute(f"{SELECT} WHERE t.string = ?", (string,)).fetchone()
    return _ticket(row) if row else None


def load_valid(conn: sqlite3.Connection, string: str, accounts: Directory) -> Ticket:
    """The ticket, if it may still be used (its owner's account active in `accounts`);
    PermissionDenied saying why not otherwise."""
    return usable_ticket(find(conn, string) if isinstance(string, str) and string else None, now(),
                         accounts)


def consume(conn: sqlite3.Connection, string: str, accounts: Directory) -> None:
    """Spend one use. The condition and the increment are one statement, so
    concurrent transfers can never spend more uses than the limit allows."""
    cursor = conn.execute(
        "UPDATE tickets SET uses_count = uses_count + 1 WHERE string = ?"
        " AND (uses_limit IS NULL OR uses_count < uses_limit)"
        " AND (expires IS NULL OR expires > ?)",
        (string, to_db(now())),
    )
    if cursor.rowcount != 1:
        load_valid(conn, string, accounts)  # raises with the reason
        raise PermissionDenied("the ticket can no longer be used")


class LocalTicketManager(TicketManager):
    def __init__(self, catalog: Catalog, actor, normalise: Callable[[str], str]):
        self._catalog = catalog
        self._actor = actor
        self._normalise = normalise

    @translate_errors
    def create(self, path: str, type: Literal["read", "write"] = "read", *,
               expires: datetime | None = None, uses: int | None = None) -> Ticket:
        """Needs own on the path. A naive `expires` is taken as UTC; one in the past is
        accepted: the ticket is then simply unusable."""
        user = self._actor.require_user("create tickets")
        check_ticket_request(type, uses, expires)
        path = self._normalise(path)
        string = secrets.token_urlsafe(16)
        created = now()
        with self._catalog.transaction() as conn:
            node = nodes.existing(conn, path)
            permissions.require(conn, node, user, AccessLevel.own, "create a ticket on")
            conn.execute(
                "INSERT INTO tickets (string, node_id, type, owner, created, expires, uses_limit)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (string, node.id, type, user, to_db(created),
                 to_db(expires) if expires is not None else None, uses),
            )
            return find(conn, string)

    @translate_errors
    def list(self) -> list[Ticket]:
        user = self._actor.require_user("list tickets")
        conn = self._catalog.connection()
        rows = conn.execute(f"{SELECT} WHERE t.owner = ? ORDER BY t.created, t.id", (user,))
        return [_ticket(row) for row in rows]

    def _own(self, conn: sqlite3.Connection, string: str, action: str) -> Ticket:
        user = self._actor.require_user(f"{action} tickets")
        return owned_ticket(find(conn, string) if isinstance(string, str) else None, user, action)

    @translate_errors
    def get(self, string: str) -> Ticket:
        return self._own(self._catalog.connection(), string, "read")

    @translate_errors
    def delete(self, string: str) -> None:
        with self._catalog.transaction() as conn:
            self._own(conn, string, "delete")
            conn.execute("DELETE FROM tickets WHERE string = ?", (string,))
