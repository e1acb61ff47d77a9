"""Access control lists: who may do what on a node, as iRODS decides it.

A user's effective level on a node is the highest of their own entry, the entries
of the groups they are in (table group_members) and the entry of the group "public"
(everyone). Levels are those of `AccessLevel` (null=0 is stored as no row, read=1,
write=2, own=3). Every check here reads the few `acls` rows of one node (a range of
its primary key); the reader's groups are one lookup per statement.
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


def _holders(column: str, user: str) -> str:
    """SQL: `column` names the user `user` (a :parameter), a group of theirs, or public.
    The subquery is not correlated: SQLite runs it once per statement."""
    return (f"({column} IN ({user}, '{PUBLIC}')"
            f" OR {column} IN (SELECT m.group_name FROM group_members m WHERE m.user = {user}))")


# The listing filter: correlated with `nodes n`, parameter :reader. Kept as SQL so
# that unreadable children are skipped inside the index walk, not after paging.
READABLE = ("EXISTS (SELECT 1 FROM acls a WHERE a.node_id = n.id AND a.level >= 1"
            f" AND {_holders('a.user', ':reader')})")


def level_of(conn: sqlite3.Connection, node_id: int, user: str) -> AccessLevel:
    row = conn.execute(
        f"SELECT max(level) FROM acls WHERE node_id = :node AND {_holders('user', ':user')}",
        {"node": node_id, "user": user}).fetchone()
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
        f" AND {_holders('a.user', ':user')} AND a.level >= :level) LIMIT 1",
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
