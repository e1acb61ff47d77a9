"""The Neo4j provenance store (the official driver, Cypher).

The graph is PROV's own: one node per identifier, labelled Element and Entity, Activity or
Agent (the Element label carries the uniqueness constraint, so a node first met as the end
of a relation and declared later stays one node); one relationship type per PROV relation
(USED, WAS_GENERATED_BY, WAS_DERIVED_FROM, HAD_MEMBER, ...), from the relation's first
formal attribute to its second. Nodes and relationships carry their attributes twice:
as readable properties named like the attribute ("prov:location", "prov:time"; the last
saved value), for Cypher written by people, and losslessly encoded (`attrs`, `body`), which
is what this store reads back.

Beside the graph: (:ProvBundle {name}), the log (:ProvRecord {key, bundle, body, seq}),
and (:ProvLocation {location, checksum, node, seq}) for find_entity. `seq` orders saves:
a counter node incremented by each save (which serialises saves; they are few and short).

Every write is a batched (UNWIND) MERGE keyed by a constrained property, so a save is
idempotent and concurrent saves make one node per key; every lookup of a node goes through
(:Element {id}), the constraint's index. Lineage is `base.walk`: one query per level of
the search, each expanding the whole frontier.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import neo4j
from neo4j.exceptions import AuthError, DriverError, Neo4jError, TransientError
from prov.identifier import Identifier
from prov.model import Literal

from backend.errors import ServiceUnavailable
from backend.provenance import migrations
from backend.provenance.store.base import (
    ASSOCIATION,
    INVALIDATION,
    RULES,
    ProvenanceStore,
    Split,
    Subgraph,
    digest,
    location_keys,
    walk,
)

SCHEMA = (
    "CREATE CONSTRAINT rapydo_element_id IF NOT EXISTS FOR (n:Element) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT rapydo_bundle_name IF NOT EXISTS FOR (b:ProvBundle) REQUIRE b.name IS UNIQUE",
    "CREATE CONSTRAINT rapydo_record_key IF NOT EXISTS FOR (r:ProvRecord) REQUIRE r.key IS UNIQUE",
    "CREATE CONSTRAINT rapydo_location_key IF NOT EXISTS FOR (l:ProvLocation) REQUIRE l.key IS UNIQUE",
    "CREATE CONSTRAINT rapydo_counter_name IF NOT EXISTS FOR (c:ProvCounter) REQUIRE c.name IS UNIQUE",
    "CREATE INDEX rapydo_record_bundle IF NOT EXISTS FOR (r:ProvRecord) ON (r.bundle)",
    "CREATE INDEX rapydo_location_path IF NOT EXISTS FOR (l:ProvLocation) ON (l.location)",
    "CREATE INDEX rapydo_entity_location IF NOT EXISTS FOR (n:Entity) ON (n.`prov:location`)",
)
LABELS = {"entity": "Entity", "activity": "Activity", "agent": "Agent"}
INT64 = 2**63


def relationship_type(relation: str) -> str:
    """wasGeneratedBy -> WAS_GENERATED_BY."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", relation).upper()


RELATIONS = {relationship_type(name): name for name in
             ("used", "wasGeneratedBy", "wasDerivedFrom", "hadMember", "wasAssociatedWith",
              "wasStartedBy", "wasEndedBy", "wasInvalidatedBy", "wasInformedBy",
              "actedOnBehalfOf", "wasAttributedTo", "wasInfluencedBy", "specializationOf",
              "alternateOf", "mentionOf")}


def _readable(value):
    """A value Neo4j can hold as a property (the lossless copy is in attrs/body)."""
    if isinstance(value, (bool, float, str, datetime)):
        return value
    if isinstance(value, int):
        return value if -INT64 <= value < INT64 else str(value)
    if isinstance(value, Literal):
        return value.value
    if isinstance(value, Identifier):
        return str(value)  # a qualified name as prefix:local, a URI as itself
    return str(value)


# What the store itself keeps on nodes and relationships; an attribute in a default
# namespace (no prefix) could be named like one, and keeps only its lossless copy then.
RESERVED = {"id", "kind", "name", "attrs", "digest", "body"}


