"""The PROV document of a job, built with the `prov` library.

What comes from where:
- cwltool's `--provenance` record gets right which step used and generated which data
  (by content: `data:<sha1>` entities), with the CWL port as role: we take that graph;
- cwltool gets wrong the times (naive local timestamps) and the identity of the data
  (hashes, not storage objects): times come from the job's own records (timezone-aware
  UTC; cwltool's are converted from the worker's local time where we have none), and data
  that crossed storage is the storage object: its path, size and checksum.

Identifiers (vocabulary.ID): the run, its steps and what it generates are named after the
job (`run/<job>/...`), so importing the same run again changes nothing; a top-level input
is the entity the store already knows at that path with that checksum, or one named after
(path, checksum), so a second run on the same object shares its id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from prov.constants import PROV, PROV_LABEL, PROV_LOCATION, PROV_ROLE, PROV_TYPE
from prov.model import ProvDocument

from backend.provenance import vocabulary as v
from backend.storage import checksums

OBJECT_NAMESPACE = uuid.UUID("6f1d6cc6-6a35-4c2e-9a3e-6b1f0f6c2a10")


def object_id(path: str, checksum: str | None) -> str:
    """The entity of a storage object nobody recorded yet: named after its path and checksum."""
    name = f"{path}|{checksum or ''}"
    return f"object/{uuid.uuid5(OBJECT_NAMESPACE, name)}"


@dataclass(frozen=True)
class Data:
    """A file that crossed storage: what the builder needs of staging's records."""

    path: str
    size: int
    checksum: str
    sha1: str
    port: str
    step: str | None = None


@dataclass
class Run:
    """Everything about one finished job the document says."""

    job_id: str
    owner: str
    zone: str
    workflow: dict  # name, version, checksum, path
    status: str
    message: str
    created: datetime
    started: datetime | None
    finished: datetime | None
    steps: list[dict]  # name, status, started, finished, exit_code
    inputs: list[Data]
    outputs: list[Data]
    failed_step: str | None = None
    software: dict = field(default_factory=dict)  # name -> version: rapydo-irods, cwltool
    host: str = ""
    cwlprov: ProvDocument | None = None
    # Directory inputs: (collection path, port, paths of the files staged from it).
    collections: list[tuple[str, str, list[str]]] = field(default_factory=list)


def build(run: Run, known_entity: Callable[[str, str], str | None] = lambda path, checksum: None
          ) -> ProvDocument:
    return _Builder(run, known_entity).document()


