"""The names provenance records use: namespaces, identifiers, attributes.

Identifiers are URIs under ID (`https://w3id.org/rapydo/id/...`) so that records from
different deployments never collide; terms of our own are under TERMS. Standard terms
come from PROV (prov:location, prov:role, ...), wfprov / wfdesc (workflow runs and plans,
as cwltool's --provenance uses them) and schema.org.
"""

from __future__ import annotations

from prov.constants import PROV
from prov.model import Namespace

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
# prov:location holds the storage path (PROV_LOCATION in prov.constants).

# Attributes of activities.
EXIT_CODE = TERMS["exitCode"]
STATUS = TERMS["status"]
ERROR_MESSAGE = TERMS["errorMessage"]
STDERR = TERMS["stderr"]  # a reference to the step's log: /api/jobs/<id>/logs?step=<name>
JOB = TERMS["job"]
ACCOUNT = TERMS["irodsAccount"]
VERSION = TERMS["version"]
HOSTNAME = TERMS["hostname"]

PROV_PERSON, PROV_COLLECTION = PROV["Person"], PROV["Collection"]

# Types of our own activities for data operations through the API.
UPLOAD, COPY, MOVE, DELETE = (TERMS["Upload"], TERMS["Copy"], TERMS["Move"], TERMS["Delete"])


def run_id(job_id: str):
    return ID[f"run/{job_id}"]


def step_id(job_id: str, step: str):
    return ID[f"run/{job_id}/step/{step}"]


def output_id(job_id: str, port: str, index: int):
    """The entity of the index-th file a job stored for an output port (also an AVU on it)."""
    return ID[f"run/{job_id}/output/{port}/{index}"]


def bundle_of_job(job_id: str) -> str:
    """The name a job's records are saved under in the store."""
    return f"job:{job_id}"
