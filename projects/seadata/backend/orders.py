"""Orders: the records and their states, and what an order may contain.

An order is checked whole before anything is queued: every file named (by path or by
PID) must exist and be readable by the user who orders it, and the names in the zip must
be distinct. The task then packs those files into `<home>/orders/<order>/<order>.zip`.

queued -> preparing -> ready (a read ticket on the zip until it expires), or failed.
"expired" is what a ready order whose ticket has expired reports; the next order its owner
places removes the zips of such orders (`sweep_expired`), and they stay expired.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend.auth.models import utcnow
from backend.errors import AlreadyExists, BadRequest, NotFound
from backend.projects import database
from backend.settings import current_settings
from backend.storage import paths
from backend.storage.base import COLLECTION, Info, Storage
from backend.workflows import archive
from rapydo_projects.seadata.models.orders import (EXPIRED, FAILED, PREPARING, QUEUED, READY,
                                                   Order)
from rapydo_projects.seadata import records
from rapydo_projects.seadata.names import check_id

ORDERS = "orders"
PREPARE_TASK = "seadata.prepare_order"
MAX_FILES = 10_000
DEFAULT_EXPIRY = 7 * 24 * 3600


def expiry_seconds() -> int:
    raw = current_settings().project_settings.get("seadata_order_expiry") or DEFAULT_EXPIRY
    return max(1, int(raw))


def collection_of(owner: str, order_id: str) -> str:
    return f"{current_settings().home_of(owner)}/{ORDERS}/{order_id}"


def zip_path_of(owner: str, order_id: str) -> str:
    return f"{collection_of(owner, order_id)}/{order_id}.zip"


# --- what may be ordered --------------------------------------------------------------------
def _resolve(storage: Storage, item) -> Info:
    """The storage object a path or a PID names, as the user may see it (403/404 here)."""
    if not isinstance(item, str) or not item:
        raise BadRequest("every entry of 'files' must be a storage path or a PID")
    if item.startswith("/"):
        return storage.stat(paths.normalise(item, storage.zone))
    from rapydo_projects.b2stage.pids import pid_service

    return storage.stat(pid_service().resolve(item).path)


def contents(storage: Storage, items) -> list[list[str]]:
    """[name in the zip, storage path] of every file the order names; a collection stands
    for the files below it (named `<collection>/<relative path>`)."""
    if not isinstance(items, list) or not items:
        raise BadRequest("'files' must be a non-empty list of storage paths or PIDs")
    if len(items) > MAX_FILES:
        raise BadRequest(f"an order names at most {MAX_FILES} files")
    entries = []
    for item in items:
        info = _resolve(storage, item)
        if info.type == COLLECTION:
            entries += [[f"{info.name}/{name}", path]
                        for name, path, _ in archive.entries_of_collection(storage, info.path)]
        else:
            entries.append([info.name, info.path])
    if not entries:
        raise BadRequest("nothing to order: the collections named are empty")
    names = [name for name, _ in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BadRequest(f"two files would have the same name in the zip: {', '.join(duplicates[:5])}")
    return entries


# --- records --------------------------------------------------------------------------------
def create(owner: str, order_id: str | None, entries: list, sealed: str | None) -> Order:
    order_id = check_id("order", order_id) if order_id is not None else f"order-{uuid.uuid4().hex[:12]}"
    now = utcnow()
    order = Order(id=order_id, owner=owner, files=json.dumps(entries),
                  path=zip_path_of(owner, order_id), status=QUEUED, message="queued",
                  sealed_credentials=sealed, created=now, updated=now)
    try:
        with database().transaction(write=True) as session:
            session.add(order)
    except IntegrityError:
        raise AlreadyExists(f"order {order_id} exists") from None
    return order


def get(order_id: str) -> Order:
    return records.get(Order, "order", order_id)


def visible(order_id: str, user) -> Order:
    """The order if `user` is its owner or an admin; NotFound otherwise."""
    return records.visible(Order, "order", order_id, user)


def owned_by(owner: str) -> list[Order]:
    with database().transaction() as session:
        return list(session.scalars(select(Order).where(Order.owner == owner)
                                    .order_by(Order.created.desc(), Order.id)))


def status_of(order: Order, now: datetime | None = None) -> str:
    if order.status == READY and order.expires is not None and order.expires <= (now or utcnow()):
        return EXPIRED
    return order.status


def remove(order_id: str) -> Order:
    """Delete the record, first: a task still preparing the order then finds it gone and
    removes what it made. Returns the record as it was at deletion (its ticket)."""
    with database().transaction(write=True) as session:
        order = session.get(Order, order_id, with_for_update=True)
        if order is None:
            raise NotFound(f"no order {order_id}")
        session.delete(order)
    return order


def _change(order: Order, where, **values) -> bool:
    with database().transaction(write=True) as session:
        result = session.execute(update(Order).where(Order.id == order.id, *where)
                                 .values(updated=utcnow(), **values))
    return result.rowcount == 1


def give_up(order: Order, message: str) -> None:
    _change(order, [Order.status == QUEUED], status=FAILED, message=message)


@dataclass(frozen=True)
class Claim:
    order: Order | None  # None: nothing for this delivery to do
    gave_up: bool = False


def claim(order_id: str, max_attempts: int) -> Claim:
    """One more attempt at preparing the order, if it is still to be prepared."""
    with database().transaction(write=True) as session:
        order = session.get(Order, order_id, with_for_update=True)
        if order is None or order.status not in (QUEUED, PREPARING):
            return Claim(None)
        order.attempts += 1
        order.updated = utcnow()
        if order.attempts > max_attempts:
            order.status = FAILED
            order.message = f"preparing the order was interrupted {max_attempts} times (its worker was lost)"
            return Claim(order, gave_up=True)
        order.status, order.message = PREPARING, "preparing the zip"
    return Claim(order)


def _mine(order: Order) -> list:
    return [Order.status == PREPARING, Order.attempts == order.attempts]


def ready(order: Order, zipped: Info, ticket: str, expires: datetime) -> bool:
    """False when the order was deleted (or taken over) meanwhile: the caller tidies up."""
    return _change(order, _mine(order), status=READY, message="ready: download it with the link",
                   size=zipped.size, checksum=zipped.checksum, ticket=ticket, expires=expires)


def fail(order: Order, message: str) -> None:
    _change(order, _mine(order), status=FAILED, message=message)


def retrying(order: Order, message: str) -> None:
    _change(order, _mine(order), attempts=Order.attempts - 1, message=message)


def sweep_expired(storage: Storage, owner: str) -> int:
    """Remove the zips (and tickets) of `owner`'s orders whose link has expired; how many.
    Run by the order task, acting as the owner: expired zips do not pile up in storage."""
    now = utcnow()
    with database().transaction() as session:
        expired = list(session.scalars(select(Order).where(
            Order.owner == owner, Order.status == READY, Order.expires <= now)))
    for order in expired:
        discard(storage, order.path, order.ticket)  # first: a failure leaves it to the next sweep
        _change(order, [Order.status == READY], status=EXPIRED, ticket=None,
                message="expired: its zip was removed")
    return len(expired)

def discard(storage: Storage, zip_path: str, ticket: str | None) -> None:
    """Remove an order's zip (its collection) and its ticket, whichever are left."""
    if ticket:
        try:
            storage.tickets.delete(ticket)
        except NotFound:
            pass
    try:
        storage.remove(paths.parent(zip_path), recursive=True)
    except NotFound:
        pass
