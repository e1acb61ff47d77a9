"""The provenance store's contract, and everything its adapters share.

A store keeps two views of what it is given:
- the *log*: each bundle's records as saved, one per distinct record (by a digest of its
  encoding), so that saving again adds nothing and saving more adds the rest; `bundle()`
  reads it back;
- the *graph*: one node per identifier, whichever bundles mention it, carrying the union of
  the attributes they gave it, and one edge per distinct relation, from the relation's first
  formal attribute to its second (used: activity -> entity, wasGeneratedBy: entity ->
  activity, hadMember: collection -> member, ...). Lineage walks the graph.

Everything about PROV lives here, written once: the lossless encoding of records (every
value keeps its type: a datetime its timezone, a qualified name its prefix and namespace,
so a decoded document equals the saved one by prov's ==), the split of a document into
log, nodes and edges, which relations lineage follows at what cost, and the assembly of
the answer. Adapters only move encoded rows in and out of their database.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from prov.constants import (
    PROV_ATTR_ENDER,
    PROV_ATTR_STARTER,
    PROV_ATTRIBUTES,
    PROV_END,
    PROV_LOCATION,
    PROV_N_MAP,
    PROV_RECORD_IDS_MAP,
    PROV_START,
    PROV_TYPE,
)
from prov.identifier import Identifier, Namespace, QualifiedName
from prov.model import Literal, ProvDocument, ProvElement, ProvRecord

from backend.errors import BadRequest, NotFound
from backend.provenance.vocabulary import CHECKSUM, LOCATION, PATH

KINDS = {"entity", "activity", "agent"}
# The kind of node a formal attribute names (by its local name in the prov namespace),
# so that a node only referred to by a relation still gets a kind.
ROLE_KINDS = {
    **dict.fromkeys(["entity", "generatedEntity", "usedEntity", "trigger", "specificEntity",
                     "generalEntity", "alternate1", "alternate2", "collection", "plan",
                     "bundle"], "entity"),
    **dict.fromkeys(["activity", "informed", "informant", "starter", "ender"], "activity"),
    **dict.fromkeys(["agent", "delegate", "responsible"], "agent"),
}
# How lineage moves: relation -> cost of following it, in each direction. Backward follows
# edges from source to target (an entity to the activity that generated it, an activity to
# what it used, a derived entity to its origin, a collection to its members), forward the
# other way round. Only the hop from an entity to an activity (and a derivation) costs one,
# so `depth` counts activity or derivation hops from entity to entity; a collection and its
# members are the same distance away.
RULES = {
    "backward": {"wasGeneratedBy": 1, "used": 0, "wasDerivedFrom": 1, "hadMember": 0},
    "forward": {"used": 1, "wasGeneratedBy": 0, "wasDerivedFrom": 1, "hadMember": 0},
}
# Context added to what the walk reached, never walked from: the agents associated with the
# activities reached, and, forward (what became of it), how the entities reached ended: their
# invalidations, the activities that invalidated them (a delete) and those activities' agents.
ASSOCIATION = "wasAssociatedWith"
INVALIDATION = "wasInvalidatedBy"
DIRECTIONS = ("backward", "forward", "both")


# ---- encoding: values, records, documents ---------------------------------------------

def encode_value(value) -> list:
    """A JSON-ready, typed form of one attribute value (or name)."""
    # bool before int: it is one.
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", value]
    if isinstance(value, float):
        return ["float", value]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, QualifiedName):
        return ["qname", value.namespace.uri, value.localpart, value.namespace.prefix]
    if isinstance(value, Identifier):
        return ["uri", value.uri]
    if isinstance(value, Literal):
        datatype = encode_value(value.datatype) if value.datatype is not None else None
        return ["literal", value.value, datatype, value.langtag]
    raise BadRequest(f"a provenance value of type {type(value).__name__} cannot be stored")


class Names:
    """Qualified names for one document, made from namespaces registered in it. prov
    deep-copies a Namespace object it does not hold (with every name made from it so far)
    into the document, and resolves one it holds at once: so each namespace is registered
    once per document, and its names are made from what the document holds."""

    def __init__(self, document: ProvDocument):
        self.document, self.known = document, {}

    def __call__(self, prefix: str, uri: str, local: str) -> QualifiedName:
        namespace = self.known.get((prefix, uri))
        if namespace is None:
            namespace = Namespace(prefix, uri)
            if prefix:  # a default namespace (no prefix) is prov's to place
                namespace = self.document.add_namespace(namespace)
            self.known[(prefix, uri)] = namespace
        return namespace[local]


def decode_value(encoded: list, names: Names | None = None):
    tag = encoded[0]
    if tag in ("bool", "int", "float", "str"):
        return encoded[1]
    if tag == "datetime":
        return datetime.fromisoformat(encoded[1])
    if tag == "qname":
        return names(encoded[3], encoded[1], encoded[2]) if names else Namespace(encoded[3], encoded[1])[encoded[2]]
    if tag == "uri":
        return Identifier(encoded[1])
    if tag == "literal":
        datatype = decode_value(encoded[2], names) if encoded[2] is not None else None
        return Literal(encoded[1], datatype, encoded[3])
    raise ValueError(f"unknown encoded value {tag!r}")


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _without_prefixes(obj):
    # Prefixes are local to a document: the same record written with another prefix is
    # the same record, so digests leave them out.
    if isinstance(obj, dict):
        return {key: _without_prefixes(value) for key, value in obj.items()}
    if isinstance(obj, list):
        if obj and obj[0] == "qname":
            return obj[:3]
        return [_without_prefixes(item) for item in obj]
    return obj


def digest(obj) -> str:
    return hashlib.sha256(_canonical(_without_prefixes(obj)).encode()).hexdigest()


def encode_record(record: ProvRecord) -> dict:
    attributes = sorted(([encode_value(name), encode_value(value)] for name, value in record.attributes),
                        key=_canonical)
    identifier = encode_value(record.identifier) if record.identifier is not None else None
    return {"t": PROV_N_MAP[record.get_type()], "id": identifier, "a": attributes}


def add_record(document: ProvDocument, body: dict, names: Names | None = None) -> ProvRecord:
    names = names or Names(document)
    attributes = [(decode_value(name, names), decode_value(value, names)) for name, value in body["a"]]
    identifier = decode_value(body["id"], names) if body["id"] is not None else None
    return document.new_record(PROV_RECORD_IDS_MAP[body["t"]], identifier, attributes)


def encode_document(document: ProvDocument) -> str:
    """The whole document as one JSON text (what the outbox keeps)."""
    return _canonical([encode_record(record) for record in document.flattened().get_records()])


def decode_document(text: str) -> ProvDocument:
    document = ProvDocument()
    names = Names(document)
    for body in json.loads(text):
        add_record(document, body, names)
    return document


def key_of(identifier) -> str:
    """The key of a node: its full URI."""
    return identifier.uri if isinstance(identifier, Identifier) else str(identifier)


# ---- splitting a document into log, nodes and edges ------------------------------------

@dataclass(frozen=True)
class Edge:
    type: str  # the PROV-N name: used, wasGeneratedBy, ...
    src: str
    dst: str
    digest: str
    body: str
    record: ProvRecord = field(compare=False, repr=False)


@dataclass
class Split:
    log: dict[str, str] = field(default_factory=dict)  # digest -> encoded record
    kinds: dict[str, str | None] = field(default_factory=dict)  # node id -> entity|activity|agent|None
    names: dict[str, str] = field(default_factory=dict)  # node id -> its encoded qualified name
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # node -> {digest: [name, value]}
    edges: dict[str, Edge] = field(default_factory=dict)  # digest -> edge
    locations: set[tuple[str, str, str]] = field(default_factory=set)  # (node, location, checksum or "")
    elements: dict[str, list[ProvRecord]] = field(default_factory=dict)  # node -> its records here


def _endpoints(record: ProvRecord):
    """Source and target of a relation's edge: its first two formal attributes. A start or
    end without a trigger points at its starter or ender instead, so that "step started
    by the run" stays an edge."""
    args = record.args
    target = args[1] if len(args) > 1 else None
    if target is None and record.get_type() in (PROV_START, PROV_END):
        target = first_value(record, PROV_ATTR_STARTER if record.get_type() == PROV_START else PROV_ATTR_ENDER)
    return args[0], target


