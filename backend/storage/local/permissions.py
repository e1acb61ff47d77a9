"""Access control lists: who may do what on a node, as iRODS decides it.

A user's effective level on a node is the highest of their own entry and the
entry of the group "public" (everyone). Levels are those of `AccessLevel`
(null=0 is stored as no row, read=1, write=2, own=3). Every check here is a
primary-key probe on `acls (node_id, user)`.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from backend.errors import PermissionDenied
from backend.storage.accounts import PUBLIC
from backend.storage.base import AccessLevel
from backend.storage.local.catalog import SUBTREE

if TYPE_CHECKING:
    from backend.storage.local.nodes import Node


# The listing filter: correlated with `nodes n`, parameter :reader. Kept as SQL so
# that unreadable children are skipped inside the index walk, not after paging.
READABLE = ("EXISTS (SELECT 1 FROM acls a WHERE a.node_id = n.id"
            " AND a.user IN (:reader, 'public') AND a.level >= 1)")


def level_of(conn: sqlite3.Connection, node_id: int, user: str) -> AccessLevel:
    row = conn.execute("SELECT max(level) FROM acls WHERE node_id = ? AND user IN (?, ?)",
                       (node_id, user, PUBLIC)).fetchone()
    return AccessLevel(row[0] or 0)


def require(conn: sqlite3.Connection, node: "Node", user: str, level: AccessLevel,
            action: str) -> None:
    if level_of(conn, node.id, user) < level:
        raise PermissionDenied(f"{user} may not {action} {node.path}: it needs {level.name} access")


def require_subtree(conn: sqlite3.Connection, root: str, user: str, level: AccessLevel,
                    action: str, *, collections_only: bool = False) -> None:
    """Every node at or below `root` must grant `user` at least `level`."""
    only = " AND n.type = 'collection'" if collections_only else ""
    row = conn.execute(
        f"SELECT n.path FROM nodes n WHERE {SUBTREE}{only}"
        " AND NOT EXISTS (SELECT 1 FROM acls a WHERE a.node_id = n.id"
        " AND a.user IN (:user, 'public') AND a.level >= :level) LIMIT 1",
        {"root": root, "user": user, "level": int(level)},
    ).fetchone()
    if row is not None:
        raise PermissionDenied(f"{user} may not {action} {root}: it needs {level.name} access"
                               f" to everything below it, and lacks it on {row[0]}")


def entries(conn: sqlite3.Connection, node_id: int) -> list[tuple[str, AccessLevel]]:
    return [(user, AccessLevel(level)) for user, level in conn.execute(
        "SELECT user, level FROM acls WHERE node_id = ? ORDER BY user", (node_id,))]


def grant(conn: sqlite3.Connection, node_ids: list[int], user: str, level: AccessLevel) -> None:
    """Set `user`'s entry on each node; level null removes it."""
    if level == AccessLevel.null:
        conn.executemany("DELETE FROM acls WHERE node_id = ? AND user = ?",
                         [(node_id, user) for node_id in node_ids])
        return
    conn.executemany(
        "INSERT INTO acls (node_id, user, level) VALUES (?, ?, ?)"
        " ON CONFLICT (node_id, user) DO UPDATE SET level = excluded.level",
        [(node_id, user, int(level)) for node_id in node_ids],
    )


def initialise(conn: sqlite3.Connection, node_id: int, creator: str, *,
               inherit_from: "Node | None" = None) -> None:
    """ACLs of a new node: the parent's entries when it inherits, and `own` for its creator."""
    if inherit_from is not None:
        conn.execute("INSERT INTO acls (node_id, user, level)"
                     " SELECT ?, user, level FROM acls WHERE node_id = ?",
                     (node_id, inherit_from.id))
    conn.execute(
        "INSERT INTO acls (node_id, user, level) VALUES (?, ?, ?)"
        " ON CONFLICT (node_id, user) DO UPDATE SET level = excluded.level",
        (node_id, creator, int(AccessLevel.own)),
    )
