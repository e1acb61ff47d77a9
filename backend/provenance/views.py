"""Plain-text views of a job's PROV document, in the manner of the OGC Testbed-20
provenance demonstrator: /prov/info, /who, /runs, /run/<id>, /inputs, /outputs.

Each view reads the document only (never the job table), so what it says is what the
provenance says. Activities are named by the last part of their id: the run is `run`,
a step is its step name.
"""

from __future__ import annotations

from prov.constants import PROV_ATTR_STARTTIME, PROV_LABEL, PROV_ROLE, PROV_TYPE
from prov.model import ProvDocument

from backend.errors import NotFound
from backend.provenance import vocabulary as v

VIEWS = ("info", "who", "runs", "run", "inputs", "outputs")


class _Index:
    """The document's records by kind, and relations by their ends."""

    def __init__(self, document: ProvDocument):
        self.elements, self.relations = {}, []
        locations = v.location_paths(document)
        self.paths = {str(record.identifier): v.paths_of(document, record, locations)
                      for record in document.get_records() if record.is_element()}
        for record in document.get_records():
            if record.is_element():
                element = self.elements.setdefault(str(record.identifier), {"kind": record.get_type().localpart, "attrs": []})
                element["attrs"].extend(record.attributes)
            else:
                attrs = {str(key): value for key, value in record.formal_attributes if value is not None}
                extra = {str(key): value for key, value in record.extra_attributes}
                self.relations.append((record.get_type().localpart, attrs, extra))

    def of_kind(self, kind: str) -> list[str]:
        return sorted(name for name, element in self.elements.items() if element["kind"] == kind)

    def values(self, name: str, attribute) -> list:
        return [value for key, value in self.elements.get(name, {}).get("attrs", []) if key == attribute]

    def value(self, name: str, attribute, default=""):
        found = self.values(name, attribute)
        return found[0] if found else default

    def types(self, name: str) -> set[str]:
        return {str(value) for value in self.values(name, PROV_TYPE)}

    def run(self) -> str:
        runs = [name for name in self.of_kind("Activity") if "wfprov:WorkflowRun" in self.types(name)]
        if not runs:
            raise NotFound("the provenance holds no workflow run")
        return runs[0]

    def steps(self) -> list[str]:
        """Step runs in the order they started."""
        steps = [name for name in self.of_kind("Activity") if "wfprov:ProcessRun" in self.types(name)]
        return sorted(steps, key=lambda name: (str(self.value(name, PROV_ATTR_STARTTIME)), name))

    def linked(self, kind: str, key: str, name: str, other: str) -> list[tuple[str, dict]]:
        return [(str(attrs[other]), extra) for relation, attrs, extra in self.relations
                if relation == kind and str(attrs.get(key)) == name and other in attrs]


def _short(name: str, index: "_Index | None" = None) -> str:
    """A step run's short name: its step (and instance, for a scatter: `count#2`)."""
    if index is not None:
        step = index.value(name, v.STEP, None)
        if step is not None:
            instance = index.value(name, v.INSTANCE, None)
            return str(step) + (f"#{instance}" if instance is not None else "")
    return name.rsplit(".", 1)[-1]


def _text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _activity(index: _Index, name: str) -> list[str]:
    lines = [f"{'run' if name == index.run() else _short(name, index)}: {name}"]
    lines += [f"  {key}: {_text(value)}" for key, value in index.elements[name]["attrs"]
              if str(key) != "prov:type"]
    return lines


def _entity_line(index: _Index, name: str, extra: dict | None = None) -> str:
    location = ", ".join(index.paths.get(name, ()))
    checksum = index.value(name, v.CHECKSUM)
    size = index.value(name, v.SIZE, None)
    role = (extra or {}).get(str(PROV_ROLE)) or (extra or {}).get("prov:role")
    parts = [name, f"location={location}" if location else "", f"size={size}" if size is not None else "",
             f"checksum={checksum}" if checksum else "", f"role={role}" if role else ""]
    return "  " + " ".join(part for part in parts if part)


