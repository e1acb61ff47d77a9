"""seadata.prepare_order: pack an order's files into one zip in storage, and share it by ticket.

The zip is built by zipstream-ng as it is written (the core's backend/workflows/archive.py):
each file is read from storage when the archive reaches it, and the chunks go straight
into `storage.write_in_streaming`, so neither the zip nor a file is ever whole on the
worker's disk or in its memory. Entries are stored uncompressed: scientific data rarely
shrinks, and the archive's size is then known before its first byte.

Idempotent (acknowledged late; re-run when a worker dies): the zip is rewritten whole
(atomically, force), tickets a dead attempt left on it are deleted before the new one is
made, and the order is marked ready only by the attempt that claimed it. An order deleted
meanwhile gets its zip and ticket removed again. Once ready, it removes the zips of the
owner's expired orders.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from backend.auth.models import utcnow
from backend.errors import RapydoError, ServiceUnavailable
from backend.provenance import provenance
from backend.settings import current_settings
from backend.storage.base import Storage
from backend.tasks import task
from backend.workflows import archive
from rapydo_projects.seadata import orders
from rapydo_projects.seadata.acting import max_attempts, session_as
from rapydo_projects.seadata.models.orders import FAILED, READY, Order

log = logging.getLogger(__name__)

ACTIVITY = "seadata-order"


@task(name=orders.PREPARE_TASK, bind=True, idempotent=True, ignore_result=True)
def prepare_order(self, order_id: str) -> str:
    claim = orders.claim(order_id, max_attempts())
    if claim.order is None or claim.gave_up:
        return "nothing to do" if claim.order is None else FAILED
    order = claim.order
    storage = session_as(order.owner, order.sealed_credentials)
    try:
        return _prepare(storage, order)
    except ServiceUnavailable as exc:
        if self.request.retries < self.max_retries:
            orders.retrying(order, f"storage unavailable ({exc.message}): retrying")
            raise self.retry(exc=exc, countdown=2 ** self.request.retries)
        orders.fail(order, f"storage stayed unavailable: {exc.message}")
    except RapydoError as exc:
        orders.fail(order, exc.message)
    except Exception as exc:  # a bug must not leave the order preparing for ever
        log.exception("preparing order %s failed", order.id)
        orders.fail(order, f"preparing the order failed unexpectedly ({type(exc).__name__})")
    return FAILED


def _prepare(storage: Storage, order: Order) -> str:
    used = []
    for name, path in json.loads(order.files):
        try:
            used.append((name, storage.stat(path)))
        except ServiceUnavailable:
            raise
        except RapydoError as exc:  # removed, or no longer readable by the user, since
            orders.fail(order, f"{path} can no longer be read ({exc.message})")
            return FAILED
    chunks, size = archive.zip_stream(storage, [(name, info.path, info.size) for name, info in used],
                                      current_settings().chunk_size)
    zipped = storage.write_in_streaming(order.path, chunks, force=True, parents=True, size=size)
    provenance().record_activity(ACTIVITY, order.owner, used=[info for _, info in used],
                                 generated=[zipped])
    for earlier in storage.tickets.list():  # a dead attempt's ticket must not stay valid
        if earlier.path == zipped.path:
            storage.tickets.delete(earlier.string)
    expires = utcnow() + timedelta(seconds=orders.expiry_seconds())
    ticket = storage.tickets.create(zipped.path, "read", expires=expires)
    if not orders.ready(order, zipped, ticket.string, expires):
        log.info("order %s was deleted while it was prepared: removing its zip", order.id)
        orders.discard(storage, order.path, ticket.string)
        return "deleted"
    orders.sweep_expired(storage, order.owner)
    return READY

