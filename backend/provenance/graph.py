"""A provenance document as a graph for people: nodes, edges and a Graphviz picture.

The web interface's interactive graph (and any client that wants one) reads this instead of
PROV: each node is an entity (a file, a collection, an intermediate), an activity (a run,
a step, a data operation) or an agent, with a short label and where it leads: the storage
path of a file (through its prov:Location) and the job of a run or step. Locations are
folded into the entities at them; the content entities (same bytes, `content.<sha1>`) and
plans are left out (they are in the PROV downloads; the workflow page shows the plan).

Edges follow the data: a file an activity used points at the activity, an activity points
at what it generated; the other relations point from subject to object as PROV writes them
(an activity to its agent, a delegate to who it acted for, a collection to its members).

The picture is Graphviz's layout (`dot -Tsvg`, with a time limit): every node carries
`id="prov-node-<n>"` (n its index in `nodes`) and a class naming its kind, so a page can
bind the picture to the nodes; labels are text (Graphviz escapes them in the SVG).
"""

from __future__ import annotations

import re
import shutil
import subprocess

from prov.constants import PROV_LABEL, PROV_TYPE
from prov.model import ProvDocument

from backend.errors import ServiceUnavailable
from backend.provenance import vocabulary as v
from backend.provenance.visibility import job_of

KINDS = {"Entity": "entity", "Activity": "activity", "Agent": "agent"}
LEFT_OUT = {str(v.LOCATION), str(v.CONTENT), "prov:Plan"}
# Relations drawn in the direction data flows (from what was used to what was made).
FLOW = {"Usage": ("prov:entity", "prov:activity", "used by"),
        "Generation": ("prov:activity", "prov:entity", "generated"),
        "Derivation": ("prov:usedEntity", "prov:generatedEntity", "derived into"),
        "Communication": ("prov:informant", "prov:informed", "informed"),
        "Start": ("prov:starter", "prov:activity", "started"),
        "End": ("prov:ender", "prov:activity", "ended")}
OTHER = {"Association": "associated with", "Attribution": "attributed to",
         "Delegation": "on behalf of", "Membership": "has member",
         "Invalidation": "invalidated by", "Specialization": "specialises",
         "Alternate": "alternate of", "Influence": "influenced by"}
PICTURE_MAX_NODES = 300
STYLE = {"entity": 'shape=note, style=filled, fillcolor="#fff6d5", color="#8a6d00"',
         "activity": 'shape=box, style="filled,rounded", fillcolor="#dbe9ff", color="#1d4f91"',
         "agent": 'shape=house, style=filled, fillcolor="#fde0dc", color="#8c2f23"'}


def _text(value) -> str:
    return value.value if hasattr(value, "value") and not isinstance(value, str) else str(value)


def _short(uri: str) -> str:
    """The last part of an id: `.../run.<job>.step.count` -> `count`."""
    local = uri[len(v.ID.uri):] if uri.startswith(v.ID.uri) else uri
    return re.split(r"[/#]" if re.search(r"[/#]", local) else r"\.", local)[-1] or local


