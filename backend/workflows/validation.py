"""CWL validation with cwltool / schema-salad: the validator's own message, or a summary.

cwltool resolves a document by URI, so the text is written to a private temporary
directory and loaded from there; paths of that directory are removed from messages.
Only self-contained documents are accepted (packed, or with steps inline): a `run:`
pointing at another file could not be resolved when the workflow runs later.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from pathlib import Path

from backend.errors import Unprocessable

DOCUMENT_NAME = "workflow.cwl"
MAX_DOCUMENT_SIZE = 2 * 1024 * 1024
# How the temporary copy's path appears in messages (absolute, relative or as a URI).
TEMPORARY_PATH = re.compile("[^\\s'\"]*/" + re.escape(DOCUMENT_NAME))


def _quiet_cwltool() -> None:
    # cwltool logs "Resolved ... to file:///tmp/..." at INFO for every document.
    for name in ("cwltool", "salad"):
        logging.getLogger(name).setLevel(logging.WARNING)


def validate(text: str) -> dict:
    """A summary of a valid CWL document: class, cwlVersion, inputs, outputs, steps, sha256.

    Unprocessable with the validator's message when it is not valid CWL.
    """
    if not isinstance(text, str) or not text.strip():
        raise Unprocessable("the CWL document is empty")
    if len(text.encode()) > MAX_DOCUMENT_SIZE:
        raise Unprocessable(f"the CWL document is larger than {MAX_DOCUMENT_SIZE} bytes")
    from cwltool.context import LoadingContext
    from cwltool.load_tool import fetch_document, resolve_and_validate_document

    _quiet_cwltool()  # after the import: cwltool sets its logger up when imported

    with tempfile.TemporaryDirectory(prefix="cwl-") as directory:
        path = Path(directory) / DOCUMENT_NAME
        path.write_text(text, encoding="utf-8")
        try:
            context, document, uri = fetch_document(str(path), LoadingContext({"do_update": False}))
            context, uri = resolve_and_validate_document(context, document, uri)
        except Exception as exc:  # schema-salad's ValidationException, YAML errors, ...
            # The temporary directory, however it is spelt (path, relative path, URI).
            below = re.compile("[^\\s'\"]*" + re.escape(Path(directory).name) + "/")
            message = below.sub("", TEMPORARY_PATH.sub(DOCUMENT_NAME, str(exc)))
            raise Unprocessable(f"invalid CWL: {message.strip()}") from None
        process = context.loader.idx.get(uri) if context.loader else None
    return _summary(document if process is None else process, text)


def _short(identifier) -> str:
    """`file:///tmp/x/workflow.cwl#main/count/out` -> `count/out` (packed `#main/` removed)."""
    name = str(identifier).rsplit("#", 1)[-1]
    return name[len("main/"):] if name.startswith("main/") else name


def _last(identifier) -> str:
    return _short(identifier).rsplit("/", 1)[-1]


def _names(items) -> list[str]:
    if isinstance(items, dict):
        return sorted(items)
    return sorted(_last(item.get("id", "")) for item in items or [] if isinstance(item, dict))


def _step_order(steps) -> list[str]:
    """Step names in an order cwltool could run them (a step after those it takes input
    from), ties by name: the order users read a job's steps in."""
    if isinstance(steps, dict) or not steps:
        return _names(steps)
    needs = {}
    for step in steps:
        sources = []
        for port in step.get("in") or []:
            source = port.get("source") if isinstance(port, dict) else None
            sources += source if isinstance(source, list) else [source] if source else []
        needs[_last(step.get("id", ""))] = {_short(source).split("/", 1)[0]
                                            for source in sources if "/" in _short(source)}
    order: list[str] = []
    while len(order) < len(needs):
        ready = sorted(name for name, after in needs.items()
                       if name not in order and after <= set(order) | (after - set(needs)))
        if not ready:  # a cycle (invalid CWL would not get here): keep the rest by name
            ready = sorted(set(needs) - set(order))
        order.extend(ready[:1])
    return order


def _plain_type(value):
    """A CWL type with the document's URIs taken out of names (`File`, `{"type": "array", ...}`)."""
    if isinstance(value, str):
        return _last(value) if "#" in value else value
    if isinstance(value, list):
        return [_plain_type(item) for item in value]
    if isinstance(value, dict):
        return {key: (_plain_type(item) if key in ("type", "items", "fields", "symbols") else item)
                for key, item in value.items() if key not in ("id", "doc", "label")}
    return value


def _input_specs(main) -> dict:
    """Per input port: its type and whether a job must give it (no default, not optional)."""
    items = main.get("inputs") or []
    if isinstance(items, dict):  # not resolved: cwltool always hands lists back
        return {}
    specs = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = _plain_type(item.get("type"))
        optional = "default" in item or kind == "null" or (isinstance(kind, list) and "null" in kind)
        specs[_last(item.get("id", ""))] = {"type": kind, "required": not optional}
    return specs


def _output_steps(main) -> dict:
    """Per output port of a workflow: the step that produces it (from its outputSource)."""
    steps = {}
    for item in main.get("outputs") or []:
        if isinstance(item, dict) and main.get("class") == "Workflow":
            source = item.get("outputSource")
            source = source[0] if isinstance(source, list) and source else source
            if isinstance(source, str) and "/" in _short(source):
                steps[_last(item.get("id", ""))] = _short(source).split("/", 1)[0]
    return steps


def _summary(document, text: str) -> dict:
    if isinstance(document, dict) and "$graph" in document:
        main = next((item for item in document["$graph"]
                     if str(item.get("id", "")).endswith("#main")), document["$graph"][0])
    else:
        main = document
    return {
        "class": main.get("class"),
        "cwl_version": main.get("cwlVersion") or document.get("cwlVersion"),
        "inputs": _names(main.get("inputs")),
        "outputs": _names(main.get("outputs")),
        "steps": _step_order(main.get("steps")) if main.get("class") == "Workflow" else [],
        "input_types": _input_specs(main),
        "output_steps": _output_steps(main),
        "checksum": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
    }
