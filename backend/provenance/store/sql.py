"""The SQL provenance store (SQLAlchemy 2): SQLite as the embedded default, or PostgreSQL.

Tables (every write is an insert that skips what is there, so saving is idempotent and
concurrent saves need no read-modify-write; rows are inserted sorted by key, so two
PostgreSQL transactions lock shared rows in the same order and cannot deadlock):
- prov_bundles(name): the bundles saved, even empty ones.
- prov_records(id, bundle, digest, body): the log, one row per distinct record of a bundle.
- prov_nodes(id, kind, name): one row per identifier (its full URI), merged across bundles.
- prov_node_attributes(node, digest, body): the union of the attributes bundles gave a node.
- prov_edges(id, digest, type, src, dst, body): one row per distinct relation, indexed
  both ways, (src, type, dst) and (dst, type, src), so that each hop of a lineage query is
  an index lookup.
- prov_locations(id, bundle, node, location, checksum): which entity a storage path (and
  checksum) named; the highest id is the one saved last.

Lineage is a `WITH RECURSIVE` walk (`_walk_sql`), then reads of what it reached by key;
engine, transactions (WAL, busy timeout, BEGIN IMMEDIATE on SQLite; a PostgreSQL advisory lock
around schema creation) are the shared `backend.auth.db.Database`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.auth.db import Database
from backend.errors import ServiceUnavailable
from backend.provenance import migrations
from backend.provenance.store.base import (
    ASSOCIATION,
    INVALIDATION,
    RULES,
    ProvenanceStore,
    Split,
    Subgraph,
    location_keys,
)

# Seconds before an unreachable PostgreSQL server counts as down (libpq waits for the
# operating system's TCP timeout otherwise, minutes, while the outbox's caller waits too).
CONNECT_TIMEOUT = 10

# SQLite wants INTEGER for a rowid alias; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer, "sqlite")
metadata = MetaData()

bundles = Table("prov_bundles", metadata, Column("name", Text, primary_key=True))
# The shape of what is stored (backend/provenance/migrations.py); no row: version 1.
schema_versions = Table("prov_schema", metadata, Column("version", Integer, primary_key=True))
records = Table(
    "prov_records", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("bundle", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("bundle", "digest", name="prov_records_bundle_digest"),
)
nodes = Table(
    "prov_nodes", metadata,
    Column("id", Text, primary_key=True),
    Column("kind", String(16)),
    Column("name", Text, nullable=False),
)
attributes = Table(
    "prov_node_attributes", metadata,
    Column("node", Text, primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("body", Text, nullable=False),
)
edges = Table(
    "prov_edges", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("src", Text, nullable=False),
    Column("dst", Text, nullable=False),
    Column("body", Text, nullable=False),
    Index("prov_edges_out", "src", "type", "dst"),
    Index("prov_edges_in", "dst", "type", "src"),
)
locations = Table(
    "prov_locations", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("bundle", Text, nullable=False),
    Column("node", Text, nullable=False),
    Column("location", Text, nullable=False),
    # "" rather than NULL: NULLs are distinct in a unique constraint, so a re-save would add rows.
    Column("checksum", Text, nullable=False),
    UniqueConstraint("bundle", "node", "location", "checksum", name="prov_locations_once"),
    Index("prov_locations_last", "location", "id"),
    Index("prov_locations_checksum", "location", "checksum", "id"),
)


@functools.cache
def _walk_sql(direction: str):
    """Every node lineage reaches from :start within :depth in one direction, with its least
    hops. Each step of the recursion is an index lookup of the edges of the nodes the last
    step reached (prov_edges_out backward, prov_edges_in forward); UNION drops repeated
    (node, hops) rows, so it ends on cycles too."""
    rules = RULES[direction]
    near, far = _ends(direction)
    types = ", ".join(f"'{name}'" for name in rules)
    cost = "CASE e.type " + " ".join(f"WHEN '{name}' THEN {c}" for name, c in rules.items()) + " END"
    return text(f"""
