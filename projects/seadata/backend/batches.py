"""Ingestion batches: the records and their states, shared by the endpoints and the import task.

A batch is a collection `<owner's home>/batches/<id>` and a row saying where its import
stands: created -> importing -> imported, or failed (which may be imported again). Every
change of state is one conditional UPDATE, so an endpoint and a (redelivered) task can
never both believe they own an import: the task only writes while the batch is importing
*its* upload.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend.auth.models import utcnow
from backend.errors import AlreadyExists, Conflict, PermissionDenied
from backend.projects import database
from backend.settings import current_settings
from backend.storage import paths
from backend.storage.base import Storage
from rapydo_projects.seadata.models.batches import (CREATED, FAILED, IMPORTED, IMPORTING, Batch,
                                                    QualityCheck)
from rapydo_projects.seadata import records
from rapydo_projects.seadata.names import check_id

BATCHES = "batches"
# Names inside a batch that are not imported data: QC results, and the import's own
# hidden objects (the uploaded zip, the collection it is unpacked into).
QC = "qc"
HIDDEN = ".seadata-"
IMPORT_TASK = "seadata.import_batch"
DEFAULT_MAX_UNPACKED = 100 * 1024**3


def max_unpacked() -> int:
    """SEADATA_MAX_UNPACKED: the most bytes one batch's zip may unpack to."""
    return int(current_settings().project_settings.get("seadata_max_unpacked") or DEFAULT_MAX_UNPACKED)


def collection_of(owner: str, batch_id: str) -> str:
    return f"{current_settings().home_of(owner)}/{BATCHES}/{batch_id}"


def create(storage: Storage, owner: str, batch_id: str, sealed: str | None) -> Batch:
    """The record first (its primary key decides who has the id), then the collection."""
    batch_id = check_id("batch", batch_id)
    now = utcnow()
    batch = Batch(id=batch_id, owner=owner, path=collection_of(owner, batch_id), status=CREATED,
                  message="created: PUT a zip to import it", created=now, updated=now,
                  sealed_credentials=sealed)
    try:
        with database().transaction(write=True) as session:
            session.add(batch)
    except IntegrityError:
        raise AlreadyExists(f"batch {batch_id} exists") from None
    try:
        storage.mkdir(paths.parent(batch.path), parents=True)
        storage.mkdir(batch.path)
    except BaseException:
        with database().transaction(write=True) as session:
            session.execute(Batch.__table__.delete().where(Batch.id == batch_id))
        raise
    return batch


def get(batch_id: str) -> Batch:
    return records.get(Batch, "batch", batch_id)


def visible(batch_id: str, user) -> Batch:
    """The batch if `user` is its owner or an admin; NotFound otherwise."""
    return records.visible(Batch, "batch", batch_id, user)


def owned(batch_id: str, user, action: str) -> Batch:
    batch = visible(batch_id, user)
    if batch.owner != user.username:
        raise PermissionDenied(f"only the batch's owner may {action}")
    return batch


def importable(batch: Batch) -> None:
    """Conflict unless a zip may be imported into `batch` now."""
    if batch.status == IMPORTING:
        raise Conflict(f"batch {batch.id} is importing: wait until it is imported or failed")
    if batch.status == IMPORTED:
        raise Conflict(f"batch {batch.id} is imported already: create a new batch")


def upload_path(batch: Batch, token: str) -> str:
    return f"{batch.path}/{HIDDEN}upload-{token}.zip"


def _change(batch_id: str, where, **values) -> bool:
    with database().transaction(write=True) as session:
        result = session.execute(update(Batch).where(Batch.id == batch_id, *where)
                                 .values(updated=utcnow(), **values))
    return result.rowcount == 1


def start_import(batch: Batch, upload: str, sealed: str | None) -> bool:
    """created/failed -> importing `upload`; False when another import got there first."""
    return _change(batch.id, [Batch.status.in_((CREATED, FAILED))], status=IMPORTING,
                   upload=upload, attempts=0, files=0, skipped=0, sealed_credentials=sealed,
                   message="queued for import")


@dataclass(frozen=True)
class Claim:
    batch: Batch | None  # None: nothing for this delivery to do
    gave_up: bool = False  # too many attempts: the batch is failed now


def claim(batch_id: str, upload: str, max_attempts: int) -> Claim:
    """One more attempt at importing `upload`, if the batch still waits for it."""
    with database().transaction(write=True) as session:
        batch = session.get(Batch, batch_id, with_for_update=True)
        if batch is None or batch.status != IMPORTING or batch.upload != upload:
            return Claim(None)
        batch.attempts += 1
        batch.updated = utcnow()
        if batch.attempts > max_attempts:
            batch.status = FAILED
            batch.message = (f"the import was interrupted {max_attempts} times (its worker was "
                             "lost): upload the zip again")
            return Claim(batch, gave_up=True)
        batch.message = "importing"
    return Claim(batch)


def finish(batch: Batch, status: str, message: str, *, files: int = 0, skipped: int = 0) -> bool:
    """importing -> imported or failed, only for the import that `batch` was claimed for."""
    return _change(batch.id, [Batch.status == IMPORTING, Batch.upload == batch.upload],
                   status=status, message=message, files=files, skipped=skipped)


def give_up(batch_id: str, upload: str, message: str) -> None:
    """An import that could not even be queued (or crashed outside the task's own handling)."""
    _change(batch_id, [Batch.status == IMPORTING, Batch.upload == upload], status=FAILED,
            message=message)


# --- quality checks ------------------------------------------------------------------------
def add_quality_check(batch: Batch, job_id: str, workflow: str, version: str, outputs: str) -> None:
    with database().transaction(write=True) as session:
        session.add(QualityCheck(job_id=job_id, batch_id=batch.id, workflow=workflow,
                                 version=version, outputs=outputs, created=utcnow()))


def quality_checks(batch: Batch) -> list[QualityCheck]:
    with database().transaction() as session:
        return list(session.scalars(select(QualityCheck).where(QualityCheck.batch_id == batch.id)
                                    .order_by(QualityCheck.created, QualityCheck.job_id)))


def retrying(batch: Batch, message: str) -> None:
    """The attempt stops to be retried (storage unavailable): it does not count as lost."""
    _change(batch.id, [Batch.status == IMPORTING, Batch.upload == batch.upload],
            attempts=Batch.attempts - 1, message=message)
