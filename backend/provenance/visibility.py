"""What of a provenance graph a caller may see: a pure filter over a PROV document.

Lineage crosses users: a public reference file's history, an output shared with a colleague.
Each element is shown only when the caller may see what it stands for, decided from current
permissions at the time of the request (never from what was true when it was recorded):

- an entity with a `prov:location` (a storage object): when the caller may read that path now;
  when the object is gone, when it belonged to a run the caller may read or the caller took part
  in what was done with it (a visible operation);
- anything else of a run (`run.<job>...`: the run, its steps, intermediates): when the caller
  may read that job;
- a data operation (`op.<id>`): when it was the caller's, or it touched a visible object;
- agents, plans and anything else: when they are attached to a visible activity or entity;
- a prov:Location (a storage path): when a visible element is at it (never on its own: it
  names a path).

Relations are kept when every element they name is visible. Hidden elements are counted, not
described. The caller is given as two questions (`may_read_path`, `may_read_job`), so this
module knows nothing of HTTP, sessions or storage backends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prov.constants import PROV_LOCATION
from prov.identifier import QualifiedName
from prov.model import ProvDocument, ProvElement, ProvRelation

from backend.provenance import vocabulary as v

RUN, OPERATION = f"{v.ID.uri}run.", f"{v.ID.uri}op."
# PathAnswer: True readable, False not readable, None no such object (any more).
PathAnswer = bool | None


@dataclass(frozen=True)
class Viewer:
    user_agent: str  # the caller's agent id (a full URI)
    may_read_path: Callable[[str], PathAnswer]
    may_read_job: Callable[[str], bool]
    is_admin: bool = False


def job_of(uri: str) -> str | None:
    """`run.<job>...` -> job id (a job id is a uuid: nothing in it is escaped)."""
    if not uri.startswith(RUN):
        return None
    return uri[len(RUN):].split(".", 1)[0] or None


def _location_refs(element: ProvElement) -> list[str]:
    return [value.uri for key, value in element.attributes
            if key == PROV_LOCATION and isinstance(value, QualifiedName)]


def _named(relation: ProvRelation) -> list[str]:
    return [value.uri for _, value in relation.formal_attributes if isinstance(value, QualifiedName)]


class _Decision:
    def __init__(self, viewer: Viewer, document: ProvDocument):
        self.viewer = viewer
        self.document = document
        self.location_paths = v.location_paths(document)
        self._jobs: dict[str, bool] = {}
        self._paths: dict[str, PathAnswer] = {}

    def job(self, job_id: str | None) -> bool:
        if job_id is None:
            return False
        if job_id not in self._jobs:
            self._jobs[job_id] = self.viewer.may_read_job(job_id)
        return self._jobs[job_id]

    def path(self, location: str) -> PathAnswer:
        if location not in self._paths:
            self._paths[location] = self.viewer.may_read_path(location)
        return self._paths[location]

    def direct(self, element: ProvElement) -> bool | None:
        """Visible, hidden, or None: decided by its neighbours."""
        uri = element.identifier.uri
        locations = v.paths_of(self.document, element, self.location_paths)
        if locations:
            answers = [self.path(location) for location in locations]
            if any(answers):
                return True
            if all(answer is None for answer in answers):  # gone from storage
                return True if self.job(job_of(uri)) else None
            return False
        if uri.startswith(RUN):
            return self.job(job_of(uri))
        if uri == self.viewer.user_agent:
            return True
        return None


def visible_part(document: ProvDocument, viewer: Viewer) -> tuple[ProvDocument, int]:
    """The part of `document` the viewer may see, and how many elements were hidden."""
    if viewer.is_admin:
        return document, 0
    elements = {record.identifier.uri: record for record in document.get_records(ProvElement)}
    relations = list(document.get_records(ProvRelation))
    neighbours: dict[str, set[str]] = {uri: set() for uri in elements}
    for relation in relations:
        named = [uri for uri in _named(relation) if uri in elements]
        for uri in named:
            neighbours[uri].update(other for other in named if other != uri)

    decide = _Decision(viewer, document)
    places = set(decide.location_paths)
    decided = {uri: (False if uri in places else decide.direct(element)) for uri, element in elements.items()}
    # Operations: the caller's own, or touching a visible object.
    for uri in elements:
        if decided[uri] is None and uri.startswith(OPERATION):
            decided[uri] = any(decided.get(near) is True for near in neighbours[uri])
    # What is left (agents, plans, objects gone from storage, an operation's unlocated
    # entities): attached to something decided visible above (not in this pass: no order effect).
    settled = dict(decided)
    for uri in elements:
        if settled[uri] is None:
            decided[uri] = any(settled.get(near) is True for near in neighbours[uri])

    # Locations: shown with a visible element at them.
    for uri, element in elements.items():
        if uri not in places and decided[uri]:
            for place in _location_refs(element):
                if place in decided:
                    decided[place] = True

    shown = ProvDocument(namespaces=document.namespaces)
    for uri, element in elements.items():
        if decided[uri]:
            shown.add_record(element)
    for relation in relations:
        if all(decided.get(uri, True) for uri in _named(relation)):
            shown.add_record(relation)
    return shown, sum(1 for value in decided.values() if not value)
