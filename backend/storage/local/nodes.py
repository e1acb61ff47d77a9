"""Rows of the `nodes` table (collections and data objects) and the queries on them.

Subtrees are selected with `catalog.SUBTREE`, a range on the unique path index.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from backend.errors import NotFound
from backend.storage import paths
from backend.storage.base import COLLECTION, DATAOBJECT, Info
from backend.storage.local import permissions
from backend.storage.local.catalog import SUBTREE, from_db, to_db

COLUMNS = ("id, parent_id, name, path, type, owner, size, checksum, vault, created, modified,"
           " inherit")


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    name: str
    path: str
    type: str
    owner: str
    size: int | None
    checksum: str | None
    vault: str | None  # the file's name inside the vault; None for collections
    created: str
    modified: str
    inherit: bool

    @property
    def is_collection(self) -> bool:
        return self.type == COLLECTION

    def info(self) -> Info:
        return Info(path=self.path, name=self.name, type=self.type, size=self.size,
                    checksum=self.checksum, owner=self.owner, created=from_db(self.created),
                    modified=from_db(self.modified))


def _node(row) -> Node:
    return Node(*row[:-1], bool(row[-1]))


def by_path(conn: sqlite3.Connection, path: str) -> Node | None:
    row = conn.execute(f"SELECT {COLUMNS} FROM nodes WHERE path = ?", (path,)).fetchone()
    return _node(row) if row else None


def existing(conn: sqlite3.Connection, path: str) -> Node:
    node = by_path(conn, path)
    if node is None:
        raise NotFound(f"{path} does not exist")
    return node


def by_id(conn: sqlite3.Connection, node_id: int) -> Node | None:
    row = conn.execute(f"SELECT {COLUMNS} FROM nodes WHERE id = ?", (node_id,)).fetchone()
    return _node(row) if row else None


def count_children(conn: sqlite3.Connection, parent: Node, reader: str) -> int:
    """How many children of `parent` `reader` may read: one walk of the (parent_id, name)
    index with the ACL probe per row, no row built."""
    return conn.execute(f"SELECT count(*) FROM nodes n WHERE n.parent_id = :parent"
                        f" AND {permissions.READABLE}",
                        {"parent": parent.id, "reader": reader}).fetchone()[0]


# Storage.list's orders (base.SORT_KEYS) as ORDER BY clauses: {0} is ASC or DESC.
ORDERS = {
    "name": "n.name {0}",
    "size": "n.type = 'dataobject', n.size {0}, n.name",  # collections (no size) first
    "modified": "n.modified {0}, n.name",  # ISO 8601 UTC text: ordered as the times
}


def children(conn: sqlite3.Connection, parent: Node, reader: str, *, offset: int,
             limit: int, after: str | None = None, sort: str = "name",
             descending: bool = False) -> list[Node]:
    """Up to `limit` children readable by `reader`, in name order, from `offset`
    (counted after the name `after`, when given; before it when `descending`).

    The (parent_id, name) index delivers rows already ordered, and the ACL filter
    is a primary-key probe per row, so SQLite stops after offset+limit rows; with
    `after` it seeks straight to that name, so a deep page costs what the first does.
    Another `sort` (size, modified) sorts the readable children, then pages them.
    """
    where = ""
    if after is not None:
        where = " AND n.name < :after" if descending else " AND n.name > :after"
    order = ORDERS[sort].format("DESC" if descending else "ASC")
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM nodes n WHERE n.parent_id = :parent{where}"
        f" AND {permissions.READABLE} ORDER BY {order} LIMIT :limit OFFSET :offset",
        {"parent": parent.id, "reader": reader, "limit": limit, "offset": offset,
         "after": after},
    ).fetchall()
    return [_node(row) for row in rows]


def has_children(conn: sqlite3.Connection, node: Node) -> bool:
    return conn.execute("SELECT 1 FROM nodes WHERE parent_id = ? LIMIT 1",
                        (node.id,)).fetchone() is not None


def owned_bytes(conn: sqlite3.Connection, owner: str) -> int:
    """The size of every data object `owner` owns (the partial index nodes_owned covers it)."""
    return conn.execute("SELECT COALESCE(SUM(size), 0) FROM nodes"
                        " WHERE owner = ? AND type = 'dataobject'", (owner,)).fetchone()[0]


def subtree(conn: sqlite3.Connection, root: str) -> list[Node]:
    """The node at `root` and everything below it, parents before their children."""
    rows = conn.execute(f"SELECT {COLUMNS} FROM nodes WHERE {SUBTREE} ORDER BY path",
                        {"root": root}).fetchall()
    return [_node(row) for row in rows]


def create(conn: sqlite3.Connection, parent: Node, name: str, type: str, owner: str,
           moment: datetime, *, size: int | None = None, checksum: str | None = None,
           vault: str | None = None) -> Node:
    """Insert a child of `parent` owned by `owner`, with its initial ACLs.

    As in iRODS, a collection with inheritance on hands its ACL entries (and, to
    sub-collections, the inheritance flag itself) to every new child.
    """
    path = paths.join(parent.path, name)
    inherit = type == COLLECTION and parent.inherit
    stamp = to_db(moment)
    cursor = conn.execute(
        "INSERT INTO nodes (parent_id, name, path, type, owner, size, checksum, vault,"
        " created, modified, inherit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (parent.id, name, path, type, owner, size, checksum, vault, stamp, stamp, int(inherit)),
    )
    node = Node(cursor.lastrowid, parent.id, name, path, type, owner, size, checksum, vault,
                stamp, stamp, inherit)
    permissions.initialise(conn, node.id, owner, inherit_from=parent if parent.inherit else None)
    return node


def create_root(conn: sqlite3.Connection, path: str, owner: str, moment: datetime,
                parent: Node | None = None) -> tuple[Node, bool]:
    """Insert a collection the backend itself creates (zone, home root, homes) unless it
    exists; return it and whether it is new (only a new one gets initial ACLs)."""
    stamp = to_db(moment)
    cursor = conn.execute(
        "INSERT OR IGNORE INTO nodes (parent_id, name, path, type, owner, created, modified)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (parent.id if parent else None, paths.name(path), path, COLLECTION, owner, stamp, stamp),
    )
    return by_path(conn, path), cursor.rowcount == 1


def update_content(conn: sqlite3.Connection, node: Node, *, size: int, checksum: str,
                   vault: str, moment: datetime) -> Node:
    """Point an existing data object at new bytes (an overwrite keeps id, ACLs, AVUs, tickets)."""
    stamp = to_db(moment)
    conn.execute("UPDATE nodes SET size = ?, checksum = ?, vault = ?, modified = ? WHERE id = ?",
                 (size, checksum, vault, stamp, node.id))
    return Node(node.id, node.parent_id, node.name, node.path, DATAOBJECT, node.owner, size,
                checksum, vault, node.created, stamp, node.inherit)


def rename(conn: sqlite3.Connection, node: Node, parent: Node, name: str) -> None:
    """Move `node` and its subtree under `parent` as `name`: catalog rows only."""
    new_path = paths.join(parent.path, name)
    # substr() counts characters, as len() does in Python, so the cut is exact.
    conn.execute(
        f"UPDATE nodes SET path = :new || substr(path, :cut) WHERE {SUBTREE}",
        {"new": new_path, "cut": len(node.path) + 1, "root": node.path},
    )
    conn.execute("UPDATE nodes SET parent_id = ?, name = ? WHERE id = ?",
                 (parent.id, name, node.id))


def delete_subtree(conn: sqlite3.Connection, root: str) -> list[str]:
    """Delete `root` and everything below (ACLs, AVUs, tickets cascade); return vault names."""
    vault_names = [row[0] for row in conn.execute(
        f"SELECT vault FROM nodes WHERE {SUBTREE} AND vault IS NOT NULL", {"root": root})]
    # One statement: the parent_id foreign key is checked when it ends, by which
    # time parents and children are gone together.
    conn.execute(f"DELETE FROM nodes WHERE {SUBTREE}", {"root": root})
    return vault_names
