"""PROV documents of data operations through the API: each is an activity of the user.

- upload: the activity generates an entity for the stored object (path, size, checksum);
- copy: the copy is a new entity derived from the source's;
- move: the same entity, now at its new location (the store keeps both locations; the
  entity is then found at the new one);
- delete: the entity is invalidated by the activity;
- activity: a community project's step (a SeaDataCloud import, an order's zip): it used
  some entities and generated others, each generated one derived from each used one.

An object's entity is the one the store knows at that path (with that checksum), or one
named after (path, checksum), exactly as a workflow run names its inputs
(model.object_id): an uploaded file and the run that uses it share the entity.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Callable

from prov.constants import PROV_LABEL, PROV_LOCATION, PROV_TYPE
from prov.model import ProvDocument

from backend.provenance import vocabulary as v
from backend.provenance.model import object_id
from backend.storage import checksums
from backend.storage.base import COLLECTION, Info

KnownEntity = Callable[[str, str | None], str | None]


def bundle_of_operation(operation_id: str) -> str:
    return f"op:{operation_id}"


class _Operation:
    def __init__(self, kind, user: str, zone: str, known_entity: KnownEntity):
        self.id = str(uuid.uuid4())
        self.known_entity = known_entity
        self.doc = ProvDocument()
        for namespace in v.NAMESPACES:
            self.doc.add_namespace(namespace)
        self.activity = v.ident(f"op/{self.id}")
        self.time = datetime.now(timezone.utc)
        self.user = v.user_id(user)
        self.doc.agent(self.user, {PROV_TYPE: v.PROV_PERSON, PROV_LABEL: user,
                                   v.ACCOUNT: f"{user}#{zone}"})
        self.doc.activity(self.activity, self.time, self.time,
                          {PROV_TYPE: kind, PROV_LABEL: kind.localpart.lower()})
        self.doc.wasAssociatedWith(self.activity, self.user, identifier=self._relation("associated"))

    def _relation(self, name: str):
        return v.ident(f"op/{self.id}/{name}")

    def entity_of(self, path: str, checksum: str | None, *, fresh: bool = False):
        known = None if fresh else self.known_entity(path, checksum)
        return known if known else object_id(path, checksum)

    def describe(self, identifier, info: Info):
        attributes = [(PROV_LOCATION, v.add_location(self.doc, info.path))]
        if info.type == COLLECTION:
            attributes.append((PROV_TYPE, v.PROV_COLLECTION))
        else:
            attributes += [(v.CHECKSUM, info.checksum), (v.SHA256, checksums.to_hex(info.checksum)),
                           (v.SIZE, info.size)]
        self.doc.entity(identifier, attributes)
        return identifier


def upload(user: str, zone: str, info: Info, known_entity: KnownEntity) -> tuple[str, ProvDocument]:
    op = _Operation(v.UPLOAD, user, zone, known_entity)
    entity = op.describe(op.entity_of(info.path, info.checksum, fresh=True), info)
    op.doc.wasGeneratedBy(entity, op.activity, op.time, identifier=op._relation("generated"))
    return op.id, op.doc


def copy(user: str, zone: str, source: Info, copied: Info, known_entity: KnownEntity
         ) -> tuple[str, ProvDocument]:
    op = _Operation(v.COPY, user, zone, known_entity)
    original = op.describe(op.entity_of(source.path, source.checksum), source)
    new = op.describe(op.entity_of(copied.path, copied.checksum, fresh=True), copied)
    op.doc.used(op.activity, original, op.time, identifier=op._relation("used"))
    op.doc.wasGeneratedBy(new, op.activity, op.time, identifier=op._relation("generated"))
    op.doc.wasDerivedFrom(new, original, op.activity, identifier=op._relation("derived"))
    return op.id, op.doc


def move(user: str, zone: str, source: Info, moved: Info, known_entity: KnownEntity
         ) -> tuple[str, ProvDocument]:
    op = _Operation(v.MOVE, user, zone, known_entity)
    entity = op.entity_of(source.path, source.checksum)
    op.describe(entity, moved)  # the same entity, at its new location
    op.doc.used(op.activity, entity, op.time, identifier=op._relation("used"))
    return op.id, op.doc


def delete(user: str, zone: str, removed: Info, known_entity: KnownEntity
           ) -> tuple[str, ProvDocument]:
    op = _Operation(v.DELETE, user, zone, known_entity)
    entity = op.entity_of(removed.path, removed.checksum)
    op.describe(entity, removed)
    op.doc.wasInvalidatedBy(entity, op.activity, op.time, identifier=op._relation("invalidated"))
    return op.id, op.doc


def activity(kind: str, user: str, zone: str, used: list[Info], generated: list[Info],
             known_entity: KnownEntity) -> tuple[str, ProvDocument]:
    op = _Operation(v.TERMS[kind], user, zone, known_entity)
    sources = [op.describe(op.entity_of(info.path, info.checksum), info) for info in used]
    for number, source in enumerate(sources):
        op.doc.used(op.activity, source, op.time, identifier=op._relation(f"used/{number}"))
    for number, info in enumerate(generated):
        new = op.describe(op.entity_of(info.path, info.checksum, fresh=True), info)
        op.doc.wasGeneratedBy(new, op.activity, op.time, identifier=op._relation(f"generated/{number}"))
        for index, source in enumerate(sources):
            op.doc.wasDerivedFrom(new, source, op.activity,
                                  identifier=op._relation(f"derived/{number}/{index}"))
    return op.id, op.doc