def _properties(record) -> dict:
    grouped: dict[str, list] = {}
    for name, value in record.attributes:
        if str(name) not in RESERVED:
            grouped.setdefault(str(name), []).append(_readable(value))
    properties = {}
    for name, values in grouped.items():
        if len(values) == 1:
            properties[name] = values[0]
        else:
            # A Neo4j list holds one type: mixed values become strings.
            same = len({type(v) for v in values}) == 1
            properties[name] = sorted(values) if same else sorted(map(str, values))
    return properties


class Neo4jStore(ProvenanceStore):
    def __init__(self, uri: str, user: str = "neo4j", password: str | None = None, *,
                 database: str | None = None, retry_time: float = 5.0, timeout: float = 10.0):
        # The driver connects lazily: building the store never fails on a server that is down.
        # retry_time bounds the driver's retries of a failing transaction (30 s by default),
        # which the outbox's caller would otherwise wait through.
        self._driver = neo4j.GraphDatabase.driver(
            uri, auth=(user, password) if password is not None else None,
            connection_timeout=timeout, connection_acquisition_timeout=timeout * 2,
            max_transaction_retry_time=retry_time)
        self._database = database
        self._schema_ready = False

    @contextmanager
    def _session(self) -> Iterator[neo4j.Session]:
        try:
            with self._driver.session(database=self._database) as session:
                if not self._schema_ready:
                    for statement in SCHEMA:  # schema changes run outside data transactions
                        session.run(statement).consume()
                    self._schema_ready = True
                    migrations.upgrade(self)  # records stored in an older shape, repaired once
                yield session
        except (DriverError, TransientError, AuthError) as exc:
            raise ServiceUnavailable("the provenance store is unavailable") from exc
        except Neo4jError as exc:
            if exc.is_retryable():
                raise ServiceUnavailable("the provenance store is unavailable") from exc
            raise

    # ---- writes ----------------------------------------------------------------------

    def _write(self, bundle: str, parts: Split) -> None:
        with self._session() as session:
            session.execute_write(_save, bundle, parts)

    # ---- migrations (backend/provenance/migrations.py) --------------------------------

    def _schema_version(self) -> int:
        with self._session() as session:
            rows = session.execute_read(_rows, "MATCH (s:ProvSchema {name: 'rapydo'}) RETURN s.version AS v")
        return (rows[0]["v"] if rows else None) or 1

    def _bundle_names(self) -> list[str]:
        """Every bundle, in the order it was first saved."""
        with self._session() as session:
            rows = session.execute_read(_rows, """
                MATCH (b:ProvBundle)
                OPTIONAL MATCH (r:ProvRecord {bundle: b.name})
                RETURN b.name AS name, min(r.seq) AS seq""")
        return [row["name"] for row in sorted(rows, key=lambda row: (row["seq"] or 0, row["name"]))]

    def _replace(self, saved: list, version: int) -> bool:
        with self._session() as session:
            return session.execute_write(_replace_all, saved, version)

    def _mark(self, version: int) -> bool:
        """The schema version set to `version` when it is below; False when it was not."""
        with self._session() as session:
            return session.execute_write(_mark, version)

    # ---- reads -----------------------------------------------------------------------

    def _read_log(self, bundle: str) -> list[str] | None:
        with self._session() as session:
            rows = session.execute_read(_rows, """
                MATCH (b:ProvBundle {name: $bundle})
                OPTIONAL MATCH (r:ProvRecord {bundle: $bundle})
                RETURN r.body AS body ORDER BY r.seq, r.key""", bundle=bundle)
        if not rows:
            return None
        return [row["body"] for row in rows if row["body"] is not None]

    def _subgraph(self, start: str, direction: str, depth: int) -> Subgraph | None:
        with self._session() as session:
            return session.execute_read(_lineage, start, direction, depth)

    def find_entity(self, location: str, checksum: str | None = None) -> str | None:
        with self._session() as session:
            rows = session.execute_read(_rows, """
                MATCH (l:ProvLocation {location: $location})
                WHERE $checksum IS NULL OR l.checksum = $checksum
                RETURN l.node AS node ORDER BY l.seq DESC, l.key DESC LIMIT 1""",
                location=location, checksum=checksum)
        return rows[0]["node"] if rows else None

    def counts(self) -> dict[str, int]:
        queries = {"bundles": "MATCH (b:ProvBundle) RETURN count(b) AS n",
                   "records": "MATCH (r:ProvRecord) RETURN count(r) AS n",
                   "nodes": "MATCH (n:Element) RETURN count(n) AS n",
                   "relations": "MATCH (:Element)-[r]->(:Element) RETURN count(r) AS n"}
        with self._session() as session:
            return {name: session.execute_read(_rows, query)[0]["n"] for name, query in queries.items()}

    def health(self) -> dict:
        try:
            self._driver.verify_connectivity()
        except Exception as exc:  # a health check reports, never raises
            return {"status": "down", "store": "neo4j", "error": type(exc).__name__}
        return {"status": "ok", "store": "neo4j"}

    def close(self) -> None:
        self._driver.close()


