"""A registered workflow as an OGC API - Processes 1.0 process: its summary and its description
(inputs and outputs with JSON schemas), read from the CWL document.

CWL types become schemas: File -> a string with contentEncoding binary and the media type of
its CWL `format` (an IANA media type URI) or application/octet-stream; Directory -> a URI
string; int/long -> integer, float/double -> number, string, boolean; enum -> a string enum;
arrays (`File[]`) -> maxOccurs "unbounded" with the item's schema (an OGC input given several
times is a JSON array); optional (`X?`, a default) -> minOccurs 0. Titles and descriptions are
the ports' CWL `label` and `doc`.

Input types come from the registry's summary (cwltool resolved them when the version was
registered); labels, docs, formats and output types from the document's text, read with a
safe YAML loader (the document passed the registry's bounds and validation already). The
description of a version is cached by its checksum.
"""

from __future__ import annotations

import json
import threading

from ruamel.yaml import YAML

from backend.workflows.models import Workflow

PROCESS_VERSION_SEPARATOR = "@"  # "name@version": one version; "name": its owner's latest
IANA = "https://www.iana.org/assignments/media-types/"
OCTET_STREAM = "application/octet-stream"
SCALAR_SCHEMAS = {"int": {"type": "integer"}, "long": {"type": "integer"},
                  "float": {"type": "number"}, "double": {"type": "number"},
                  "string": {"type": "string"}, "boolean": {"type": "boolean"}}
JOB_CONTROL = ["async-execute", "sync-execute", "dismiss"]
# Outputs are stored, then offered as links to /api/data (never inline).
TRANSMISSION = ["reference"]

_cache: dict[str, dict] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 256


def split_process_id(process_id: str) -> tuple[str, str | None]:
    name, separator, version = process_id.partition(PROCESS_VERSION_SEPARATOR)
    return name, (version or None) if separator else None


def _text(value) -> str | None:
    if isinstance(value, list):
        value = "\n".join(str(item) for item in value)
    return str(value) if value not in (None, "") else None


def _shorthand(kind):
    """CWL's type shorthands expanded: `File[]` -> array of File, `int?` -> ["null", "int"]."""
    if isinstance(kind, str):
        if kind.endswith("?"):
            return ["null", _shorthand(kind[:-1])]
        if kind.endswith("[]"):
            return {"type": "array", "items": _shorthand(kind[:-2])}
        return kind.rsplit("#", 1)[-1]
    if isinstance(kind, list):
        return [_shorthand(item) for item in kind]
    if isinstance(kind, dict):
        expanded = dict(kind)
        if "items" in expanded:
            expanded["items"] = _shorthand(expanded["items"])
        if isinstance(expanded.get("type"), (str, list)) and expanded.get("type") not in (
                "array", "enum", "record"):
            return _shorthand(expanded["type"])
        return expanded
    return kind


