"""The names provenance records use: namespaces, identifiers, attributes.

Identifiers are URIs under ID (`https://w3id.org/rapydo/id/...`) so that records from
different deployments never collide; terms of our own are under TERMS. Standard terms
come from PROV (prov:location, prov:role, ...), wfprov / wfdesc (workflow runs and plans,
as cwltool's --provenance uses them) and schema.org.

Every identifier is a namespace and a local part that is an XML NCName (`ident`): PROV-XML
writes ids as QNames (`prov:id="rapydo:run.<job>.step.count"`), which the W3C schema checks,
and the same qualified name is then valid in PROV-N, PROV-JSON and every RDF serialisation, so
an id is the same URI in every format and store. A local part is a path of segments
(`run/<job>/step/count` as identifiers were named before) joined by "."; characters outside
[A-Za-z0-9-] are escaped as `_<hex>` (`_` itself as `__`), so that different segments never
make the same id. `migrations.py` renames identifiers stored in the old shape the same way.

Storage paths are `prov:Location`s: an entity that stands for a storage object has
`prov:location` naming a location node (an entity of type prov:Location, one per path, with
the path in `rapydo-terms:path`), not a literal: PROV-O's range of prov:atLocation is
prov:Location. `paths_by_entity(document)` is how readers get back from an entity to its path.
"""

from __future__ import annotations

import re
import uuid

from prov.constants import PROV, PROV_LOCATION, PROV_TYPE
from prov.identifier import QualifiedName
from prov.model import Literal, Namespace, ProvDocument

ID = Namespace("rapydo", "https://w3id.org/rapydo/id/")
TERMS = Namespace("rapydo-terms", "https://w3id.org/rapydo/terms#")
WFPROV = Namespace("wfprov", "http://purl.org/wf4ever/wfprov#")
WFDESC = Namespace("wfdesc", "http://purl.org/wf4ever/wfdesc#")
SCHEMA = Namespace("schema", "http://schema.org/")
FOAF = Namespace("foaf", "http://xmlns.com/foaf/0.1/")
NAMESPACES = (ID, TERMS, WFPROV, WFDESC, SCHEMA, FOAF)

# Attributes of entities that stand for storage objects.
CHECKSUM = TERMS["checksum"]  # "sha2:<base64 sha256>", as iRODS shows it
SHA256 = TERMS["sha256"]  # the same digest in hex (what RO-Crate and STAC expect)
SIZE = TERMS["size"]
# prov:location names a prov:Location (location_id), whose path is PATH.
PATH = TERMS["path"]
LOCATION = PROV["Location"]
SHA1 = TERMS["sha1"]  # the content digest cwltool names data by (data:<sha1>)
CONTENT = TERMS["Content"]  # the type of a content entity (what same-bytes data specialise)

# Attributes of activities.
EXIT_CODE = TERMS["exitCode"]
STATUS = TERMS["status"]
ERROR_MESSAGE = TERMS["errorMessage"]
STDERR = TERMS["stderr"]  # a reference to the step's log: /api/jobs/<id>/logs?step=<name>
JOB = TERMS["job"]
STEP = TERMS["step"]  # the workflow step an activity is a run of
INSTANCE = TERMS["instance"]  # which run (from 1) of a scattered step
ACCOUNT = TERMS["irodsAccount"]
VERSION = TERMS["version"]
HOSTNAME = TERMS["hostname"]

PROV_PERSON, PROV_COLLECTION = PROV["Person"], PROV["Collection"]

# Types of our own activities for data operations through the API.
UPLOAD, COPY, MOVE, DELETE = (TERMS["Upload"], TERMS["Copy"], TERMS["Move"], TERMS["Delete"])


_PLAIN = re.compile(r"[A-Za-z0-9-]")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
LOCATION_NAMESPACE = uuid.UUID("0b7f6a5e-3c1d-4b8e-9f2a-5d6c7e8f9a0b")


def _escape(segment: str) -> str:
    out = []
    for char in str(segment):
        if _PLAIN.match(char):
            out.append(char)
        elif char == "_":
            out.append("__")
        else:
            out.append("".join(f"_{byte:02x}" for byte in char.encode("utf-8")))
    return "".join(out)


def local(path: str) -> str:
    """The NCName local part of an identifier given as a path of segments: `run/<job>/step/x`
    -> `run.<job>.step.x`. The first segment is always a word (run, op, user, ...)."""
    return ".".join(_escape(segment) for segment in str(path).split("/"))