def first_value(record: ProvRecord, name):
    values = record.get_attribute(name)
    return next(iter(values), None)


def _text(value) -> str:
    if isinstance(value, Identifier):
        return value.uri
    if isinstance(value, Literal):
        return value.value
    return str(value)


def split(document: ProvDocument) -> Split:
    out = Split()

    def node(identifier, kind):
        key = key_of(identifier)
        if out.kinds.get(key) is None:
            out.kinds[key] = kind
        out.names.setdefault(key, _canonical(encode_value(identifier)))
        return key

    flat = document.flattened()
    # prov:location names a prov:Location whose path is rapydo-terms:path (a literal path in
    # records made before: read as the path itself).
    paths = {}
    for record in flat.get_records(ProvElement):
        found = [_text(value) for value in record.get_attribute(PATH)]
        if found and LOCATION in record.get_attribute(PROV_TYPE):
            paths[key_of(record.identifier)] = found[0]
    for record in flat.get_records():
        encoded = encode_record(record)
        record_digest = digest(encoded)
        out.log[record_digest] = _canonical(encoded)
        if isinstance(record, ProvElement):
            key = node(record.identifier, encoded["t"])
            out.kinds[key] = encoded["t"]  # declared kinds win over the ones roles imply
            out.elements.setdefault(key, []).append(record)
            pairs = out.attributes.setdefault(key, {})
            for pair in encoded["a"]:
                pairs[digest(pair)] = _canonical(pair)
            locations = [paths.get(key_of(v)) if isinstance(v, QualifiedName) else _text(v)
                         for v in record.get_attribute(PROV_LOCATION)]
            locations = [location for location in locations if location is not None]
            checksums = [_text(v) for v in record.get_attribute(CHECKSUM)] or [""]
            out.locations.update((key, location, checksum) for location in locations for checksum in checksums)
            continue
        for name, value in record.formal_attributes:
            if isinstance(value, QualifiedName) and name.localpart in ROLE_KINDS:
                node(value, ROLE_KINDS[name.localpart])
        source, target = _endpoints(record)
        if source is not None and target is not None:
            out.edges[record_digest] = Edge(encoded["t"], key_of(source), key_of(target),
                                            record_digest, out.log[record_digest], record)
    return out