def render(document: ProvDocument, view: str, run_id: str | None = None) -> str:
    if view not in VIEWS:
        raise NotFound(f"no view {view}: use one of {', '.join(VIEWS)}")
    index = _Index(document)
    target = _resolve(index, run_id) if run_id else index.run()
    return "\n".join(globals()[f"_{view}"](index, target)) + "\n"


def _resolve(index: _Index, run_id: str) -> str:
    for name in [index.run(), *index.steps()]:
        if run_id in (name, _short(name, index)) or (run_id == "run" and name == index.run()):
            return name
    raise NotFound(f"no run {run_id} in this provenance")


def _info(index: _Index, target: str) -> list[str]:
    plan = [name for name in index.of_kind("Entity") if "prov:Plan" in index.types(name)
            and "wfdesc:Workflow" in index.types(name)]
    lines = [f"run: {target}", f"status: {index.value(target, v.STATUS)}"]
    if plan:
        lines += [f"workflow: {index.value(plan[0], PROV_LABEL)}", f"plan: {plan[0]}",
                  f"workflow checksum: {index.value(plan[0], v.CHECKSUM)}"]
    times = dict((str(key), value) for key, value in index.elements[target]["attrs"])
    for key in ("prov:startTime", "prov:endTime"):
        if key in times:
            lines.append(f"{key.split(':')[1]}: {times[key].isoformat()}")
    lines += [f"steps: {len(index.steps())}", f"inputs: {len(index.linked('Usage', 'prov:activity', target, 'prov:entity'))}",
              f"outputs: {len(_generated(index, target))}"]
    message = index.value(target, v.ERROR_MESSAGE)
    if message:
        lines.append(f"error: {message}")
    return lines


def _who(index: _Index, target: str) -> list[str]:
    lines = []
    for agent in index.of_kind("Agent"):
        kinds = ", ".join(sorted(index.types(agent))) or "agent"
        lines.append(f"{agent} ({kinds}) {index.value(agent, PROV_LABEL)}".rstrip())
        for responsible, _ in index.linked("Delegation", "prov:delegate", agent, "prov:responsible"):
            lines.append(f"  acted on behalf of {responsible}")
    return lines


def _runs(index: _Index, target: str) -> list[str]:
    lines = []
    for name in [index.run(), *index.steps()]:
        times = dict((str(key), value) for key, value in index.elements[name]["attrs"])
        start = times.get("prov:startTime")
        end = times.get("prov:endTime")
        lines.append(" ".join(str(part) for part in (
            "run" if name == index.run() else _short(name, index), name, index.value(name, v.STATUS),
            start.isoformat() if start else "-", end.isoformat() if end else "-",
            f"exit={index.value(name, v.EXIT_CODE, '-')}")))
    return lines


def _run(index: _Index, target: str) -> list[str]:
    lines = _activity(index, target)
    lines.append("used:")
    lines += [_entity_line(index, name, extra)
              for name, extra in index.linked("Usage", "prov:activity", target, "prov:entity")]
    lines.append("generated:")
    lines += [_entity_line(index, name, extra) for name, extra in _generated(index, target)]
    return lines


def _inputs(index: _Index, target: str) -> list[str]:
    return [_entity_line(index, name, extra)[2:]
            for name, extra in index.linked("Usage", "prov:activity", target, "prov:entity")]


def _outputs(index: _Index, target: str) -> list[str]:
    return [_entity_line(index, name, extra)[2:] for name, extra in _generated(index, target)]


def _generated(index: _Index, target: str) -> list[tuple[str, dict]]:
    """What `target` generated; for the run, also the stored outputs its steps generated (each
    output is generated once, by the step that made it)."""
    found = index.linked("Generation", "prov:activity", target, "prov:entity")
    if target == index.run():
        for step in index.steps():
            found += [(name, extra) for name, extra in index.linked("Generation", "prov:activity", step, "prov:entity")
                      if index.paths.get(name)]
    return found