def is_ncname(text: str) -> bool:
    return bool(_NCNAME.match(text))


def ident(path: str) -> QualifiedName:
    """The identifier (in ID) of `path`: see the module's docstring."""
    return ID[local(path)]


def current_uri(uri: str) -> str:
    """An entity URI as this version names it: one in the shape of before schema version 2
    (`.../id/run/<job>/output/x/0`, still in the `rapydo.prov.entity` AVU of outputs stored
    then) renamed as backend/provenance/migrations.py renamed it in the store."""
    if uri.startswith(ID.uri) and not is_ncname(uri[len(ID.uri):]):
        return ID.uri + local(uri[len(ID.uri):])
    return uri


def name_in(namespace: Namespace, path: str) -> QualifiedName:
    """A name in another namespace (the workflow's `wf`), made valid the same way."""
    return namespace[local(path)]


def run_id(job_id: str):
    return ident(f"run/{job_id}")


def step_id(job_id: str, step: str):
    return ident(f"run/{job_id}/step/{step}")


def instance_id(job_id: str, step: str, number: int):
    """The number-th run (from 1) of a scattered step."""
    return ident(f"run/{job_id}/step/{step}/instance/{number}")


def output_id(job_id: str, port: str, index: int):
    """The entity of the index-th file a job stored for an output port (also an AVU on it)."""
    return ident(f"run/{job_id}/output/{port}/{index}")


def user_id(username: str):
    return ident(f"user/{username}")


def software_id(name: str, version: str):
    return ident(f"software/{name}/{version}")


def content_id(sha1: str):
    """The content of data (its bytes), shared by every entity with those bytes."""
    return ident(f"content/{sha1}")


def location_id(path: str):
    """The prov:Location of a storage path."""
    return ident(f"location/{uuid.uuid5(LOCATION_NAMESPACE, path)}")


def add_location(document: ProvDocument, path: str) -> QualifiedName:
    """Declare the location of `path` in `document` (once) and return its id."""
    identifier = location_id(path)
    if not document.get_record(identifier):
        document.entity(identifier, [(PROV_TYPE, LOCATION), (PATH, path)])
    return identifier


def _text(value) -> str:
    return value.value if isinstance(value, Literal) else str(value)


def location_paths(document: ProvDocument) -> dict[str, str]:
    """Location id (full URI) -> storage path, for the prov:Locations declared in `document`."""
    found = {}
    for record in document.get_records():
        if record.is_element():
            paths = [value for key, value in record.attributes if key == PATH]
            if paths and LOCATION in {value for key, value in record.attributes if key == PROV_TYPE}:
                found[record.identifier.uri] = _text(paths[0])
    return found


def paths_of(document: ProvDocument, element, locations: dict[str, str] | None = None) -> list[str]:
    """The storage paths `element` is at: its prov:location's path (a literal in records made
    before locations were prov:Location: read too)."""
    locations = location_paths(document) if locations is None else locations
    paths = []
    for key, value in element.attributes:
        if key != PROV_LOCATION:
            continue
        if isinstance(value, QualifiedName):
            if value.uri in locations:
                paths.append(locations[value.uri])
        else:
            paths.append(_text(value))
    return paths


def paths_by_entity(document: ProvDocument) -> dict[str, list[str]]:
    """Entity id (full URI) -> its storage paths, for every located element of `document`:
    the adapter for readers of `prov:location` (describe.py, crate, STAC, views)."""
    locations = location_paths(document)
    found: dict[str, list[str]] = {}
    for record in document.get_records():
        if record.is_element():
            for path in paths_of(document, record, locations):
                found.setdefault(record.identifier.uri, [])
                if path not in found[record.identifier.uri]:
                    found[record.identifier.uri].append(path)
    return found


def software_versions(document: ProvDocument) -> dict[str, str]:
    """name -> version of the software agents in `document` (their label is "<name> <version>")."""
    found = {}
    for record in document.get_records():
        if record.is_element() and record.identifier.uri.startswith(ident("software/").uri[:-1]):
            versions = [_text(value) for key, value in record.attributes if key == VERSION]
            labels = [_text(value) for key, value in record.attributes if str(key) == "prov:label"]
            if versions and labels:
                found[labels[0].rsplit(" ", 1)[0]] = versions[0]
    return found


def bundle_of_job(job_id: str) -> str:
    """The name a job's records are saved under in the store."""
    return f"job:{job_id}"
