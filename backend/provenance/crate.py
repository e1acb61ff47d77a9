"""A finished job as a Workflow Run RO-Crate, zipped (`GET /api/jobs/<id>/crate`).

The crate is an RO-Crate 1.1 crate that conforms to the released Workflow Run RO-Crate
profiles 0.5 (https://w3id.org/ro/wfrun/): Process Run Crate and Workflow Run Crate always,
Provenance Run Crate when the run has step records, and Workflow RO-Crate 1.0 (the 0.5
profiles build on RO-Crate 1.1 and Workflow RO-Crate 1.0; rocrate-validator checks them so).
Every term is defined: the RO-Crate 1.1 context, the workflow-run terms context (sha256),
and `exitCode` as an ad hoc term of ours (the same IRI the PROV records use, described in
the crate as an rdf:Property). The root carries the deployment's licence (CRATE_LICENSE).
What is in it:

- the CWL document, the one file always copied in: the main entity (a ComputationalWorkflow,
  its sha256 computed from the bytes written), with the ports the run used as FormalParameters;
- the run as a CreateAction: status, times, the user as agent, the workflow as
  instrument, inputs as `object` and outputs as `result`;
- inputs and outputs as Web-based Data Entities: the data stays in iRODS, so each `@id` is
  its download URL on this API (RO-Crate: an absolute `@id` that a GET downloads), with
  size, sha256 in hex and the provenance entity (`identifier`) it is in PROV; outputs the
  caller asked to include (`run["included"]`, see `crate_stream`) are File data entities in
  the zip instead, under outputs/, with the same size and sha256 and `contentUrl` the URL;
- per step that ran: a CreateAction of the step's tool, and a ControlAction tying it to the
  workflow's HowToStep; cwltool's run as the OrganizeAction over them;
- optionally the job's PROV-JSON (`run["prov_json"]`) as `provenance.json`, `about` the run.

`@id`s of the run, its steps, the user and the software are the URIs the PROV document uses
(backend.provenance.vocabulary), so the crate and the PROV records name the same things.
`crate_zip` is a pure function of the run description (backend/provenance/describe.py):
the same run gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
import tempfile
import warnings
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Iterator
from urllib.parse import quote

from rocrate.model.computationalworkflow import ComputationalWorkflow
from rocrate.model.contextentity import ContextEntity
from rocrate.model.person import Person
from rocrate.model.softwareapplication import SoftwareApplication
from rocrate.rocrate import ROCrate
from zipstream import ZIP_STORED, ZipStream

from backend.provenance.describe import data_url, utc

from backend.errors import BadRequest, Conflict
from backend.provenance import vocabulary as v
from backend.storage.checksums import to_hex

# The released run profiles (0.5) build on RO-Crate 1.1 and Workflow RO-Crate 1.0 (which
# rocrate writes for a 1.1 crate with a main workflow); 0.6 and RO-Crate 1.3 are not released.
RO_CRATE_VERSION = "1.1"
WFRUN = "https://w3id.org/ro/wfrun"
WFRUN_VERSION = "0.5"
WROC_VERSION = "1.0"
WROC = f"https://w3id.org/workflowhub/workflow-ro-crate/{WROC_VERSION}"
# sha256 (and the other run terms) are defined by this vocabulary, not the RO-Crate context.
WFRUN_CONTEXT = "https://w3id.org/ro/terms/workflow-run/context"
# No published vocabulary has an exit code term: ours, the one the PROV records use.
EXIT_CODE_TERM = {"exitCode": v.EXIT_CODE.uri}
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAMES = {DEFAULT_LICENSE: "Creative Commons Attribution 4.0 International (CC BY 4.0)",
                 "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0 Universal"}
PROFILES = {"process": "Process Run Crate", "workflow": "Workflow Run Crate",
            "provenance": "Provenance Run Crate"}
PROV_JSON_FORMAT = "https://www.w3.org/Submission/2013/SUBM-prov-json-20130424/"
SOFTWARE_URLS = {"cwltool": "https://github.com/common-workflow-language/cwltool"}
STATUS = {"successful": "http://schema.org/CompletedActionStatus"}
FAILED = "http://schema.org/FailedActionStatus"
# Steps still waiting never ran: there is no execution to describe.
NOT_RUN = {"waiting", "accepted"}
EPOCH_ZIP = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def crate_zip(run: dict) -> bytes:
    """The crate as the bytes of a zip file (ro-crate-metadata.json at its root).

    Bytes, not a stream: the crate holds metadata, the CWL text and the PROV-JSON only
    (the data stays in iRODS), so it is small, and the API can send its Content-Length.
    Outputs named in `run["included"]` are described as files of the crate but not in
    these bytes: `crate_stream` adds them.
    """
    stamp = _zip_time(run["job"].get("finished") or run["job"].get("created"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in crate_files(run):
            # Fixed names order and times: the same run zips to the same bytes.
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    return buffer.getvalue()


def crate_files(run: dict) -> list[tuple[str, bytes]]:
    """(name in the crate, bytes) of the files the crate writes itself, sorted by name."""
    crate = build_crate(run)
    with tempfile.TemporaryDirectory(prefix="crate-") as tmp, warnings.catch_warnings():
        # Included outputs have no source here ("No source for ..."): crate_stream adds them.
        warnings.simplefilter("ignore", UserWarning)
        crate.write(tmp)
        return [(path.relative_to(tmp).as_posix(), path.read_bytes())
                for path in sorted(p for p in Path(tmp).rglob("*") if p.is_file())]


def crate_stream(run: dict, storage, chunk_size: int) -> tuple[Iterator[bytes], int]:
    """The crate with the outputs of `run["included"]` (storage path -> name in the crate)
    inside it, as zip chunks and the zip's exact size: the crate's own files first, then
    each output read from `storage` (the caller's session) when the zip reaches it. Stored
    uncompressed, so the size is known before the first byte (a Content-Length)."""
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for name, content in crate_files(run):
        archive.add(content, name)
    sizes = {item["path"]: item for item in run.get("outputs", [])}
    for path, name in sorted(run.get("included", {}).items(), key=lambda pair: pair[1]):
        item = sizes[path]
        archive.add(_verified(storage, path, item["size"], _sha256(item.get("checksum")),
                              chunk_size), name, size=item["size"])
    return iter(archive), len(archive)


def included_name(run: dict, item: dict) -> str:
    """Where an included output goes in the crate: outputs/ and its path below the job's
    outputs collection (unique, as storage paths are), else its port and name."""
    collection = (run["job"].get("outputs") or "").rstrip("/")
    path = item["path"]
    if collection and path.startswith(collection + "/"):
        return "outputs/" + path[len(collection) + 1:]
    return f"outputs/{item['port']}/{PurePosixPath(path).name}"


def _verified(storage, path: str, size: int, sha256: str | None, chunk_size: int
              ) -> Iterator[bytes]:
    """The object's bytes, exactly `size` of them; an object that changed since the crate
    was described (size or sha256) stops the download rather than contradict the metadata."""
    digest, read = hashlib.sha256(), 0
    for chunk in storage.read_in_streaming(path, length=size, chunk_size=chunk_size):
        digest.update(chunk)
        read += len(chunk)
        yield chunk
    if read != size or (sha256 is not None and digest.hexdigest() != sha256):
        raise Conflict(f"{path} changed while the crate was sent: download it again")


def build_crate(run: dict) -> ROCrate:
    """The crate as a `rocrate` object, for callers that want to write it themselves.

    Write it once: the workflow's and the PROV record's contents are in-memory streams.
    """
    return _Builder(run).crate


class _Builder:
    def __init__(self, run: dict):
        self.run = run
        self.job = run["job"]
        self.crate = ROCrate(version=RO_CRATE_VERSION)
        self.crate.metadata.extra_contexts.append(WFRUN_CONTEXT)
        self.crate.metadata.extra_terms.update(EXIT_CODE_TERM)
        self.steps = [step for step in run.get("steps", []) if step.get("status") not in NOT_RUN]
        self._root()
        self._workflow()
        self._agents()
        self._run_action()
        self._step_actions()
        self._prov_json()

    # --- the crate itself ---------------------------------------------------------------
    def _root(self) -> None:
        job, wf = self.job, self.run["workflow"]
        root = self.crate.root_dataset
        root["name"] = f"Run {job['id']} of workflow {wf['name']} {wf['version']}"
        root["description"] = (
            f"Workflow Run RO-Crate of job {job['id']} ({job['status']}): the CWL workflow, "
            "how it ran, and where its inputs and outputs are stored. The data is not in "
            "the crate: each input and output is identified by its download URL.")
        # Not "now" (the library's default): the crate describes the run as it finished.
        root["datePublished"] = utc(job.get("finished") or job.get("created"))
        # RO-Crate: the root MUST name a licence (the deployment's, CRATE_LICENSE).
        licence = self.run.get("license") or DEFAULT_LICENSE
        if licence.startswith(("http://", "https://")):
            root["license"] = self.crate.add(ContextEntity(self.crate, licence, {
                "@type": "CreativeWork", "name": LICENSE_NAMES.get(licence, licence)}))
        else:  # a text saying how the crate may be used
            root["license"] = licence
        if self.run["urls"].get("job"):
            root["url"] = self.run["urls"]["job"]
        kinds = ["process", "workflow"] + (["provenance"] if self.steps else [])
        for kind in kinds:
            profile = self.crate.add(ContextEntity(self.crate, f"{WFRUN}/{kind}/{WFRUN_VERSION}", {
                "@type": "CreativeWork", "name": PROFILES[kind], "version": WFRUN_VERSION}))
            root.append_to("conformsTo", profile)
        # The run profiles ask the root to name Workflow RO-Crate too (which rocrate also
        # writes on the metadata descriptor, as Workflow RO-Crate 1.0 asks).
        root.append_to("conformsTo", self.crate.add(ContextEntity(self.crate, WROC, {
            "@type": "CreativeWork", "name": "Workflow RO-Crate", "version": WROC_VERSION})))

    def _workflow(self) -> None:
        wf = self.run["workflow"]
        text = wf["cwl"].encode("utf-8")
        name = PurePosixPath(wf.get("path") or "workflow.cwl").name
        self.workflow = self.crate.add_workflow(
            io.BytesIO(text), dest_path=name, main=True, lang="cwl",
            lang_version=_cwl_version(wf["cwl"]),
            properties={
                "name": wf["name"], "version": wf["version"],
                "sha256": hashlib.sha256(text).hexdigest(), "contentSize": str(len(text)),
                # Provenance Run Crate: a workflow that lists its steps is also a HowTo.
                **({"@type": [*ComputationalWorkflow.TYPES, "HowTo"]} if self.steps else {}),
            })
        if wf.get("path"):
            # The registry's copy in storage, where the document came from.
            self.workflow["contentUrl"] = self._data_url(wf["path"])
        self.parameters: dict[tuple[str, str], ContextEntity] = {}

    def _agents(self) -> None:
        agents = self.run["agents"]
        user = agents.get("user") or self.job["owner"]
        self.user = self.crate.add(Person(self.crate, _uri(v.user_id(user)), {"name": user}))
        self.software = {}
        for role in ("software", "engine"):
            app = agents[role]
            if app.get("version"):
                entity = SoftwareApplication(
                    self.crate, _uri(v.software_id(app["name"], str(app["version"]))),
                    {"name": app["name"], "softwareVersion": str(app["version"])})
            else:  # no version recorded: the program, not a release of it
                entity = SoftwareApplication(self.crate, _uri(v.ident(f"software/{app['name']}")),
                                             {"name": app["name"]})
            if app["name"] in SOFTWARE_URLS:
                entity["url"] = SOFTWARE_URLS[app["name"]]
            self.software[role] = self.crate.add(entity)

    # --- the run ------------------------------------------------------------------------
    def _run_action(self) -> None:
        job, wf = self.job, self.run["workflow"]
        props = {"name": f"Run of workflow {wf['name']} {wf['version']} (job {job['id']})",
                 "description": self._description(), "agent": self.user}
        props.update(_times(job))
        props.update(_status(job["status"], job.get("message") or f"the job was {job['status']}"))
        self.inputs = [self._file(item, "input") for item in self.run.get("inputs", [])]
        self.outputs = [self._file(item, "output") for item in self.run.get("outputs", [])]
        self.action = self.crate.add_action(
            self.workflow, identifier=_uri(v.run_id(job["id"])), properties=props,
            object=self.inputs or None, result=self.outputs or None)
        self.crate.root_dataset.append_to("mentions", self.action)

    def _description(self) -> str:
        job, agents = self.job, self.run["agents"]
        text = f"Job {job['id']} of {job['owner']}, run by {agents['engine']['name']}"
        if agents.get("host"):
            text += f" on {agents['host']}"
        if job.get("outputs"):
            text += f"; outputs stored under {job['outputs']}"
        return text

    def _step_actions(self) -> None:
        """Provenance Run Crate: tool runs, step executions, and the engine's run over them."""
        job = self.job
        made_by: dict[str, list] = {}
        for item, entity in zip(self.run.get("outputs", []), self.outputs):
            if item.get("step"):
                made_by.setdefault(item["step"], []).append(entity)
        controls = []
        for position, step in enumerate(self.steps):
            name = step["name"]
            tool = self.crate.add(SoftwareApplication(self.crate, f"#tool-{quote(name)}", {
                "name": f"tool of step {name}",
                "description": f"The tool (or subworkflow) that step {name} of the workflow runs"}))
            how = self.crate.add(ContextEntity(self.crate, f"{self.workflow.id}#{quote(name)}", {
                "@type": "HowToStep", "name": name, "position": str(position), "workExample": tool}))
            self.workflow.append_to("hasPart", tool)
            self.workflow.append_to("step", how)
            props = {"name": f"Run of step {name} (job {job['id']})", "agent": self.user}
            props.update(_times(step))
            props.update(_status(step["status"], _step_error(step)))
            if step.get("exit_code") is not None:
                props["exitCode"] = step["exit_code"]
                self._exit_code_term()
            run = self.crate.add_action(tool, identifier=_uri(v.step_id(job["id"], name)),
                                        properties=props, result=made_by.get(name))
            controls.append(self.crate.add(ContextEntity(self.crate, f"#control-{quote(name)}", {
                "@type": "ControlAction", "name": f"orchestrate step {name}",
                "instrument": how, "object": run})))
        engine = self.software["engine"]
        props = {"@type": "OrganizeAction",
                 "name": f"Run of {engine['name']} {engine.get('softwareVersion', '')}".rstrip(),
                 "agent": self.user,
                 # rapydo-irods staged the data and started the engine: it took part.
                 "participant": self.software["software"]}
        props.update(_times(job))
        # Nothing points to it: Provenance Run Crate consumers find it by its type.
        self.crate.add_action(engine, identifier="#engine-run", properties=props,
                              object=controls or None, result=self.action)

    def _exit_code_term(self) -> None:
        """RO-Crate 1.1's way for an ad hoc term: in @context, and described in the graph."""
        if self.crate.get(v.EXIT_CODE.uri) is None:
            self.crate.add(ContextEntity(self.crate, v.EXIT_CODE.uri, {
                "@type": "rdf:Property", "rdfs:label": "exitCode",
                "rdfs:comment": "The exit code of the process that ran a tool (0: success)."}))

    def _prov_json(self) -> None:
        if not self.run.get("prov_json"):
            return
        fmt = self.crate.add(ContextEntity(self.crate, PROV_JSON_FORMAT, {
            "@type": "CreativeWork", "name": "PROV-JSON"}))
        content = io.BytesIO(self.run["prov_json"].encode("utf-8"))
        prov = self.crate.add_file(content, "provenance.json", properties={
            "name": "PROV record of the run", "encodingFormat": "application/json",
            "conformsTo": fmt, "about": self.action,
            "description": "The job's W3C PROV document (PROV-JSON)."})
        if self.run["urls"].get("provenance"):
            prov["url"] = self.run["urls"]["provenance"]  # the same, in every PROV format

    # --- data ---------------------------------------------------------------------------
    def _file(self, item: dict, role: str):
        url = self._data_url(item["path"])
        inside = self.run.get("included", {}).get(item["path"]) if role == "output" else None
        entity = self.crate.get(inside or url)
        if entity is None:
            # Web-based Data Entity: when its size and checksum were known to be right.
            seen = ((self.job.get("started") if role == "input" else item.get("created"))
                    or self.job.get("finished") or self.job.get("created"))
            props = {
                "name": PurePosixPath(item["path"]).name,
                "description": (f"{role.capitalize()} '{item['port']}' of the run, "
                                f"stored in iRODS at {item['path']}"),
                "contentUrl": url,
            }
            if not inside:
                props["sdDatePublished"] = utc(seen)
            if item.get("size") is not None:
                props["contentSize"] = str(item["size"])
            if (digest := _sha256(item.get("checksum"))) is not None:
                props["sha256"] = digest
            if (kind := mimetypes.guess_type(item["path"])[0]) is not None:
                props["encodingFormat"] = kind
            if item.get("entity"):
                props["identifier"] = item["entity"]
            if inside:
                # A copy in the crate (crate_stream writes its bytes); contentUrl: the original.
                props["description"] += "; a copy is in this crate"
                entity = self.crate.add_file(None, dest_path=inside, properties=props)
            else:
                # Not fetched and not copied: the File only names the object on the API.
                entity = self.crate.add_file(url, fetch_remote=False, properties=props)
        entity.append_to("exampleOfWork", self._parameter(item["port"], role))
        return entity

    def _parameter(self, port: str, role: str):
        key = (role, port)
        if key not in self.parameters:
            param = self.crate.add(ContextEntity(self.crate, f"{self.workflow.id}#{quote(port)}", {
                "@type": "FormalParameter", "name": port, "additionalType": "File"}))
            self.workflow.append_to(role, param)
            self.parameters[key] = param
        return self.parameters[key]

    def _data_url(self, path: str) -> str:
        return data_url(self.run, path)


def _uri(name) -> str:
    return str(name.uri)


def _times(record: dict) -> dict:
    times = {"startTime": utc(record.get("started")), "endTime": utc(record.get("finished"))}
    return {key: value for key, value in times.items() if value}


def _status(status: str, error: str) -> dict:
    if status in STATUS:
        return {"actionStatus": {"@id": STATUS[status]}}
    # Failed, dismissed, or still running when the job stopped: it did not complete.
    return {"actionStatus": {"@id": FAILED}, "error": error}


def _step_error(step: dict) -> str:
    if step["status"] == "failed":
        code = step.get("exit_code")
        return f"step {step['name']} failed" + (f" with exit code {code}" if code is not None else "")
    return f"step {step['name']} was {step['status']} when the job stopped"


def _sha256(checksum: str | None) -> str | None:
    """The hex sha256 of an iRODS checksum; None for none or another algorithm (md5)."""
    if not checksum:
        return None
    try:
        return to_hex(checksum)
    except BadRequest:
        return None


def _cwl_version(text: str) -> str | None:
    found = re.search(r"^cwlVersion:\s*[\"']?(v[0-9.]+)", text, re.MULTILINE)
    return found.group(1) if found else None


def _zip_time(value: str | None) -> tuple:
    if not value:
        return EPOCH_ZIP
    moment = datetime.fromisoformat(utc(value))
    return max(EPOCH_ZIP, moment.timetuple()[:6])
