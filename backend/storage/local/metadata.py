"""AVUs (attribute, value, unit) of collections and data objects, as in iRODS.

An attribute may carry several values; each (attribute, value, unit) triple is
unique on a node (the table's UNIQUE constraint is also the lookup index).
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from backend.errors import AlreadyExists, NotFound, Unprocessable
from backend.storage import avu_operations
from backend.storage.base import AVU, AccessLevel, MetadataManager
from backend.storage.local import nodes
from backend.storage.local.catalog import Catalog, translate_errors


def _check(avu: AVU) -> AVU:
    if not isinstance(avu, AVU):
        raise Unprocessable("metadata must be an AVU(attribute, value, unit)")
    for part, text in (("attribute", avu.attribute), ("value", avu.value), ("unit", avu.unit)):
        if not isinstance(text, str):
            raise Unprocessable(f"the AVU {part} must be a string")
    # iRODS refuses empty attributes and values too.
    if not avu.attribute or not avu.value:
        raise Unprocessable("an AVU needs a non-empty attribute and value")
    return avu


def _rows(node_id: int, avus: list[AVU]) -> list[tuple]:
    return [(node_id, avu.attribute, avu.value, avu.unit) for avu in avus]


def copy_all(conn: sqlite3.Connection, source_id: int, target_id: int) -> None:
    """Give `target` exactly the AVUs of `source` (used by copy)."""
    conn.execute("DELETE FROM avus WHERE node_id = ?", (target_id,))
    conn.execute("INSERT INTO avus (node_id, attribute, value, unit)"
                 " SELECT ?, attribute, value, unit FROM avus WHERE node_id = ? ORDER BY id",
                 (target_id, source_id))


class LocalMetadataManager(MetadataManager):
    def __init__(self, catalog: Catalog, actor, normalise: Callable[[str], str]):
        self._catalog = catalog
        self._actor = actor
        self._normalise = normalise

    @translate_errors
    def get(self, path: str) -> list[AVU]:
        path = self._normalise(path)
        conn = self._catalog.connection()
        node = nodes.existing(conn, path)
        self._actor.require(conn, node, AccessLevel.read, "read the metadata of")
        rows = conn.execute("SELECT attribute, value, unit FROM avus WHERE node_id = ? ORDER BY id",
                            (node.id,))
        return [AVU(*row) for row in rows]

    def _writable(self, conn: sqlite3.Connection, path: str) -> nodes.Node:
        self._actor.require_user("change metadata")
        node = nodes.existing(conn, path)
        self._actor.require(conn, node, AccessLevel.write, "change the metadata of")
        return node

    @translate_errors
    def add(self, path: str, avu: AVU) -> None:
        avu, path = _check(avu), self._normalise(path)
        with self._catalog.transaction() as conn:
            node = self._writable(conn, path)
            cursor = conn.execute(
                "INSERT OR IGNORE INTO avus (node_id, attribute, value, unit) VALUES (?, ?, ?, ?)",
                (node.id, avu.attribute, avu.value, avu.unit))
            if cursor.rowcount == 0:
                raise AlreadyExists(f"{path} already has the AVU {avu.attribute}={avu.value}"
                                    f"{' ' + avu.unit if avu.unit else ''}")

    @translate_errors
    def set(self, path: str, avu: AVU) -> None:
        avu, path = _check(avu), self._normalise(path)
        with self._catalog.transaction() as conn:
            node = self._writable(conn, path)
            conn.execute("DELETE FROM avus WHERE node_id = ? AND attribute = ?",
                         (node.id, avu.attribute))
            conn.execute("INSERT INTO avus (node_id, attribute, value, unit) VALUES (?, ?, ?, ?)",
                         (node.id, avu.attribute, avu.value, avu.unit))

    @translate_errors
    def remove(self, path: str, avu: AVU) -> None:
        avu, path = _check(avu), self._normalise(path)
        with self._catalog.transaction() as conn:
            node = self._writable(conn, path)
            cursor = conn.execute(
                "DELETE FROM avus WHERE node_id = ? AND attribute = ? AND value = ? AND unit = ?",
                (node.id, avu.attribute, avu.value, avu.unit))
            if cursor.rowcount == 0:
                raise NotFound(f"{path} has no AVU {avu.attribute}={avu.value}")

    @translate_errors
    def apply(self, path: str, operations: list[tuple[str, AVU]]) -> list[AVU]:
        """Storage.apply_metadata: the whole change in one transaction."""
        operations, path = avu_operations.checked(operations), self._normalise(path)
        with self._catalog.transaction() as conn:
            node = self._writable(conn, path)
            before = [AVU(*row) for row in conn.execute(
                "SELECT attribute, value, unit FROM avus WHERE node_id = ? ORDER BY id", (node.id,))]
            after = avu_operations.outcome(before, operations)
            removed, added = avu_operations.difference(before, after)
            conn.executemany("DELETE FROM avus WHERE node_id = ? AND attribute = ? AND value = ?"
                             " AND unit = ?", _rows(node.id, removed))
            conn.executemany("INSERT INTO avus (node_id, attribute, value, unit) VALUES (?, ?, ?, ?)",
                             _rows(node.id, added))
        return after
