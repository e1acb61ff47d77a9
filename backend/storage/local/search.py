"""Search on the local catalog: a Query (backend/storage/search.py) as one SQL statement.

Written to answer as iRODS' GenQuery does (see that module): one EXISTS on `avus` per
metadata condition, so each condition is met by an AVU of its own; values compared as
text (SQLite's BINARY collation: code-point order, as the test server and a C-collated
iRODS catalog); LIKE patterns run as GLOB, since SQLite's LIKE ignores case.

Plan: the index nodes_collection_name delivers nodes in the order of the results,
(collection, name), from the keyset `after` on; each row is checked by primary-key probes
(the AVU conditions on avus' UNIQUE (node_id, attribute, value, unit), the ACL filter on
acls), and the statement stops once the page is full. A first page costs the rows read
until it fills: the same in a catalog of a thousand or a million nodes when matches are
spread evenly. A rare match (an `attribute = value` condition with few AVUs) starts from
those AVUs instead and sorts them.
"""

from __future__ import annotations

import sqlite3

from backend.storage.base import COLLECTION, DATAOBJECT
from backend.storage.local import nodes, permissions
from backend.storage.local.catalog import to_db
from backend.storage.search import MetadataCondition, Query, split

# A node's collection, as the index nodes_collection_name (catalog.py) computes it: the
# statement must spell it the same way for SQLite to use the index.
PARENT = "substr(n.path, 1, length(n.path) - length(n.name) - 1)"
# The node's columns, qualified: the rare-match plan joins avus, which has an id too.
NODE_COLUMNS = ", ".join("n." + column.strip() for column in nodes.COLUMNS.split(","))
COMPARISONS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def glob(pattern: str) -> str:
    """A LIKE pattern (`%`, `_`, `\\` escaping) as the case-sensitive GLOB pattern it means."""
    out, escaped = [], False
    for char in pattern:
        if escaped or char not in "%_\\":
            out.append(f"[{char}]" if char in "*?[" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append("*" if char == "%" else "?")
    if escaped:
        out.append("\\")
    return "".join(out)


def _value(alias: str, cond: MetadataCondition, key: str, params: dict) -> str:
    if cond.value is None:
        return ""
    if cond.op == "between":
        params[key], params[key + "h"] = cond.value
        return f" AND {alias}.value BETWEEN :{key} AND :{key}h"
    if cond.op in ("like", "not like"):
        params[key] = glob(cond.value)
        return f" AND {alias}.value {'NOT ' if cond.op == 'not like' else ''}GLOB :{key}"
    params[key] = cond.value
    return f" AND {alias}.value {COMPARISONS[cond.op]} :{key}"


def _metadata(index: int, cond: MetadataCondition, params: dict) -> str:
    """EXISTS an AVU of the node meeting `cond`: a join of its own per condition."""
    alias = f"m{index}"
    sql = f"EXISTS (SELECT 1 FROM avus {alias} WHERE {alias}.node_id = n.id"
    if cond.attribute is not None:
        params[f"a{index}"] = cond.attribute
        sql += f" AND {alias}.attribute = :a{index}"
    sql += _value(alias, cond, f"v{index}", params)
    if cond.unit is not None:
        params[f"u{index}"] = cond.unit
        sql += f" AND {alias}.unit = :u{index}"
    return sql + ")"


def _scope(query: Query, after: str | None, params: dict) -> list[str]:
    params["scope"] = query.scope
    if not query.recursive:
        where = [f"{PARENT} = :scope"]
    else:
        # A range the index can seek ('0' follows '/'), then what is really below the scope.
        where = [f"{PARENT} >= :scope", f"{PARENT} < :scope || '0'",
                 f"({PARENT} = :scope OR {PARENT} >= :scope || '/')"]
    if after is not None:
        params["after_collection"], params["after_name"] = split(after)
        where.append(f"({PARENT}, n.name) > (:after_collection, :after_name)")
    return where


def _attributes(query: Query, params: dict) -> list[str]:
    where = []
    types = [kind for kind in (COLLECTION, DATAOBJECT) if query.wants(kind)]
    if len(types) == 1:
        params["type"] = types[0]
        where.append("n.type = :type")
    for name, sql, value in (
            ("name", "n.name GLOB :name", query.name and glob(query.name)),
            ("owner", "n.owner = :owner", query.owner),
            ("min_size", "n.size >= :min_size", query.min_size),
            ("max_size", "n.size <= :max_size", query.max_size),
            ("after_time", "n.modified > :after_time",
             query.modified_after and to_db(query.modified_after)),
            ("before_time", "n.modified < :before_time",
             query.modified_before and to_db(query.modified_before))):
        if value is not None:
            params[name] = value
            where.append(sql)
    return where


# Up to this many AVUs match a condition `attribute = value`, its matches are few enough to
# start from them (index avus_attribute_value) and sort them, rather than walk the scope
# in order until a page fills: a rare match would otherwise be a scan of the whole scope.
FEW = 5000


def _rare_condition(conn: sqlite3.Connection, query: Query) -> MetadataCondition | None:
    candidates = [cond for cond in query.conditions
                  if cond.op == "=" and cond.attribute is not None and cond.value is not None]
    for cond in candidates:
        count = conn.execute("SELECT count(*) FROM (SELECT 1 FROM avus WHERE attribute = ?"
                             " AND value = ? LIMIT ?)", (cond.attribute, cond.value, FEW + 1)
                             ).fetchone()[0]
        if count <= FEW:
            return cond
    return None


def search(conn: sqlite3.Connection, query: Query, reader: str, *, after: str | None,
           limit: int) -> list[nodes.Node]:
    """Up to `limit` nodes meeting `query` that `reader` may read, after the path `after`."""
    params = {"reader": reader, "limit": limit}
    where = _scope(query, after, params) + _attributes(query, params)
    where += [_metadata(i, cond, params) for i, cond in enumerate(query.conditions)]
    where.append(permissions.READABLE)
    source, distinct = "nodes n", ""
    rare = _rare_condition(conn, query)
    if rare is not None:
        # CROSS JOIN keeps this order of the tables: SQLite does not reorder it.
        params["rare_attribute"], params["rare_value"] = rare.attribute, rare.value
        source = "avus r CROSS JOIN nodes n"
        where += ["r.attribute = :rare_attribute", "r.value = :rare_value", "n.id = r.node_id"]
        distinct = "DISTINCT "  # one row per AVU: a node may carry the pair with two units
    rows = conn.execute(
        f"SELECT {distinct}{NODE_COLUMNS} FROM {source} WHERE {' AND '.join(where)}"
        f" ORDER BY {PARENT}, n.name LIMIT :limit", params).fetchall()
    return [nodes._node(row) for row in rows]