def _ports(section) -> dict[str, dict]:
    """{port name: its CWL fields} from a list (`- id: x`) or a map (`x: File`) of ports."""
    ports = {}
    if isinstance(section, dict):
        for name, value in section.items():
            ports[str(name)] = value if isinstance(value, dict) else {"type": value}
    elif isinstance(section, list):
        for item in section:
            if isinstance(item, dict) and item.get("id"):
                ports[str(item["id"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]] = item
    return ports


def _main(document) -> dict:
    if isinstance(document, dict) and isinstance(document.get("$graph"), list):
        graph = [item for item in document["$graph"] if isinstance(item, dict)]
        return next((item for item in graph if str(item.get("id", "")).lstrip("#") == "main"),
                    graph[0] if graph else {})
    return document if isinstance(document, dict) else {}


def _media_type(cwl_format, namespaces: dict) -> str | None:
    """The media type a CWL `format` names, when it is an IANA media type URI (or
    `prefix:type/subtype` with an IANA prefix)."""
    if not isinstance(cwl_format, str):
        return None
    prefix, _, rest = cwl_format.partition(":")
    if prefix in namespaces and not rest.startswith("//"):
        cwl_format = str(namespaces[prefix]) + rest
    return cwl_format[len(IANA):] if cwl_format.startswith(IANA) else None


def _schema(kind, media_type: str | None) -> tuple[dict, bool, bool]:
    """(JSON schema, optional, repeated) of a CWL type."""
    if isinstance(kind, list):
        rest = [item for item in kind if item != "null"]
        optional = len(rest) < len(kind)
        if len(rest) == 1:
            schema, inner_optional, repeated = _schema(rest[0], media_type)
            return schema, optional or inner_optional, repeated
        return {"oneOf": [_item_schema(item, media_type) for item in rest]}, optional, False
    if isinstance(kind, dict) and kind.get("type") == "array":
        return _item_schema(kind.get("items"), media_type), False, True
    return _item_schema(kind, media_type), kind == "null", False


def _item_schema(kind, media_type: str | None) -> dict:
    if kind == "File":
        return {"type": "string", "contentEncoding": "binary",
                "contentMediaType": media_type or OCTET_STREAM}
    if kind == "Directory":
        return {"type": "string", "format": "uri",
                "description": "a storage collection, given as {\"href\": ...}"}
    if isinstance(kind, str) and kind in SCALAR_SCHEMAS:
        return dict(SCALAR_SCHEMAS[kind])
    if isinstance(kind, dict):
        if kind.get("type") == "enum":
            symbols = [str(symbol).rsplit("/", 1)[-1] for symbol in kind.get("symbols") or []]
            return {"type": "string", "enum": symbols} if symbols else {"type": "string"}
        if kind.get("type") == "array":
            return {"type": "array", "items": _item_schema(kind.get("items"), media_type)}
        if kind.get("type") == "record":
            return {"type": "object"}
    if isinstance(kind, list):
        return _schema(kind, media_type)[0]
    return {}  # Any, or a type cwltool alone understands: any JSON value


def _describe_port(name: str, fields: dict, kind, namespaces: dict, *,
                   required: bool | None = None) -> dict:
    media_type = _media_type(fields.get("format"), namespaces)
    schema, optional, repeated = _schema(kind, media_type)
    described = {"title": _text(fields.get("label")) or name, "schema": schema}
    if _text(fields.get("doc")):
        described["description"] = _text(fields["doc"])
    if required is not None:  # inputs only
        optional = optional or not required or "default" in fields
        described["minOccurs"] = 0 if optional else 1
        described["maxOccurs"] = "unbounded" if repeated else 1
        default = fields.get("default")
        if isinstance(default, (str, int, float, bool)):
            described["schema"] = {**schema, "default": default}
    elif repeated:
        described["schema"] = {"type": "array", "items": schema}
    return described


def _read(cwl: str) -> dict:
    yaml = YAML(typ="safe", pure=True)
    try:
        return _main(yaml.load(cwl))
    except Exception:  # registered documents were valid; an unreadable one is described bare
        return {}


def _ports_description(workflow: Workflow) -> dict:
    with _cache_lock:
        cached = _cache.get(workflow.checksum)
    if cached is not None:
        return cached
    summary = json.loads(workflow.summary)
    main = _read(workflow.cwl)
    namespaces = main.get("$namespaces") or {}
    if not isinstance(namespaces, dict):
        namespaces = {}
    input_fields, output_fields = _ports(main.get("inputs")), _ports(main.get("outputs"))
    specs = summary.get("input_types") or {}
    inputs = {}
    for name in summary.get("inputs") or sorted(specs):
        fields = input_fields.get(name, {})
        spec = specs.get(name) or {"type": _shorthand(fields.get("type")), "required": True}
        inputs[name] = _describe_port(name, fields, spec["type"], namespaces,
                                      required=spec["required"])
    outputs = {name: _describe_port(name, fields, _shorthand(fields.get("type")), namespaces)
               for name, fields in output_fields.items()}
    described = {"title": _text(main.get("label")), "description": _text(main.get("doc")),
                 "inputs": inputs, "outputs": outputs}
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[workflow.checksum] = described
    return described


def summary(workflow: Workflow, links: list[dict]) -> dict:
    """The processSummary of a workflow version."""
    ports = _ports_description(workflow)
    described = {"id": workflow.name, "version": workflow.version,
                 "title": ports["title"] or workflow.name}
    if ports["description"]:
        described["description"] = ports["description"]
    described.update(keywords=["cwl", str(json.loads(workflow.summary).get("class") or "Workflow")],
                     jobControlOptions=list(JOB_CONTROL), outputTransmission=list(TRANSMISSION),
                     links=links)
    return described


def description(workflow: Workflow, links: list[dict]) -> dict:
    """The process description (process.yaml) of a workflow version."""
    ports = _ports_description(workflow)
    return {**summary(workflow, links), "inputs": ports["inputs"], "outputs": ports["outputs"]}


def input_is_repeated(workflow: Workflow, name: str) -> bool:
    """Whether the input port takes a list (an OGC input given as one value is then wrapped)."""
    kind = ((json.loads(workflow.summary).get("input_types") or {}).get(name) or {}).get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), None)
    return isinstance(kind, dict) and kind.get("type") == "array"


def is_file_port(workflow: Workflow, name: str) -> bool:
    kind = ((json.loads(workflow.summary).get("input_types") or {}).get(name) or {}).get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    for each in kinds:
        if isinstance(each, dict) and each.get("type") == "array":
            each = each.get("items")
        if each in ("File", "Directory"):
            return True
    return False