def _rows(tx, query: str, **parameters) -> list[dict]:
    return [record.data() for record in tx.run(query, **parameters)]


def _save(tx, bundle: str, parts: Split) -> None:
    seq = tx.run("MERGE (c:ProvCounter {name: 'saves'}) "
                 "SET c.value = coalesce(c.value, 0) + 1 RETURN c.value AS seq").single()["seq"]
    tx.run("MERGE (:ProvBundle {name: $bundle})", bundle=bundle).consume()
    tx.run("""
        UNWIND $rows AS row
        MERGE (r:ProvRecord {key: row.key})
        ON CREATE SET r.bundle = $bundle, r.digest = row.digest, r.body = row.body, r.seq = $seq""",
        bundle=bundle, seq=seq,
        rows=[{"key": digest([bundle, d]), "digest": d, "body": b} for d, b in sorted(parts.log.items())]).consume()
    nodes = []
    for key in sorted(parts.kinds):
        properties = {}
        for record in parts.elements.get(key, ()):
            properties.update(_properties(record))
        nodes.append({"id": key, "name": parts.names[key], "props": properties,
                      "attrs": sorted(parts.attributes.get(key, {}).values())})
    # `n.attrs` read in the SET that writes it: Cypher locks the node before reading, so
    # concurrent saves of one node add to each other instead of overwriting.
    tx.run("""
        UNWIND $rows AS row
        MERGE (n:Element {id: row.id})
        ON CREATE SET n.name = row.name, n.attrs = []
        SET n.attrs = n.attrs + [a IN row.attrs WHERE NOT a IN n.attrs], n += row.props""",
        rows=nodes).consume()
    for kind, label in LABELS.items():
        ids = [key for key in sorted(parts.kinds) if parts.kinds[key] == kind]
        if ids:
            tx.run(f"""
                UNWIND $ids AS id
                MATCH (n:Element {{id: id}}) WHERE n.kind IS NULL
                SET n.kind = $kind, n:{label}""", ids=ids, kind=kind).consume()
    by_type: dict[str, list] = {}
    for _, edge in sorted(parts.edges.items()):
        by_type.setdefault(relationship_type(edge.type), []).append(
            {"src": edge.src, "dst": edge.dst, "digest": edge.digest, "body": edge.body,
             "props": _properties(edge.record)})
    for rel_type, rows in by_type.items():
        if rel_type not in RELATIONS:
            raise ValueError(f"unknown relation {rel_type}")  # never: split() only makes PROV's
        tx.run(f"""
            UNWIND $rows AS row
            MATCH (s:Element {{id: row.src}})
            MATCH (d:Element {{id: row.dst}})
            MERGE (s)-[r:{rel_type} {{digest: row.digest}}]->(d)
            ON CREATE SET r.body = row.body, r += row.props""", rows=rows).consume()
    tx.run("""
        UNWIND $rows AS row
        MERGE (l:ProvLocation {key: row.key})
        ON CREATE SET l.bundle = $bundle, l.node = row.node, l.location = row.location,
                      l.checksum = row.checksum, l.seq = $seq""",
        bundle=bundle, seq=seq,
        rows=[{"key": digest([bundle, n, loc, c]), "node": n, "location": loc, "checksum": c}
              for n, loc, c in sorted(parts.locations)]).consume()