WITH RECURSIVE walk(node, hops) AS (
    SELECT CAST(:start AS TEXT), 0
    UNION
    SELECT e.{far}, w.hops + {cost}
    FROM walk w JOIN prov_edges e ON e.{near} = w.node AND e.type IN ({types})
    WHERE w.hops + {cost} <= :depth
)
SELECT node, MIN(hops) FROM walk GROUP BY node""")


def _ends(direction: str) -> tuple[str, str]:
    """The columns of an edge lineage leaves from and arrives at."""
    return ("src", "dst") if direction == "backward" else ("dst", "src")


def _chunks(keys, size: int = 500):
    # IN lists in slices: SQLite limits the parameters of one statement.
    keys = sorted(keys)
    for index in range(0, len(keys), size):
        yield keys[index:index + size]


class SqlStore(ProvenanceStore):
    def __init__(self, url: str):
        parsed = make_url(url)
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            url = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)}).render_as_string(
                hide_password=False)
        elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self._db = Database(url)
        self._schema_ready = False

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Session]:
        try:
            # Created on first use, not in the constructor: a store that is down when the
            # application starts must still be built (the outbox keeps writes until it is up).
            if not self._schema_ready:
                with self._db.schema_lock() as session:
                    metadata.create_all(session.connection())
                self._schema_ready = True
                migrations.upgrade(self)  # records stored in an older shape, repaired once
            with self._db.transaction(write=write) as session:
                yield session
        except ServiceUnavailable as exc:
            raise ServiceUnavailable("the provenance store is unavailable") from exc

    def _insert(self, table: Table):
        return (postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert)(table)

    def _write(self, bundle: str, parts: Split) -> None:
        with self._transaction(write=True) as session:
            self._write_rows(session, bundle, parts)

    def _write_rows(self, session: Session, bundle: str, parts: Split) -> None:
        log = [{"bundle": bundle, "digest": d, "body": b} for d, b in sorted(parts.log.items())]
        node_rows = [{"id": n, "kind": parts.kinds[n], "name": parts.names[n]} for n in sorted(parts.kinds)]
        attribute_rows = [{"node": n, "digest": d, "body": b}
                          for n in sorted(parts.attributes) for d, b in sorted(parts.attributes[n].items())]
        edge_rows = [{"digest": e.digest, "type": e.type, "src": e.src, "dst": e.dst, "body": e.body}
                     for _, e in sorted(parts.edges.items())]
        location_rows = [{"bundle": bundle, "node": n, "location": loc, "checksum": c}
                         for n, loc, c in sorted(parts.locations)]
        session.execute(self._insert(bundles).on_conflict_do_nothing(), [{"name": bundle}])
        for table, rows in ((records, log), (nodes, node_rows), (attributes, attribute_rows),
                            (edges, edge_rows), (locations, location_rows)):
            if rows:
                session.execute(self._insert(table).on_conflict_do_nothing(), rows)
        # A node first met as the target of a relation of unknown kind learns it later;
        # the WHERE keeps this from locking (or touching) nodes that already know theirs.
        kinds = [{"key": r["id"], "new_kind": r["kind"]} for r in node_rows if r["kind"]]
        if kinds:
            session.execute(update(nodes).where(nodes.c.id == bindparam("key"), nodes.c.kind.is_(None))
                            .values(kind=bindparam("new_kind")), kinds)

    # ---- migrations (backend/provenance/migrations.py) ------------------------------------

    def _schema_version(self) -> int:
        with self._transaction() as session:
            return session.scalar(select(func.max(schema_versions.c.version))) or 1

    def _bundle_names(self) -> list[str]:
        """Every bundle, in the order it was first saved."""
        with self._transaction() as session:
            first = dict(session.execute(select(records.c.bundle, func.min(records.c.id))
                                         .group_by(records.c.bundle)).all())
            names = list(session.scalars(select(bundles.c.name)))
        return sorted(names, key=lambda name: (first.get(name, 0), name))

    def _replace(self, saved: list, version: int) -> bool:
        """The whole store rewritten from `saved` ([(bundle, Split or None)]), in one transaction.
        Under the schema lock: processes starting together repair one after the other, and the
        later one finds the version current. False when it rewrote nothing (see base)."""
        with self._db.schema_lock() as session:
            found = session.scalar(select(func.max(schema_versions.c.version)))
            if found is not None and found >= version:
                return False  # another process did it meanwhile
            if session.scalar(select(func.count()).select_from(bundles)) != len(saved):
                return False  # saved to meanwhile: the next start repairs it
            for table in (records, nodes, attributes, edges, locations, bundles, schema_versions):
                session.execute(table.delete())
            for bundle, parts in saved:
                if parts is None:
                    session.execute(self._insert(bundles).on_conflict_do_nothing(), [{"name": bundle}])
                else:
                    self._write_rows(session, bundle, parts)
            session.execute(schema_versions.insert(), [{"version": version}])
        return True

    def _mark(self, version: int) -> bool:
        """The schema version set to `version` when it is below; False when it was not."""
        with self._db.schema_lock() as session:
            found = session.scalar(select(func.max(schema_versions.c.version)))
            if found is not None and found >= version:
                return False
            session.execute(schema_versions.delete())
            session.execute(schema_versions.insert(), [{"version": version}])
        return True

    def _read_log(self, bundle: str) -> list[str] | None:
        with self._transaction() as session:
            if session.scalar(select(bundles.c.name).where(bundles.c.name == bundle)) is None:
                return None
            return list(session.scalars(select(records.c.body).where(records.c.bundle == bundle)
                                        .order_by(records.c.id)))

    def _subgraph(self, start: str, direction: str, depth: int) -> Subgraph | None:
        # The walk is one recursive statement; what it reached is then read by key, each read
        # an index lookup. (Joining the walk's result to the tables in the same statement lets
        # PostgreSQL, which cannot estimate a CTE's rows, pick hash joins over whole tables.)
        rules, (near, far) = RULES[direction], _ends(direction)
        result = Subgraph()
        with self._transaction() as session:
            if session.scalar(select(nodes.c.id).where(nodes.c.id == start)) is None:
                return None
            hops = dict(session.execute(_walk_sql(direction), {"start": start, "depth": depth}).all())
            for chunk in _chunks(hops):
                for row in session.execute(select(edges).where(edges.c[near].in_(chunk),
                                                               edges.c.type.in_(list(rules)))):
                    there, here = row._mapping[far], row._mapping[near]
                    # The edges between reached nodes that the walk could follow.
                    if there in hops and hops[here] + rules[row.type] <= depth:
                        result.add_relation(row.digest, row.body)
            actors = set(hops)
            if direction == "forward":
                actors |= self._context(session, hops, INVALIDATION, result)
            members = actors | self._context(session, actors, ASSOCIATION, result)
            # Nodes and their attributes apart: an outer join of the two gets a whole-table
            # scan of the attributes from PostgreSQL until it has statistics (a fresh bulk load).
            self._read_nodes(session, members, result)
            self._read_nodes(session, location_keys(result), result)  # where the entities are
        return result

    @staticmethod
    def _read_nodes(session: Session, members, result: Subgraph) -> None:
        for chunk in _chunks(members):
            for row in session.execute(select(nodes.c.id, nodes.c.kind, nodes.c.name)
                                       .where(nodes.c.id.in_(chunk))):
                result.add_node(row.id, row.kind, row.name)
            for row in session.execute(select(attributes.c.node, attributes.c.body)
                                       .where(attributes.c.node.in_(chunk))):
                result.nodes[row.node].attributes.add(row.body)

    @staticmethod
    def _context(session: Session, sources, relation: str, result: Subgraph) -> set[str]:
        """Add the `relation` edges leaving `sources`; returns the nodes they lead to."""
        targets = set()
        for chunk in _chunks(sources):
            for row in session.execute(select(edges.c.dst, edges.c.digest, edges.c.body)
                                       .where(edges.c.src.in_(chunk), edges.c.type == relation)):
                result.add_relation(row.digest, row.body)
                targets.add(row.dst)
        return targets

    def find_entity(self, location: str, checksum: str | None = None) -> str | None:
        query = select(locations.c.node).where(locations.c.location == location)
        if checksum is not None:
            query = query.where(locations.c.checksum == checksum)
        with self._transaction() as session:
            return session.scalar(query.order_by(locations.c.id.desc()).limit(1))

    def counts(self) -> dict[str, int]:
        with self._transaction() as session:
            return {name: session.scalar(select(func.count()).select_from(table))
                    for name, table in (("bundles", bundles), ("records", records),
                                        ("nodes", nodes), ("relations", edges))}

    def health(self) -> dict:
        return {**self._db.health(), "store": "sql"}

    def close(self) -> None:
        self._db.dispose()
