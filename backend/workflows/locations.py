"""Inputs come from storage only: no job reaches the worker's disk or the network through a
File or Directory location.

A job's File and Directory values name logical paths in the zone (`/<zone>/...`), which the
worker stages. Any other location (file://, http(s)://, any URL, an absolute host path, a
relative path) would have cwltool read it from the worker's host. The workflow document
may name no location at all (documents.py refuses it at registration: the worker stages
nothing of the document's, so any location there is the host's).

Both are checked when a job is submitted (inputs: 400 naming the input; the document: 422
naming the place) and again before its worker stages it (the job fails saying why): a workflow registered before these rules, a
job queued before an upgrade, or a record changed behind the API's back, is held to them.
"""

from __future__ import annotations

import re
from typing import Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from backend.errors import BadRequest
from backend.workflows import documents

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CLASSES = ("File", "Directory")


def _kind(location: str, zone: str) -> str | None:
    """What `location` is when it is not a path in the zone; None when it is."""
    if SCHEME.match(location):
        return "a URL"
    if location == f"/{zone}" or location.startswith(f"/{zone}/"):
        return None
    return "a path outside storage" if location.startswith("/") else "a relative path"


def _locations(value) -> Iterator[str]:
    """Every File or Directory location (and OGC `href`) in a CWL value, nested ones too."""
    if isinstance(value, list):
        for item in value:
            yield from _locations(item)
    elif isinstance(value, dict):
        if value.get("class") in CLASSES:
            yield from (value[key] for key in ("location", "path") if isinstance(value.get(key), str))
        elif isinstance(value.get("href"), str):
            yield value["href"]
        for item in value.values():
            yield from _locations(item)


def check_inputs(inputs: dict, zone: str) -> None:
    """BadRequest naming the first input whose file is not in storage."""
    for port, value in inputs.items():
        for location in _locations(value):
            kind = _kind(location, zone)
            if kind:
                raise BadRequest(f"input {port}: {location} is {kind}: a job's files come from "
                                 f"storage only (/{zone}/...)")


def check_document(cwl: str) -> None:
    """The rule for documents (documents.py: self-contained, no File or Directory location)
    once more: a workflow registered before it, or a job record changed since, is held to it
    too. Unprocessable naming the place."""
    try:
        root = YAML(typ="safe", pure=True).compose(cwl)
    except YAMLError:
        return  # registered documents are YAML; cwltool says what is wrong with others
    if root is not None:
        documents.check_self_contained(root)
