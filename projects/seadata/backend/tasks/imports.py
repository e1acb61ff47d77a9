"""seadata.import_batch: unpack a batch's uploaded zip, give every file a PID, record provenance.

Idempotent, because it is acknowledged late and runs again when its worker dies:

- it works only while the batch is importing *this* upload (batches.claim), and counts
  its attempts: a zip that kills its worker every time fails the batch instead of
  looping for ever;
- members are unpacked into a hidden collection of the batch, then merged into the batch
  (what a dead attempt merged already and is unchanged stays, with its PID); a damaged
  zip fails the batch with nothing of it left behind (other data the user keeps in the
  batch collection is left alone);
- PIDs are minted idempotently (b2stage), and the uploaded zip is removed only once the
  batch says imported, so a redelivery after that finds nothing to redo but the zip.

Whatever goes wrong ends as failed with the reason; only storage being unavailable is
retried (with backoff), and its last retry fails the batch too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from backend.errors import NotFound, RapydoError, ServiceUnavailable
from backend.provenance import provenance
from backend.settings import current_settings
from backend.storage import paths
from backend.storage.base import COLLECTION, DATAOBJECT, Info, Storage
from backend.tasks import task
from rapydo_projects.b2stage.pids import pid_service
from rapydo_projects.seadata import batches, unpacking
from rapydo_projects.seadata.acting import max_attempts, session_as
from rapydo_projects.seadata.models.batches import FAILED, IMPORTED, Batch

log = logging.getLogger(__name__)

STAGING = f"{batches.HIDDEN}import"
ACTIVITY = "seadata-import"
SHOWN_SKIPS = 10


@dataclass
class Attempt:
    """What this attempt put into the batch, so that a failure removes that and no more
    (the user may keep other data in the batch collection)."""

    batch: Batch
    merged: list[str] = field(default_factory=list)  # top-level names moved into the batch


@task(name=batches.IMPORT_TASK, bind=True, idempotent=True, ignore_result=True)
def import_batch(self, batch_id: str, upload: str) -> str:
    claim = batches.claim(batch_id, upload, max_attempts())
    if claim.batch is None:
        _tidy_after(batch_id, upload)
        return "nothing to do"
    attempt = Attempt(claim.batch)
    storage = session_as(attempt.batch.owner, attempt.batch.sealed_credentials)
    if claim.gave_up:
        _discard(storage, attempt)
        return FAILED
    try:
        return _import(storage, attempt)
    except ServiceUnavailable as exc:
        if self.request.retries < self.max_retries:
            batches.retrying(attempt.batch, f"storage unavailable ({exc.message}): retrying")
            raise self.retry(exc=exc, countdown=2 ** self.request.retries)
        _fail(storage, attempt, f"storage stayed unavailable: {exc.message}")
    except RapydoError as exc:
        _fail(storage, attempt, exc.message)
    except Exception as exc:  # a bug must not leave the batch importing for ever
        log.exception("importing batch %s failed", attempt.batch.id)
        _fail(storage, attempt, f"the import failed unexpectedly ({type(exc).__name__})")
    return FAILED


def _import(storage: Storage, attempt: Attempt) -> str:
    batch = attempt.batch
    try:
        archive = storage.stat(batch.upload)
    except NotFound:
        _fail(storage, attempt, "the uploaded zip is gone: upload it again")
        return FAILED
    staging = paths.join(batch.path, STAGING)
    _remove(storage, staging)  # what a dead attempt left
    try:
        unpacked = unpacking.unpack(storage, archive.path, staging, current_settings().chunk_size,
                                    batches.max_unpacked())
    except unpacking.CorruptZip as exc:
        _fail(storage, attempt, f"{exc.message}: nothing was imported")
        return FAILED
    if storage.exists(staging):
        attempt.merged = [child.name for child in storage.children(staging)]
        _merge(storage, staging, batch.path)
    files = imported_files(storage, batch.path, attempt.merged)
    for info in files:
        pid_service().mint(storage, info)
    provenance().record_activity(ACTIVITY, batch.owner, used=[archive], generated=files)
    batches.finish(batch, IMPORTED, _summary(len(files), unpacked.skipped), files=len(files),
                   skipped=len(unpacked.skipped))
    _remove(storage, archive.path)
    return IMPORTED


def _summary(files: int, skipped: list[str]) -> str:
    message = f"imported {files} file{'s' if files != 1 else ''}"
    if skipped:
        shown = "; ".join(skipped[:SHOWN_SKIPS]) + ("; ..." if len(skipped) > SHOWN_SKIPS else "")
        message += f", skipped {len(skipped)} member{'s' if len(skipped) != 1 else ''} ({shown})"
    return message


def imported_files(storage: Storage, batch_path: str, names: list[str]) -> list[Info]:
    """Every data object the import put at or below these top-level names of the batch."""
    found, stack = [], []
    for name in names:
        info = storage.stat(paths.join(batch_path, name))
        (stack if info.type == COLLECTION else found).append(info)
    while stack:
        for child in storage.children(stack.pop().path):
            (stack if child.type == COLLECTION else found).append(child)
    return sorted(found, key=lambda info: info.path)


def _merge(storage: Storage, source: str, target: str) -> None:
    """Move the tree `source` into `target`. Where a dead attempt merged an object already,
    the one in place stays if it has the same bytes (it may carry its PID)."""
    for child in list(storage.children(source)):
        into = paths.join(target, child.name)
        try:
            existing = storage.stat(into)
        except NotFound:
            storage.move(child.path, into)
            continue
        if child.type == COLLECTION and existing.type == COLLECTION:
            _merge(storage, child.path, into)
        elif child.type == DATAOBJECT and child.checksum and existing.checksum == child.checksum:
            storage.remove(child.path)
        else:
            storage.remove(into, recursive=True)
            storage.move(child.path, into)
    storage.remove(source, recursive=True)


def _fail(storage: Storage, attempt: Attempt, message: str) -> None:
    """Nothing half-imported stays: what this attempt unpacked or merged goes, with the zip."""
    try:
        _discard(storage, attempt)
    except Exception:  # the batch must say failed even when the clean-up does not finish
        log.exception("removing the failed import of batch %s", attempt.batch.id)
    batches.finish(attempt.batch, FAILED, message)


def _discard(storage: Storage, attempt: Attempt) -> None:
    batch = attempt.batch
    for name in [STAGING, *attempt.merged]:
        _remove(storage, paths.join(batch.path, name))
    _remove(storage, batch.upload)


def _tidy_after(batch_id: str, upload: str) -> None:
    """A delivery of an import that ended: its zip may be left if its worker died just after."""
    try:
        batch = batches.get(batch_id)
    except NotFound:
        return
    if batch.upload == upload and batch.status in (IMPORTED, FAILED):
        _remove(session_as(batch.owner, batch.sealed_credentials), upload)


def _remove(storage: Storage, path: str) -> None:
    try:
        storage.remove(path, recursive=True)
    except NotFound:
        pass