def _replace_all(tx, saved: list, version: int) -> bool:
    """The whole store rewritten from `saved` ([(bundle, Split or None)]), in one transaction;
    the schema node is locked first, so a second process waits and then finds it done."""
    found = tx.run("MERGE (s:ProvSchema {name: 'rapydo'}) SET s.lock = true "
                   "RETURN s.version AS v").single()["v"]
    if found is not None and found >= version:
        return False
    if tx.run("MATCH (b:ProvBundle) RETURN count(b) AS n").single()["n"] != len(saved):
        return False  # saved to meanwhile: the next start repairs it
    for label in ("Element", "ProvRecord", "ProvLocation", "ProvBundle"):
        tx.run(f"MATCH (n:{label}) DETACH DELETE n").consume()
    for bundle, parts in saved:
        if parts is None:
            tx.run("MERGE (:ProvBundle {name: $bundle})", bundle=bundle).consume()
        else:
            _save(tx, bundle, parts)
    tx.run("MATCH (s:ProvSchema {name: 'rapydo'}) SET s.version = $version REMOVE s.lock",
           version=version).consume()
    return True


def _mark(tx, version: int) -> bool:
    found = tx.run("MERGE (s:ProvSchema {name: 'rapydo'}) RETURN s.version AS v").single()["v"]
    if found is not None and found >= version:
        return False
    tx.run("MATCH (s:ProvSchema {name: 'rapydo'}) SET s.version = $version", version=version).consume()
    return True


def _lineage(tx, start: str, direction: str, depth: int) -> Subgraph | None:
    if tx.run("MATCH (n:Element {id: $id}) RETURN n.id AS id", id=start).single() is None:
        return None
    types = "|".join(relationship_type(name) for name in RULES[direction])
    pattern = f"-[r:{types}]->" if direction == "backward" else f"<-[r:{types}]-"
    query = f"""
        UNWIND $ids AS id
        MATCH (n:Element {{id: id}}){pattern}(m:Element)
        RETURN id AS near, type(r) AS type, m.id AS far, r.digest AS digest, r.body AS body"""

    def expand(ids: list[str]):
        for row in tx.run(query, ids=ids):
            yield row["near"], RELATIONS[row["type"]], row["far"], row["digest"], row["body"]

    hops, traversed = walk(expand, start, direction, depth)
    result = Subgraph()
    for key, body in traversed.items():
        result.add_relation(key, body)
    actors = set(hops)
    if direction == "forward":
        actors |= _context(tx, hops, INVALIDATION, result)
    members = actors | _context(tx, actors, ASSOCIATION, result)
    _read_nodes(tx, members, result)
    _read_nodes(tx, location_keys(result), result)  # where the entities are
    return result


def _read_nodes(tx, members, result: Subgraph) -> None:
    for row in tx.run("""
            UNWIND $ids AS id
            MATCH (n:Element {id: id})
            RETURN n.id AS id, n.kind AS kind, n.name AS name, n.attrs AS attrs""", ids=sorted(members)):
        result.add_node(row["id"], row["kind"], row["name"])
        for attribute in row["attrs"] or ():
            result.add_node(row["id"], row["kind"], row["name"], attribute)


def _context(tx, sources, relation: str, result: Subgraph) -> set[str]:
    """Add the `relation` relationships leaving `sources`; returns the nodes they lead to."""
    targets = set()
    for row in tx.run(f"""
            UNWIND $ids AS id
            MATCH (n:Element {{id: id}})-[r:{relationship_type(relation)}]->(m:Element)
            RETURN m.id AS target, r.digest AS digest, r.body AS body""", ids=sorted(sources)):
        result.add_relation(row["digest"], row["body"])
        targets.add(row["target"])
    return targets

