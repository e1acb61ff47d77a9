"""The PROV document of a job, built with the `prov` library.

What comes from where:
- cwltool's `--provenance` record gets right which step used and generated which data
  (by content: `data:<sha1>` entities), with the CWL port as role: we take that graph;
- cwltool gets wrong the times (naive local timestamps) and the identity of the data
  (hashes, not storage objects): times come from the job's own records (timezone-aware
  UTC; cwltool's are converted from the worker's local time where we have none), and data
  that crossed storage is the storage object: its path, size and checksum.

Identifiers (vocabulary.ident): the run, its steps and what it generates are named after the
job (`run.<job>...`), so importing the same run again changes nothing; a top-level input
is the entity the store already knows at that path with that checksum, or one named after
(path, checksum), so a second run on the same object shares its id.

What the document says, and what it never says:
- every run of a step is an activity: a scattered step that ran N times is N activities
  (`run.<job>.step.<name>.instance.<n>`, from cwltool's per-instance record), each with its
  own usage and generation;
- data is an entity per role: a stored input, each intermediate a step generated, each
  stored output. Data with the same bytes shares a content entity (`content.<sha1>`, as
  CWLProv's `data:<sha1>`) through prov:specializationOf, never an identifier: an
  intermediate equal to the input is not the input;
- the job's document generates only its own entities (outputs, intermediates, collections):
  a stored input is used, never generated, so a run cannot rewrite an object's history;
- each output is generated once, by the step (instance) that made it, or by the run when no
  step did; usage and generation times lie inside their activity's interval;
- storage paths are prov:Locations (vocabulary.add_location).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from prov.constants import PROV, PROV_LABEL, PROV_LOCATION, PROV_ROLE, PROV_TYPE
from prov.model import ProvDocument

from backend.provenance import vocabulary as v
from backend.storage import checksums

# cwltool names the n-th run of a scattered step `<step>_<n>` (as backend.workflows.cwlrun reads its log).
INSTANCE = re.compile(r"^(.*)_(\d+)$")

OBJECT_NAMESPACE = uuid.UUID("6f1d6cc6-6a35-4c2e-9a3e-6b1f0f6c2a10")


def object_id(path: str, checksum: str | None):
    """The entity of a storage object nobody recorded yet: named after its path and checksum."""
    name = f"{path}|{checksum or ''}"
    return v.ident(f"object/{uuid.uuid5(OBJECT_NAMESPACE, name)}")


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
    # The packed workflow cwltool ran (its research object's workflow/packed.cwl), for the
    # wiring of step inputs to their sources; None: decided by time order instead.
    packed: dict | None = None


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


def _within(time: datetime | None, start: datetime | None, end: datetime | None) -> datetime | None:
    """`time` moved into [start, end]: cwltool stamps a usage a moment before the worker sees
    the step start, and the two clocks are read at different points."""
    start, end = _aware(start), _aware(end)
    time = _aware(time) or start or end
    if time is None:
        return None
    if start is not None and time < start:
        time = start
    if end is not None and time > end:
        time = end
    return time


def _wiring(packed: dict | None) -> dict[str, str]:
    """Step input port (`count/src`) -> its source (`files` or `copy/out`), from packed CWL."""
    if not packed:
        return {}
    found = {}
    main = packed
    if "$graph" in packed:
        main = next((each for each in packed["$graph"] if each.get("id") == "#main"), {})
    for step in main.get("steps") or ():
        for port in step.get("in") or ():
            source = port.get("source")
            if isinstance(source, list):
                source = source[0] if len(source) == 1 else None
            if isinstance(source, str) and isinstance(port.get("id"), str):
                found[port["id"].split("#main/", 1)[-1]] = source.split("#main/", 1)[-1]
    return found


class _Builder:
    def __init__(self, run: Run, known_entity):
        self.run, self.known_entity = run, known_entity
        self.doc = ProvDocument()
        for namespace in v.NAMESPACES:
            self.doc.add_namespace(namespace)
        name, version = run.workflow["name"], run.workflow["version"]
        self.wf = self.doc.add_namespace("wf", f"{v.ident(f'workflow/{name}/{version}').uri}#")
        self.plan = v.ident(f"workflow/{name}/{version}")
        self._relations = 0
        self.step_activities: dict[str, tuple] = {}  # cwltool activity id -> (ours, step name)
        self.intervals: dict = {}  # our activity -> (start, end)
        self.contents: set[str] = set()
        self._made_by: dict = {}  # intermediate -> the activity that generated it

    def _relation(self):
        """An identifier for the next relation: PROV-O (RDF) merges relations without one
        that share their subject (four associations of one run would come back as one),
        and numbering in build order keeps them the same when the same run is built again."""
        self._relations += 1
        return v.ident(f"run/{self.run.job_id}/relation/{self._relations}")

    def _wf(self, path: str):
        return v.name_in(self.wf, path)

    def document(self) -> ProvDocument:
        self._agents()
        self._run_activity()
        self._steps()
        self._plan()
        self._data()
        if self.run.cwlprov is not None:
            self._cwltool_graph()
        self._output_generations()
        self._derivations()
        return self.doc

    # --- who --------------------------------------------------------------------------
    def _agents(self) -> None:
        run, doc = self.run, self.doc
        self.user = v.user_id(run.owner)
        doc.agent(self.user, {PROV_TYPE: PROV["Person"], PROV_LABEL: run.owner,
                              v.ACCOUNT: f"{run.owner}#{run.zone}"})
        self.software = {}
        for name, version in sorted(run.software.items()):
            agent = v.software_id(name, version)
            kinds = [PROV["SoftwareAgent"]] + ([v.WFPROV["WorkflowEngine"]] if name == "cwltool" else [])
            doc.agent(agent, [(PROV_TYPE, kind) for kind in kinds]
                      + [(PROV_LABEL, f"{name} {version}"), (v.VERSION, version)])
            self.software[name] = agent
        self.host = v.ident(f"host/{run.host}")
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
            attributes.append((PROV_LOCATION, v.add_location(self.doc, workflow["path"])))
        attributes += [(v.WFDESC["hasSubProcess"], self._wf(f"main/{name}")) for name in self.step_names]
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
        started = _aware(run.started or run.created)
        finished = _aware(run.finished)
        self.intervals[self.activity] = (started, finished)
        doc.activity(self.activity, started, finished, attributes)
        doc.wasAssociatedWith(self.activity, self.user, identifier=self._relation())
        doc.wasAssociatedWith(self.activity, self.host, identifier=self._relation())
        if self.engine is not None:
            doc.wasAssociatedWith(self.activity, self.engine, self.plan, identifier=self._relation())
        framework = self.software.get("rapydo-irods")
        if framework is not None:
            doc.wasAssociatedWith(self.activity, framework, identifier=self._relation())
        doc.wasStartedBy(self.activity, None, None, started, identifier=self._relation())
        if finished:
            doc.wasEndedBy(self.activity, None, None, finished, identifier=self._relation())

    def _instances(self) -> dict[str, list[tuple[str, datetime | None, datetime | None]]]:
        """Step name -> its runs in cwltool's record: (cwltool activity id, start, end), in
        the order they started. A step that ran more than once (a scatter) is an activity
        per run."""
        found: dict[str, list] = {}
        if self.run.cwlprov is None:
            return found
        names = {step["name"] for step in self.run.steps}
        labels, times = {}, {}
        for record in self.run.cwlprov.get_records():
            kind = record.get_type().localpart
            if kind == "Activity":
                label = next((str(val) for k, val in record.attributes if str(k) == "prov:label"), "")
                if "#main/" in label:
                    labels[str(record.identifier)] = label.rsplit("#main/", 1)[-1]
            elif kind in ("Start", "End"):
                attrs = {str(k): val for k, val in record.attributes}
                key = "prov:activity"
                slot = times.setdefault(str(attrs.get(key)), [None, None])
                slot[0 if kind == "Start" else 1] = _aware(attrs.get("prov:time"))
        for cwl_id, label in labels.items():
            name = label
            if name not in names:
                match = INSTANCE.match(label)
                name = match.group(1) if match and match.group(1) in names else None
            if name is not None:
                start, end = times.get(cwl_id, (None, None))
                found.setdefault(name, []).append((cwl_id, start, end))
        for runs in found.values():
            runs.sort(key=lambda each: (each[1] or datetime.max.replace(tzinfo=timezone.utc), each[0]))
        return found

    def _steps(self) -> None:
        run, doc = self.run, self.doc
        self.steps = {}  # step name -> its activity (the first, for a scatter)
        self.step_names = [step["name"] for step in run.steps]
        self.step_of_activity = {}
        instances = self._instances()
        for step in run.steps:
            name = step["name"]
            plan = self._wf(f"main/{name}")
            doc.entity(plan, [(PROV_TYPE, PROV["Plan"]), (PROV_TYPE, v.WFDESC["Process"])])
            started, finished = _aware(step.get("started")), _aware(step.get("finished"))
            runs = instances.get(name) or [(None, started, finished)]
            scattered = len(runs) > 1
            for number, (cwl_id, begin, end) in enumerate(runs, start=1):
                activity = v.instance_id(run.job_id, name, number) if scattered else v.step_id(run.job_id, name)
                attributes = [(PROV_TYPE, v.WFPROV["ProcessRun"]), (v.STATUS, step["status"]),
                              (v.STEP, name),
                              (PROV_LABEL, f"step {name}" + (f" (instance {number})" if scattered else ""))]
                if scattered:
                    attributes.append((v.INSTANCE, number))
                if step.get("exit_code") is not None:
                    attributes.append((v.EXIT_CODE, step["exit_code"]))
                if step["status"] == "failed":
                    attributes.append((v.ERROR_MESSAGE, run.message))
                    attributes.append((v.STDERR, f"/api/jobs/{run.job_id}/logs?step={name}"))
                # The step's own record where it has one (our clock); an instance's from cwltool,
                # inside the step's and the run's intervals.
                if scattered:
                    begin = _within(begin, started or self.intervals[self.activity][0],
                                    finished or self.intervals[self.activity][1])
                    end = _within(end, begin, finished or self.intervals[self.activity][1])
                else:
                    begin, end = started, finished
                if begin is not None:
                    begin = _within(begin, *self.intervals[self.activity])
                if end is not None:
                    end = _within(end, begin, self.intervals[self.activity][1])
                doc.activity(activity, begin, end, attributes)
                self.intervals[activity] = (begin, end)
                if self.engine is not None:
                    doc.wasAssociatedWith(activity, self.engine, plan, identifier=self._relation())
                if begin:
                    doc.wasStartedBy(activity, None, self.activity, begin, identifier=self._relation())
                if end:
                    doc.wasEndedBy(activity, None, self.activity, end, identifier=self._relation())
                self.steps.setdefault(name, activity)
                self.step_of_activity[activity] = name
                if cwl_id is not None:
                    self.step_activities[cwl_id] = (activity, name)

    # --- data -----------------------------------------------------------------------------
    def _content(self, sha1: str):
        identifier = v.content_id(sha1)
        if sha1 not in self.contents:
            self.contents.add(sha1)
            self.doc.entity(identifier, [(PROV_TYPE, v.CONTENT), (v.SHA1, sha1)])
        return identifier

    def _specialise(self, identifier, sha1: str | None) -> None:
        if sha1:
            self.doc.specializationOf(identifier, self._content(sha1))

    def _storage_entity(self, identifier, data: Data, extra=()) -> None:
        self.doc.entity(identifier, [(PROV_LOCATION, v.add_location(self.doc, data.path)),
                                     (v.CHECKSUM, data.checksum),
                                     (v.SHA256, checksums.to_hex(data.checksum)),
                                     (v.SIZE, data.size), (PROV_TYPE, v.WFPROV["Artifact"]), *extra])
        self._specialise(identifier, data.sha1)

    def _data(self) -> None:
        run, doc = self.run, self.doc
        self.input_entities = {}
        self.inputs_by_port: dict[str, list] = {}
        for data in run.inputs:
            known = self.known_entity(data.path, data.checksum)
            identifier = known if known else object_id(data.path, data.checksum)
            self._storage_entity(identifier, data)
            doc.used(self.activity, identifier, self.intervals[self.activity][0],
                     other_attributes={PROV_ROLE: self._wf(f"main/{data.port}")}, identifier=self._relation())
            self.input_entities[identifier] = data
            self.inputs_by_port.setdefault(data.port, []).append((identifier, data))
        self._input_collections()
        self.output_entities = {}
        self.output_generated: dict = {}  # output entity -> its generation (activity, role, time)
        per_port: dict[str, list] = {}
        for data in run.outputs:
            index = len(per_port.setdefault(data.port, []))
            identifier = v.output_id(run.job_id, data.port, index)
            self._storage_entity(identifier, data)
            per_port[data.port].append(identifier)
            self.output_entities[identifier] = data
        for port, members in per_port.items():
            if len(members) > 1:  # an array output: a collection of its files
                collection = v.ident(f"run/{run.job_id}/output/{port}")
                doc.collection(collection, {PROV_LABEL: f"output {port}"})
                for member in members:
                    doc.hadMember(collection, member)
                doc.wasGeneratedBy(collection, self.activity, self.intervals[self.activity][1],
                                   other_attributes={PROV_ROLE: self._wf(f"main/primary/{port}")},
                                   identifier=self._relation())
        self.per_port = per_port

    def _input_collections(self) -> None:
        """A Directory input: a prov:Collection with its files as members."""
        members_by_path = {data.path: identifier for identifier, data in self.input_entities.items()}
        for path, port, files in self.run.collections:
            identifier = self.known_entity(path, None) or object_id(path, None)
            self.doc.collection(identifier, {PROV_LOCATION: v.add_location(self.doc, path),
                                             PROV_LABEL: f"input {port}"})
            self.doc.used(self.activity, identifier, self.intervals[self.activity][0],
                          identifier=self._relation(),
                          other_attributes={PROV_ROLE: self._wf(f"main/{port}")})
            for member in files:
                if member in members_by_path:
                    self.doc.hadMember(identifier, members_by_path[member])

    def _cwltool_graph(self) -> None:
        """Which step run used and generated which data, from cwltool's record: generations
        first (an intermediate is named after the step run that made it), then usages, each
        of the entity its port's source names."""
        records = list(self.run.cwlprov.get_records())
        general = {}  # cwltool file entity -> its data hash
        for record in records:
            if record.get_type().localpart == "Specialization":
                attrs = dict((str(k), str(val)) for k, val in record.attributes)
                general[attrs["prov:specificEntity"]] = attrs["prov:generalEntity"].rsplit(":", 1)[-1]
        events = []
        for record in records:
            kind = record.get_type().localpart
            if kind not in ("Usage", "Generation"):
                continue
            attrs = {str(k): val for k, val in record.attributes}
            mapped = self.step_activities.get(str(attrs.get("prov:activity")))
            sha1 = general.get(str(attrs.get("prov:entity")))
            if mapped is None or sha1 is None:
                continue  # the workflow run's own usage and generation: recorded above
            role = str(attrs.get("prov:role", "")).split(":", 1)[-1]
            port = role.rsplit("/", 1)[-1] if "/" in role else role
            time = _aware(attrs.get("prov:time"))
            events.append((kind, mapped, sha1, port, time))
        wiring = _wiring(self.run.packed)
        # (step name, port) -> [(entity, sha1, time)] of what that step generated.
        self.made: dict[tuple[str, str], list] = {}
        self.unassigned_outputs = {identifier: data for identifier, data in self.output_entities.items()}
        for kind, (activity, name), sha1, port, time in events:
            if kind != "Generation":
                continue
            entity = self._generated_entity(activity, name, port, sha1)
            at = _within(time, *self.intervals[activity])
            self.made.setdefault((name, port), []).append((entity, sha1, at))
            role = {PROV_ROLE: self._wf(f"main/{name}/{port}")}
            if entity in self.output_entities:
                self.output_generated[entity] = (activity, role, at)
            else:
                self.doc.wasGeneratedBy(entity, activity, at, other_attributes=role,
                                        identifier=self._relation())
        for kind, (activity, name), sha1, port, time in events:
            if kind != "Usage":
                continue
            at = _within(time, *self.intervals[activity])
            entity = self._used_entity(name, port, sha1, at, wiring)
            if entity is None:
                continue
            self.doc.used(activity, entity, at, other_attributes={PROV_ROLE: self._wf(f"main/{name}/{port}")},
                          identifier=self._relation())

    def _generated_entity(self, activity, name: str, port: str, sha1: str):
        """A stored output with these bytes made by this step, else an intermediate of its own."""
        for identifier, data in list(self.unassigned_outputs.items()):
            if data.sha1 == sha1 and data.step in (name, None):
                del self.unassigned_outputs[identifier]
                return identifier
        number = sum(1 for entity, _, _ in self.made.get((name, port), ())
                     if entity not in self.output_entities and self._made_by.get(entity) == activity)
        identifier = self._intermediate_id(activity, port, number)
        self._made_by[identifier] = activity
        self.doc.entity(identifier, [(PROV_TYPE, v.WFPROV["Artifact"]),
                                     (PROV_LABEL, f"{port} of step {name}")])
        self._specialise(identifier, sha1)
        return identifier

    def _intermediate_id(self, activity, port: str, number: int):
        step = self.step_of_activity[activity]
        instance = next((value for key, value in self.doc.get_record(activity)[0].attributes
                         if key == v.INSTANCE), None)
        where = f"step/{step}" + (f"/instance/{instance}" if instance is not None else "")
        return v.ident(f"run/{self.run.job_id}/data/{where}/{port}/{number}")

    def _used_entity(self, name: str, port: str, sha1: str, at, wiring: dict):
        """What a step's port used: its source in the workflow's wiring (a workflow input, or
        what another step generated) with these bytes; without wiring, what a step generated
        before with these bytes, else the input with them."""
        source = wiring.get(f"{name}/{port}")
        if source is not None:
            if "/" in source:
                made = self.made.get(tuple(source.split("/", 1)), [])
                found = [entity for entity, digest, _ in made if digest == sha1]
                return found[0] if found else None
            found = [identifier for identifier, data in self.inputs_by_port.get(source, ()) if data.sha1 == sha1]
            if found:
                return found[0]
        earlier = [(time, entity) for made in self.made.values() for entity, digest, time in made
                   if digest == sha1 and (time is None or at is None or time <= at)]
        if earlier:
            return sorted(earlier, key=lambda each: (each[0] is None, each[0]))[-1][1]
        inputs = [identifier for identifier, data in self.input_entities.items() if data.sha1 == sha1]
        return inputs[0] if inputs else None

    def _output_generations(self) -> None:
        """Each stored output generated once: by the step run cwltool says made it, else by
        the step staging names, else by the run."""
        for identifier, data in self.output_entities.items():
            if identifier in self.output_generated:
                activity, role, at = self.output_generated[identifier]
            elif data.step in self.steps and self.run.cwlprov is None:
                activity = self.steps[data.step]
                role = {PROV_ROLE: self._wf(f"main/{data.step}")}
                at = self.intervals[activity][1]
            else:
                activity = self.activity
                role = {PROV_ROLE: self._wf(f"main/primary/{data.port}")}
                at = self.intervals[activity][1]
            self.doc.wasGeneratedBy(identifier, activity, at, other_attributes=role,
                                    identifier=self._relation())

    def _derivations(self) -> None:
        """wasDerivedFrom from each output to the top-level inputs it depends on, by walking
        the steps' usage and generation back (no activity: the output's generation is its
        step's, and a derivation naming the run would imply a second one)."""
        step_activities = set(self.step_of_activity)
        generated_by, used = {}, {}
        for record in self.doc.get_records():
            kind = record.get_type().localpart
            attrs = {str(k): val for k, val in record.attributes}
            if kind == "Generation" and attrs.get("prov:activity") in step_activities:
                generated_by.setdefault(attrs["prov:entity"], set()).add(attrs["prov:activity"])
            elif kind == "Usage" and attrs.get("prov:activity") in step_activities:
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
                self.doc.wasDerivedFrom(output, source, identifier=self._relation())
