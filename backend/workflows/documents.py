"""A submitted CWL document, read with bounds and checked to be self-contained before any
CWL tool sees it.

The document is YAML (JSON is YAML), read with ruamel as schema-salad and cwltool read it.
It is composed into nodes while counting nodes, aliases and nesting, and the nodes' size
and depth once aliases are expanded are measured before anything is constructed: an alias
bomb or a deeply nested document costs a bounded amount of work and gets a 422.

Self-contained means nothing outside the text is needed to validate or run it: no
`$include`, `$import`, `$mixin`, `$schemas`, `$base` or `cwl:tool`; every step's `run` is a process
written inline (or, in a packed `$graph`, `#id` of a process in that graph); no File or
Directory literal names a location; no Docker image is loaded from a file or a URL.
Whatever the loaders would read is refused here, unread, and messages name only places
in the submitted text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from backend.errors import PayloadTooLarge, Unprocessable

DOCUMENT_NAME = "workflow.cwl"
# Keys with which schema-salad and cwltool pull in other documents (a file, a URL).
REFERENCE_KEYS = ("$include", "$import", "$mixin", "$schemas", "$base")
# Values naming a file or URL, per class of the object holding them.
REFERENCE_FIELDS = {"File": ("location", "path"), "Directory": ("location", "path"),
                    "DockerRequirement": ("dockerLoad", "dockerImport")}
SELF_CONTAINED = "a registered workflow must be self-contained: nothing is read from files or URLs"


@dataclass(frozen=True)
class Limits:
    """What a document may cost; the values are settings (WORKFLOW_MAX_* in confs/defaults.yml)."""

    max_size: int  # bytes of the document
    max_aliases: int  # YAML aliases (*name) in it
    max_nodes: int  # YAML nodes, and nodes once every alias is expanded
    max_depth: int  # nesting of mappings, sequences and scalars, aliases expanded
    timeout: float  # seconds reading and validating it may take

    @classmethod
    def from_settings(cls, settings) -> "Limits":
        return cls(max_size=settings.workflow_max_size, max_aliases=settings.workflow_max_aliases,
                   max_nodes=settings.workflow_max_nodes, max_depth=settings.workflow_max_depth,
                   timeout=settings.workflow_validation_timeout)

    @property
    def max_request(self) -> int:
        # A JSON body carries the document as a string, where escaping can take up to six
        # bytes per character (\uXXXX), plus the default inputs.
        return 8 * self.max_size


def _at(node_or_mark) -> str:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return f"{DOCUMENT_NAME}:{mark.line + 1}:{mark.column + 1}" if mark else DOCUMENT_NAME


def check_size(text: str, limits: Limits) -> None:
    if not isinstance(text, str) or not text.strip():
        raise Unprocessable("the CWL document is empty")
    if len(text.encode()) > limits.max_size:
        raise PayloadTooLarge(f"the CWL document is larger than {limits.max_size} bytes")


class _BoundedComposer(Composer):
    """ruamel's composer, counting as it goes: it stops at the first node or alias over the
    limits (ruamel itself stops at `max_depth`), before the rest of the text is read."""

    nodes = aliases = 0

    def compose_node(self, parent, index):
        limits, event = self.loader.limits, self.parser.peek_event()
        self.nodes += 1
        if self.nodes > limits.max_nodes:
            raise Unprocessable(f"invalid CWL: more than {limits.max_nodes} YAML nodes")
        if isinstance(event, AliasEvent):
            self.aliases += 1
            if self.aliases > limits.max_aliases:
                raise Unprocessable(f"invalid CWL: {_at(event)}: more than {limits.max_aliases} "
                                    f"YAML aliases")
        return super().compose_node(parent, index)


def parse(text: str, limits: Limits) -> Node:
    """The document's root node; PayloadTooLarge or Unprocessable when it is out of bounds
    or not YAML."""
    check_size(text, limits)
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer, yaml.max_depth, yaml.limits = _BoundedComposer, limits.max_depth, limits
    try:
        root = yaml.compose(text)
    except MaxDepthExceededError as exc:
        raise Unprocessable(f"invalid CWL: {_at(exc.problem_mark)}: nested deeper than "
                            f"{limits.max_depth} levels") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise Unprocessable(f"invalid CWL: {_at(mark)}: {exc.context or ''} "
                            f"{exc.problem or ''}".replace("  ", " ").strip()) from None
    except YAMLError as exc:
        raise Unprocessable(f"invalid CWL: {DOCUMENT_NAME}: {exc}") from None
    if root is None:
        raise Unprocessable("the CWL document is empty")
    _measure(root, limits)
    return root


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _measure(root: Node, limits: Limits) -> None:
    """Refuse a document whose alias expansion is too large or too deep. Each distinct node
    is measured once (an alias is the node it names), so this costs what the text holds; a
    recursive alias never ends and so goes too deep."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes expanded, height)

    def visit(node: Node, depth: int) -> tuple[int, int]:
        if depth > limits.max_depth:
            raise Unprocessable(f"invalid CWL: {_at(node)}: nested deeper than {limits.max_depth} "
                                f"levels once aliases are expanded")
        known = measured.get(id(node))
        if known is None:
            size, height = 1, 0
            for child in _children(node):
                child_size, child_height = visit(child, depth + 1)
                size, height = size + child_size, max(height, child_height + 1)
                if size > limits.max_nodes:
                    raise Unprocessable(f"invalid CWL: more than {limits.max_nodes} YAML nodes once "
                                        f"aliases are expanded")
            known = measured[id(node)] = (size, height)
        if depth + known[1] > limits.max_depth:
            visit(node, limits.max_depth + 1)  # raises, naming this node
        return known

    visit(root, 1)