# ---- the answer to a lineage query ---------------------------------------------------------

@dataclass
class Node:
    kind: str | None
    name: str  # encoded qualified name
    attributes: set[str] = field(default_factory=set)  # encoded [name, value] pairs


@dataclass
class Subgraph:
    nodes: dict[str, Node] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)  # digest -> encoded record

    def add_node(self, key: str, kind: str | None, name: str, attribute: str | None = None):
        node = self.nodes.setdefault(key, Node(kind, name))
        if attribute is not None:
            node.attributes.add(attribute)

    def add_relation(self, key: str, body: str):
        self.relations[key] = body

    def update(self, other: Subgraph):
        for key, node in other.nodes.items():
            mine = self.nodes.setdefault(key, Node(node.kind, node.name))
            mine.attributes |= node.attributes
        self.relations.update(other.relations)

    def document(self) -> ProvDocument:
        document = ProvDocument()
        names = Names(document)
        for key in sorted(self.nodes):
            node = self.nodes[key]
            if node.kind not in KINDS:
                continue  # only ever referred to by a relation of unknown kind (wasInfluencedBy)
            pairs, formal = [], set()
            for pair in sorted(node.attributes):
                name, value = json.loads(pair)
                name = decode_value(name, names)
                # Bundles may disagree on a single-valued attribute (two start times): keep one.
                if name in PROV_ATTRIBUTES:
                    if name in formal:
                        continue
                    formal.add(name)
                pairs.append((name, decode_value(value, names)))
            document.new_record(PROV_RECORD_IDS_MAP[node.kind], decode_value(json.loads(node.name), names), pairs)
        for key in sorted(self.relations):
            add_record(document, json.loads(self.relations[key]), names)
        return document


def location_keys(subgraph: Subgraph) -> set[str]:
    """The prov:Location nodes the nodes of `subgraph` name in prov:location: lineage returns
    them with what it reached (an entity's path is on its location)."""
    keys = set()
    for node in subgraph.nodes.values():
        for pair in node.attributes:
            name, value = json.loads(pair)
            if name[0] == "qname" and name[1] == PROV_LOCATION.namespace.uri and name[2] == "location" \
                    and value[0] == "qname":
                keys.add(value[1] + value[2])
    return keys - set(subgraph.nodes)


def walk(expand: Callable[[list[str]], Iterable[tuple[str, str, str, str, str]]], start: str,
         direction: str, depth: int) -> tuple[dict[str, int], dict[str, str]]:
    """Lineage without recursive queries, over an adapter's `expand(node ids)`, which
    yields (near, relation, far, digest, body) for the edges of those nodes that RULES
    follows in `direction`. Costs are 0 or 1, so nodes are settled level by level (a 0-1
    breadth-first search) and each node is expanded once, at its final distance: one
    `expand` call per level and per run of free hops. Returns the hops of every node
    reached and the edges traversed (digest -> body)."""
    rules = RULES[direction]
    hops = {start: 0}
    traversed: dict[str, str] = {}
    level, distance = [start], 0
    while level:
        expanded: set[str] = set()
        following: list[str] = []
        frontier = level
        while frontier:
            frontier = sorted({n for n in frontier if n not in expanded and hops[n] == distance})
            expanded.update(frontier)
            free: list[str] = []
            for _near, relation, far, key, body in (expand(frontier) if frontier else ()):
                reached = distance + rules[relation]
                if reached > depth:
                    continue
                traversed[key] = body
                if hops.get(far, depth + 1) > reached:
                    hops[far] = reached
                    (free if reached == distance else following).append(far)
            frontier = free
        distance += 1
        level = [n for n in following if hops[n] == distance]
    return hops, traversed