def build(document: ProvDocument, start: str | None = None, hidden: int = 0) -> dict:
    """{"start", "nodes": [{id, kind, label, types, path?, job?}], "edges": [{from, to,
    relation}], "hidden"}: the elements of `document` people look at, in a stable order."""
    locations = v.location_paths(document)
    nodes: dict[str, dict] = {}
    for record in document.get_records():
        if not record.is_element() or record.identifier is None:
            continue
        uri = record.identifier.uri
        types = sorted({str(value) for key, value in record.attributes if key == PROV_TYPE})
        if uri in locations or LEFT_OUT & set(types):
            continue
        kind = KINDS.get(record.get_type().localpart, "entity")
        node = nodes.setdefault(uri, {"id": uri, "kind": kind, "label": "", "types": []})
        node["types"] = sorted(set(node["types"]) | set(types))
        labels = [_text(value) for key, value in record.attributes if key == PROV_LABEL]
        paths = v.paths_of(document, record, locations)
        if paths and "path" not in node:
            node["path"] = paths[0]
        steps = [_text(value) for key, value in record.attributes if key == v.STEP]
        instances = [_text(value) for key, value in record.attributes if key == v.INSTANCE]
        if steps:  # a step's run is known by its step's name (and run, for a scatter)
            node["label"] = steps[0] + (f" #{instances[0]}" if instances else "")
        elif labels and not node["label"]:
            node["label"] = labels[0]
        if kind == "activity" and job_of(uri):
            node["job"] = job_of(uri)
    for node in nodes.values():
        if not node["label"]:
            node["label"] = node["path"].rsplit("/", 1)[-1] if node.get("path") else _short(node["id"])
        elif node.get("path"):  # a file is known by its name; its label says the role
            node["label"] = node["path"].rsplit("/", 1)[-1] or node["path"]
    edges, seen = [], set()
    for record in document.get_records():
        if record.is_element():
            continue
        kind = record.get_type().localpart
        named = {str(key): value.uri for key, value in record.formal_attributes
                 if value is not None and hasattr(value, "uri")}
        if kind in FLOW:
            source_key, target_key, relation = FLOW[kind]
            source, target = named.get(source_key), named.get(target_key)
        else:
            ends = [value.uri for _, value in record.formal_attributes[:2]
                    if value is not None and hasattr(value, "uri")]
            if len(ends) != 2:
                continue
            source, target = ends
            relation = OTHER.get(kind, kind)
        if source in nodes and target in nodes and (source, target, relation) not in seen:
            seen.add((source, target, relation))
            edges.append({"from": source, "to": target, "relation": relation})
    ordered = sorted(nodes.values(), key=lambda node: (
        node["id"] != start, ["entity", "activity", "agent"].index(node["kind"]),
        node["label"].lower(), node["id"]))
    return {"start": start, "nodes": ordered, "edges": edges, "hidden": hidden}


def _quote(text: str) -> str:
    """A Graphviz double-quoted string of `text`: backslashes and quotes escaped (labels are
    escStrings, so a backslash would start an escape), control characters dropped."""
    text = "".join(char for char in str(text) if char >= " " or char == "\t")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(graph: dict) -> str:
    """Graphviz source: data flows left to right in solid arrows (used, generated), derivations
    dotted, the rest (agents, members, invalidations) dashed and grey; no edge labels (the
    JSON names each relation), so that the picture stays readable."""
    index = {node["id"]: number for number, node in enumerate(graph["nodes"])}
    lines = ["digraph provenance {", "rankdir=LR;", 'bgcolor="transparent";',
             "nodesep=0.25;", "ranksep=0.45;",
             'node [fontname="sans-serif", fontsize=12, margin="0.12,0.05", height=0.3];',
             'edge [color="#4a5563", arrowsize=0.7];']
    for number, node in enumerate(graph["nodes"]):
        label = node["label"] if len(node["label"]) <= 40 else node["label"][:39] + "…"
        classes = f"{node['kind']}" + (" start" if node["id"] == graph.get("start") else "")
        extra = ", penwidth=3" if node["id"] == graph.get("start") else ""
        lines.append(f"n{number} [id={_quote(f'prov-node-{number}')}, class={_quote(classes)}, "
                     f"label={_quote(label)}, {STYLE[node['kind']]}{extra}];")
    flows = {relation for _, _, relation in FLOW.values()}
    for edge in graph["edges"]:
        style = ("" if edge["relation"] in flows and edge["relation"] != "derived into"
                 else " [style=dotted]" if edge["relation"] == "derived into"
                 else ' [style=dashed, color="#9aa4b1"]')
        lines.append(f"n{index[edge['from']]} -> n{index[edge['to']]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def picture(graph: dict, timeout: float = 10) -> str | None:
    """The SVG picture of `graph` (None when it has more than PICTURE_MAX_NODES nodes: the
    node list is then the graph); ServiceUnavailable without Graphviz or when it fails."""
    if len(graph["nodes"]) > PICTURE_MAX_NODES:
        return None
    if shutil.which("dot") is None:
        raise ServiceUnavailable("the provenance graph needs Graphviz's dot program on the server")
    try:
        done = subprocess.run(["dot", "-Tsvg"], input=dot_source(graph).encode(),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ServiceUnavailable(f"laying out the provenance graph took longer than {timeout:g} s") from None
    if done.returncode != 0:
        raise ServiceUnavailable("Graphviz could not lay out the provenance graph: "
                                 + done.stderr.decode(errors="replace").strip()[:300])
    return done.stdout.decode("utf-8")