def _local(name: str) -> str:
    """`https://w3id.org/cwl/cwl#run` and `cwl:run` are `run` to schema-salad."""
    return name.rsplit("#", 1)[-1].rsplit(":", 1)[-1]


def _fields(mapping: MappingNode) -> dict[str, Node]:
    return {_local(key.value): value for key, value in mapping.value if isinstance(key, ScalarNode)}


def _mappings(root: Node) -> list[MappingNode]:
    """Every distinct mapping in the document (iteratively: nesting is bounded already)."""
    seen, found, todo = set(), [], [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            found.append(node)
        todo.extend(_children(node))
    return found


def _graph_ids(root: Node) -> set[str]:
    graph = _fields(root).get("$graph") if isinstance(root, MappingNode) else None
    if not isinstance(graph, SequenceNode):
        return set()
    ids = (_fields(item).get("id") for item in graph.value if isinstance(item, MappingNode))
    return {node.value.lstrip("#") for node in ids if isinstance(node, ScalarNode)}


def _steps(node: Node) -> list[MappingNode]:
    entries = node.value if isinstance(node, SequenceNode) else \
        [value for _, value in node.value] if isinstance(node, MappingNode) else []
    return [entry for entry in entries if isinstance(entry, MappingNode)]


def check_self_contained(root: Node) -> None:
    """Unprocessable, naming the place, at the first reference to anything outside the text."""
    in_graph = _graph_ids(root)
    for mapping in _mappings(root):
        for key, _ in mapping.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name in REFERENCE_KEYS or (name and name != _local(name) and _local(name) == "tool"):
                raise Unprocessable(f"{_at(key)}: '{name}' is not allowed: {SELF_CONTAINED}")
        fields = _fields(mapping)
        for step in _steps(fields.get("steps")):
            run = _fields(step).get("run")
            if isinstance(run, ScalarNode) and not (run.value.startswith("#")
                                                     and run.value.lstrip("#") in in_graph):
                raise Unprocessable(f"{_at(run)}: a step's 'run' must be the process itself, written "
                                    f"inline (or '#id' of a process in the document's $graph), "
                                    f"not a reference ({run.value[:100]!r}): {SELF_CONTAINED}")
        kind = fields.get("class")
        kind = _local(kind.value) if isinstance(kind, ScalarNode) else None
        for field in REFERENCE_FIELDS.get(kind, ()):
            if field in fields:
                raise Unprocessable(f"{_at(fields[field])}: '{field}' of a {kind} is not allowed: "
                                    f"{SELF_CONTAINED} (a job's files are its inputs, from storage)")
