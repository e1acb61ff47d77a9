"""Provenance: every finished job and every data operation as W3C PROV, kept in a graph store.

`ProvenanceExtension().init_app(app, settings)` builds the store (PROV_STORE: sql or neo4j)
and the outbox every write goes through (a store that is down loses nothing); request code
and tasks reach the `ProvenanceService` through `provenance()`, and data operations are
recorded with `record_operation(kind, ...)`.

PROV_CAPTURE=false records nothing (the API then serves no provenance for new jobs).
"""

from __future__ import annotations

import logging
import socket

from flask import Flask, current_app
from prov.model import ProvDocument, ProvElement

from backend.errors import NoProvenance, NotFound, ServiceUnavailable
from backend.health import register_check
from backend.provenance import capture, model, operations
from backend.provenance import rebuild  # noqa: F401  its worker_ready repair (scatters split)
from backend.provenance import vocabulary as v
from backend.provenance.describe import run_description
from backend.provenance.outbox import Outbox
from backend.provenance.store import ProvenanceStore, build_store
from backend.provenance.visibility import Viewer, visible_part

log = logging.getLogger(__name__)

EXTENSION_KEY = "rapydo.provenance"


class ProvenanceService:
    def __init__(self, store: ProvenanceStore, outbox: Outbox, *, zone: str, capture: bool):
        self.store, self.outbox, self.zone, self.capture = store, outbox, zone, capture

    # --- writing --------------------------------------------------------------------------
    def record(self, bundle: str, document: ProvDocument) -> None:
        """Durably queue `document`, and deliver what is queued if the store answers."""
        self.outbox.record(bundle, document)

    def known_entity(self, path: str, checksum: str | None):
        """The entity the store knows at `path` (with `checksum`), as a qualified name."""
        try:
            found = self.store.find_entity(path, checksum)
        except ServiceUnavailable:
            found = None  # named after (path, checksum) instead: the same name a lookup finds
        return v.ID[found[len(v.ID.uri):]] if found and found.startswith(v.ID.uri) else None

    def record_attempt(self, attempt, job_store, workflow_path: str | None) -> None:
        """The PROV document of the job an attempt just ended (the runner's on_finished)."""
        if not self.capture:
            return
        job = job_store.get(attempt.job.id)
        for name, value in attempt.final.items():  # what finish is about to write
            setattr(job, name, value)
        run = capture.run_of(job, job_store.steps(job.id), attempt.staged_in, attempt.stored_out,
                             capture.read_cwlprov(attempt.research_object), zone=self.zone,
                             workflow_path=workflow_path, collections=attempt.staged_collections,
                             packed=capture.read_packed(attempt.research_object))
        self.record(v.bundle_of_job(job.id), model.build(run, self.known_entity))

    def record_operation(self, kind: str, user: str, *infos) -> None:
        if not self.capture:
            return
        build = getattr(operations, kind)
        operation_id, document = build(user, self.zone, *infos, self.known_entity)
        self.record(operations.bundle_of_operation(operation_id), document)

    def record_activity(self, kind: str, user: str, *, used=(), generated=()) -> None:
        """A project's step (`kind`, e.g. "seadata-import") of `user`, which used and generated
        these storage objects (Info). For tasks as much as requests: it never fails the step
        (the outbox keeps the record when the store is down; a failure to build one is logged)."""
        if not self.capture:
            return
        try:
            operation_id, document = operations.activity(kind, user, self.zone, list(used),
                                                         list(generated), self.known_entity)
            self.record(operations.bundle_of_operation(operation_id), document)
        except Exception:
            log.exception("recording the provenance of a %s failed", kind)

    # --- reading ----------------------------------------------------------------------------
    def job_document(self, job_id: str) -> ProvDocument:
        document = self.store.bundle(v.bundle_of_job(job_id))
        if document is None:
            raise NoProvenance(f"no provenance is recorded for job {job_id} (it has not "
                               "finished, or it ran with PROV_CAPTURE off)")
        return document

    def entity_at(self, path: str, checksum: str | None = None) -> str:
        found = self.store.find_entity(path, checksum) or self.store.find_entity(path)
        if found is None:
            raise NoProvenance(f"no provenance is recorded for {path}")
        return found

    def lineage(self, node: str, direction: str, depth: int) -> ProvDocument:
        """The whole lineage, unfiltered: for tasks and projects; requests use visible_lineage."""
        return self.store.lineage(node, direction, depth)

    def visible_lineage(self, node: str, direction: str, depth: int, viewer: Viewer,
                        *, start_checked: bool = False) -> tuple[ProvDocument, int]:
        """The lineage of `node` as `viewer` may see it (backend/provenance/visibility.py), and
        how many elements were hidden. NotFound when the viewer may not see `node` itself
        (unless the caller already checked it, as a path it may read): ids of other users'
        runs are not confirmed."""
        if not start_checked:
            itself, _ = visible_part(self.store.lineage(node, "both", 1), viewer)
            if not any(record.identifier.uri == node for record in itself.get_records(ProvElement)):
                raise NotFound(f"no provenance about {node}")
        return visible_part(self.store.lineage(node, direction, depth), viewer)

    def visible_union(self, seeds, viewer: Viewer, base: ProvDocument | None = None
                      ) -> tuple[ProvDocument, int]:
        """The union of `base` (a job's document) and the lineages of `seeds` ((node,
        direction, depth, start_checked) each), as `viewer` may see it, filtered once (the
        hidden count counts each element once). A seed the viewer may not see is NotFound,
        as in visible_lineage: the interactive graph's expansions go through here."""
        union = ProvDocument()
        for namespace in v.NAMESPACES:
            union.add_namespace(namespace)
        if base is not None:
            union.update(base)
        for node, direction, depth, checked in seeds:
            if not checked:
                itself, _ = visible_part(self.store.lineage(node, "both", 1), viewer)
                if not any(record.identifier.uri == node
                           for record in itself.get_records(ProvElement)):
                    raise NotFound(f"no provenance about {node}")
            union.update(self.store.lineage(node, direction, depth))
        return visible_part(union.unified(), viewer)

    def describe(self, job, urls: dict) -> dict:
        from backend.workflows import registry

        document = self.job_document(job.id)
        steps = _job_steps(job)
        try:
            workflow_path = registry().get(job.workflow_name, job.workflow_version).storage_path
        except NotFound:
            workflow_path = None
        return run_description(job, steps, document, urls=urls, host=socket.gethostname(),
                               workflow_path=workflow_path)

    def health(self) -> dict:
        status = self.store.health()
        status["pending"] = self.outbox.pending()
        return status


def _job_steps(job):
    from backend.workflows import jobs

    return jobs().store.steps(job.id)


class ProvenanceExtension:
    def init_app(self, app: Flask, settings) -> None:
        store = build_store(settings)
        service = ProvenanceService(store, Outbox.from_settings(settings, store),
                                    zone=settings.irods_zone, capture=settings.prov_capture)
        app.extensions[EXTENSION_KEY] = service
        register_check(app, "provenance", service.health)


def provenance(app: Flask | None = None) -> ProvenanceService:
    return (app or current_app).extensions[EXTENSION_KEY]


def record_operation(kind: str, *infos) -> None:
    """Record a data operation of the request's user (upload, copy, move, delete). Never
    fails the operation: the outbox keeps the record when the store is down, and a
    failure to build one is logged."""
    from backend.auth import current_user

    try:
        provenance().record_operation(kind, current_user().username, *infos)
    except Exception:
        log.exception("recording the provenance of a %s failed", kind)