def _aware(value) -> datetime | None:
    """cwltool writes naive local times (of the worker, where this runs): make them UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(timezone.utc)


class _Builder:
    def __init__(self, run: Run, known_entity):
        self.run, self.known_entity = run, known_entity
        self.doc = ProvDocument()
        for namespace in v.NAMESPACES:
            self.doc.add_namespace(namespace)
        name, version = run.workflow["name"], run.workflow["version"]
        self.wf = self.doc.add_namespace("wf", f"{v.ID.uri}workflow/{name}/{version}#")
        self.plan = v.ID[f"workflow/{name}/{version}"]
        self._relations = 0
        # data hash -> our entity: what steps used (inputs first), what they generated.
        self.used_data: dict[str, object] = {}
        self.generated_data: dict[str, object] = {}
        self.step_activities: dict[str, object] = {}  # cwltool activity id -> ours

    def _relation(self):
        """An identifier for the next relation: PROV-O (RDF) merges relations without one
        that share their subject (four associations of one run would come back as one),
        and numbering in build order keeps them the same when the same run is built again."""
        self._relations += 1
        return v.ID[f"run/{self.run.job_id}/relation/{self._relations}"]

    def document(self) -> ProvDocument:
        self._agents()
        self._run_activity()
        self._steps()
        self._plan()
        self._data()
        if self.run.cwlprov is not None:
            self._cwltool_graph()
        self._derivations()
        return self.doc

    # --- who --------------------------------------------------------------------------
    def _agents(self) -> None:
        run, doc = self.run, self.doc
        self.user = v.ID[f"user/{run.owner}"]
        doc.agent(self.user, {PROV_TYPE: PROV["Person"], PROV_LABEL: run.owner,
                              v.ACCOUNT: f"{run.owner}#{run.zone}"})
        self.software = {}
        for name, version in sorted(run.software.items()):
            agent = v.ID[f"software/{name}/{version}"]
            kinds = [PROV["SoftwareAgent"]] + ([v.WFPROV["WorkflowEngine"]] if name == "cwltool" else [])
            doc.agent(agent, [(PROV_TYPE, kind) for kind in kinds]
                      + [(PROV_LABEL, f"{name} {version}"), (v.VERSION, version)])
            self.software[name] = agent
        self.host = v.ID[f"host/{run.host}"]
        doc.agent(self.host, {PROV_TYPE: v.TERMS["Host"], v.HOSTNAME: run.host})
        self.engine = self.software.get("cwltool")
        framework = self.software.get("rapydo-irods")
        if framework is not None:
            doc.actedOnBehalfOf(framework, self.user, identifier=self._relation())
            if self.engine is not None:
                doc.actedOnBehalfOf(self.engine, framework, identifier=self._relation())

    def _plan(self) -> None:
        """The registered workflow as a plan (one record: RDF would merge two into one)."""
        workflow = self.run.workflow
        attributes = [(PROV_TYPE, PROV["Plan"]), (PROV_TYPE, v.WFDESC["Workflow"]),
                      (PROV_LABEL, f"{workflow['name']} {workflow['version']}"),
                      (v.CHECKSUM, workflow["checksum"])]
        if workflow.get("path"):
            attributes.append((PROV_LOCATION, workflow["path"]))
        attributes += [(v.WFDESC["hasSubProcess"], self.wf[f"main/{name}"]) for name in self.steps]
        self.doc.entity(self.plan, attributes)

    # --- what ran -------------------------------------------------------------------------
    def _run_activity(self) -> None:
        run, doc = self.run, self.doc
        self.activity = v.run_id(run.job_id)
        attributes = [(PROV_TYPE, v.WFPROV["WorkflowRun"]), (v.STATUS, run.status),
                      (v.JOB, run.job_id),
                      (PROV_LABEL, f"run of {run.workflow['name']} {run.workflow['version']}")]
        if run.status != "successful" and run.message:
            attributes.append((v.ERROR_MESSAGE, run.message))
        doc.activity(self.activity, run.started or run.created, run.finished, attributes)
        doc.wasAssociatedWith(self.activity, self.user, identifier=self._relation())
        doc.wasAssociatedWith(self.activity, self.host, identifier=self._relation())
        if self.engine is not None:
            doc.wasAssociatedWith(self.activity, self.engine, self.plan, identifier=self._relation())
        framework = self.software.get("rapydo-irods")
        if framework is not None:
            doc.wasAssociatedWith(self.activity, framework, identifier=self._relation())
        doc.wasStartedBy(self.activity, None, None, run.started or run.created, identifier=self._relation())
        if run.finished:
            doc.wasEndedBy(self.activity, None, None, run.finished, identifier=self._relation())

    def _steps(self) -> None:
        run, doc = self.run, self.doc
        self.steps = {}
        for step in run.steps:
            name = step["name"]
            activity = v.step_id(run.job_id, name)
            plan = self.wf[f"main/{name}"]
            doc.entity(plan, [(PROV_TYPE, PROV["Plan"]), (PROV_TYPE, v.WFDESC["Process"])])
            attributes = [(PROV_TYPE, v.WFPROV["ProcessRun"]), (v.STATUS, step["status"]),
                          (PROV_LABEL, f"step {name}")]
            if step.get("exit_code") is not None:
                attributes.append((v.EXIT_CODE, step["exit_code"]))
            if step["status"] == "failed":
                attributes.append((v.ERROR_MESSAGE, run.message))
                attributes.append((v.STDERR, f"/api/jobs/{run.job_id}/logs?step={name}"))
            started, finished = _aware(step.get("started")), _aware(step.get("finished"))
            doc.activity(activity, started, finished, attributes)
            if self.engine is not None:
                doc.wasAssociatedWith(activity, self.engine, plan, identifier=self._relation())
            if started:
                doc.wasStartedBy(activity, None, self.activity, started, identifier=self._relation())
            if finished:
                doc.wasEndedBy(activity, None, self.activity, finished, identifier=self._relation())
            self.steps[name] = activity

    # --- data -----------------------------------------------------------------------------
    def _storage_entity(self, identifier, data: Data, extra=()) -> None:
        self.doc.entity(identifier, [(PROV_LOCATION, data.path), (v.CHECKSUM, data.checksum),
                                     (v.SHA256, checksums.to_hex(data.checksum)),
                                     (v.SIZE, data.size), (PROV_TYPE, v.WFPROV["Artifact"]), *extra])

    def _data(self) -> None:
        run, doc = self.run, self.doc
        self.input_entities = {}
        for data in run.inputs:
            known = self.known_entity(data.path, data.checksum)
            identifier = known if known else v.ID[object_id(data.path, data.checksum)]
            self._storage_entity(identifier, data)
            doc.used(self.activity, identifier, run.started,
                     other_attributes={PROV_ROLE: self.wf[f"main/{data.port}"]}, identifier=self._relation())
            self.used_data.setdefault(data.sha1, identifier)
            self.input_entities[identifier] = data
        self._input_collections()
        self.output_entities = {}
        per_port: dict[str, list] = {}
        for data in run.outputs:
            index = len(per_port.setdefault(data.port, []))
            identifier = v.output_id(run.job_id, data.port, index)
            self._storage_entity(identifier, data)
            doc.wasGeneratedBy(identifier, self.activity, run.finished,
                               other_attributes={PROV_ROLE: self.wf[f"main/primary/{data.port}"]}, identifier=self._relation())
            if data.step in self.steps and run.cwlprov is None:  # else cwltool's record says
                doc.wasGeneratedBy(identifier, self.steps[data.step],
                                   other_attributes={PROV_ROLE: self.wf[f"main/{data.step}"]}, identifier=self._relation())
            self.generated_data.setdefault(data.sha1, identifier)
            per_port[data.port].append(identifier)
            self.output_entities[identifier] = data
        for port, members in per_port.items():
            if len(members) > 1:  # an array output: a collection of its files
                collection = v.ID[f"run/{run.job_id}/output/{port}"]
                doc.collection(collection, {PROV_LABEL: f"output {port}"})
                for member in members:
                    doc.hadMember(collection, member)
                doc.wasGeneratedBy(collection, self.activity, run.finished,
                                   other_attributes={PROV_ROLE: self.wf[f"main/primary/{port}"]}, identifier=self._relation())

    def _input_collections(self) -> None:
        """A Directory input: a prov:Collection with its files as members."""
        members_by_path = {data.path: identifier for identifier, data in self.input_entities.items()}
        for path, port, files in self.run.collections:
            identifier = self.known_entity(path, None) or v.ID[object_id(path, None)]
            self.doc.collection(identifier, {PROV_LOCATION: path, PROV_LABEL: f"input {port}"})
            self.doc.used(self.activity, identifier, self.run.started, identifier=self._relation(),
                          other_attributes={PROV_ROLE: self.wf[f"main/{port}"]})
            for member in files:
                if member in members_by_path:
                    self.doc.hadMember(identifier, members_by_path[member])

    def _cwltool_graph(self) -> None:
        """Which step used and generated which data, from cwltool's record."""
        records = list(self.run.cwlprov.get_records())
        general = {}  # cwltool file entity -> its data hash
        labels = {}
        for record in records:
            kind = record.get_type().localpart
            if kind == "Specialization":
                attrs = dict((str(k), str(val)) for k, val in record.attributes)
                general[attrs["prov:specificEntity"]] = attrs["prov:generalEntity"].rsplit(":", 1)[-1]
            elif kind == "Activity":
                label = next((str(val) for k, val in record.attributes if str(k) == "prov:label"), "")
                labels[str(record.identifier)] = label
        for cwl_id, label in labels.items():
            name = label.rsplit("#main/", 1)[-1] if "#main/" in label else None
            if name in self.steps:
                self.step_activities[cwl_id] = self.steps[name]
        for record in records:
            kind = record.get_type().localpart
            if kind not in ("Usage", "Generation"):
                continue
            attrs = {str(k): val for k, val in record.attributes}
            activity = self.step_activities.get(str(attrs.get("prov:activity")))
            sha1 = general.get(str(attrs.get("prov:entity")))
            if activity is None or sha1 is None:
                continue  # the workflow run's own usage and generation: recorded above
            role = str(attrs.get("prov:role", "")).split(":", 1)[-1]
            entity = self._entity_of(sha1, used=kind == "Usage")
            attributes = {PROV_ROLE: self.wf[role]} if role else {}
            time = _aware(attrs.get("prov:time"))
            if kind == "Usage":
                self.doc.used(activity, entity, time, other_attributes=attributes, identifier=self._relation())
            else:
                self.doc.wasGeneratedBy(entity, activity, time, other_attributes=attributes, identifier=self._relation())

    def _entity_of(self, sha1: str, *, used: bool):
        """Our entity for cwltool's data: a staged input (what a step uses), a stored output
        (what a step generates), or else an intermediate of this run (by content: a step
        that copies its input makes data equal to it, hence the two lookups)."""
        first, second = ((self.used_data, self.generated_data) if used
                         else (self.generated_data, self.used_data))
        found = first.get(sha1) or second.get(sha1)
        if found is None:
            found = v.ID[f"run/{self.run.job_id}/data/{sha1}"]
            self.doc.entity(found, {PROV_TYPE: v.WFPROV["Artifact"], v.TERMS["sha1"]: sha1})
            self.used_data[sha1] = self.generated_data[sha1] = found
        return found

    def _derivations(self) -> None:
        """wasDerivedFrom from each output to the top-level inputs it depends on, by walking
        the steps' usage and generation back."""
        generated_by, used = {}, {}
        for record in self.doc.get_records():
            kind = record.get_type().localpart
            attrs = {str(k): val for k, val in record.attributes}
            if kind == "Generation" and attrs.get("prov:activity") in self.steps.values():
                generated_by.setdefault(attrs["prov:entity"], set()).add(attrs["prov:activity"])
            elif kind == "Usage" and attrs.get("prov:activity") in self.steps.values():
                used.setdefault(attrs["prov:activity"], set()).add(attrs["prov:entity"])
        inputs = set(self.input_entities)
        for output in self.output_entities:
            sources, seen, frontier = set(), set(), [output]
            while frontier:
                entity = frontier.pop()
                for activity in generated_by.get(entity, ()):
                    for source in used.get(activity, ()):
                        if source in inputs:
                            sources.add(source)
                        elif source not in seen:
                            seen.add(source)
                            frontier.append(source)
            if not self.steps:  # a single tool: every input
                sources = inputs
            for source in sorted(sources, key=str):
                self.doc.wasDerivedFrom(output, source, self.activity, identifier=self._relation())