# ---- the interface -------------------------------------------------------------------------

class ProvenanceStore(ABC):
    """Where provenance documents are kept and lineage is asked. An unreachable store
    raises backend.errors.ServiceUnavailable from every data method (the outbox relies on
    it to keep what it could not deliver)."""

    def save(self, bundle: str, document: ProvDocument) -> None:
        """Store `document`'s records under the name `bundle` (e.g. "job:<uuid>", "op:<uuid>").
        Idempotent: saving the same bundle again with the same document changes nothing;
        saving it with more records adds them. Records about the same identifier from
        different bundles are merged into one node of the graph (an input used by two runs
        is one entity node with two incoming USED relations). A document with bundles of
        its own is saved flattened."""
        self._write(bundle, split(document))

    def bundle(self, bundle: str) -> ProvDocument | None:
        """Exactly the document saved under `bundle` (equal, by prov's ProvDocument ==, to
        what was saved), or None when nothing was saved under that name."""
        bodies = self._read_log(bundle)
        if bodies is None:
            return None
        document = ProvDocument()
        names = Names(document)
        for body in bodies:
            add_record(document, json.loads(body), names)
        return document

    def lineage(self, node_id: str, direction: str = "backward", depth: int = 10) -> ProvDocument:
        """The part of the graph that `node_id` (a full URI) comes from (backward), or that
        was made from it (forward), or both: follows wasGeneratedBy/used, wasDerivedFrom and
        hadMember (see RULES); `depth` counts activity or derivation hops from entity to
        entity (a 10-step chain needs depth 10 to reach its input from its output). Holds
        the nodes reached with their attributes, the relations traversed, and the agents
        associated with the activities reached; forward, also how the entities reached
        were invalidated, by which activities and agents. NotFound when node_id is unknown."""
        if direction not in DIRECTIONS:
            raise BadRequest(f"direction must be one of {', '.join(DIRECTIONS)}")
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
            raise BadRequest("depth must be a non-negative integer")
        start = key_of(node_id)
        result = Subgraph()
        for one in (("backward", "forward") if direction == "both" else (direction,)):
            part = self._subgraph(start, one, depth)
            if part is None:
                raise NotFound(f"no provenance about {start}")
            result.update(part)
        return result.document()

    @abstractmethod
    def find_entity(self, location: str, checksum: str | None = None) -> str | None:
        """The id (full URI) of the entity last saved with prov:location == location (and
        that checksum, when given), or None: how a run's input keeps its id across runs.
        "Last saved" is the latest save that first stated it, so re-saving an old bundle
        does not make its entities the latest again."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """{"bundles", "records", "nodes", "relations"}: whole-store counts, for tests and
        operators (they count every row: not for request paths)."""

    @abstractmethod
    def health(self) -> dict:
        """{"status": "ok"|"down", "store": <adapter>, ...}; never raises."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store may not be used afterwards."""

    def _replace_bundles(self, documents: dict[str, ProvDocument], version: int) -> bool:
        """A migration step: the documents saved under these bundle names replaced by
        `documents` and the schema version set to `version`, in one transaction; False (nothing
        changed) when the store is at `version` already or a bundle was added meanwhile.
        The whole store is rewritten: the graph merges what bundles say about a node and keeps
        no record of which bundle said it, so taking one bundle's part out of it means building
        the graph again from the logs (as migrations.upgrade does); with no documents, only
        the version is set."""
        if not documents:
            return self._mark(version)
        saved = []
        for name in self._bundle_names():
            document = documents[name] if name in documents else self.bundle(name)
            saved.append((name, split(document) if document is not None else None))
        return self._replace(saved, version)

    # The adapter's primitives.
    @abstractmethod
    def _write(self, bundle: str, parts: Split) -> None:
        """Add `parts` to the log of `bundle` and to the graph, in one transaction, adding
        only what is not there yet."""

    @abstractmethod
    def _read_log(self, bundle: str) -> list[str] | None:
        """The encoded records of `bundle` in the order they were first saved, or None."""

    @abstractmethod
    def _subgraph(self, start: str, direction: str, depth: int) -> Subgraph | None:
        """What lineage in one direction reaches from `start` (None: unknown node)."""
