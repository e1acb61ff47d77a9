"""Reading a batch's or an order's record by the id a client gave: the same rules for both.

Ids are checked first (names.check_id: 400 for a bad one); a record that does not exist and
one that belongs to somebody else are the same 404, so that other users' ids are never
confirmed. Admins see every record.
"""

from __future__ import annotations

from backend.errors import NotFound
from backend.projects import database
from rapydo_projects.seadata.names import check_id


def get(model, kind: str, record_id: str):
    """The `model` row with this id; NotFound naming the `kind` ("batch", "order") otherwise."""
    with database().transaction() as session:
        record = session.get(model, record_id)
    if record is None:
        raise NotFound(f"no {kind} {record_id}")
    return record


def visible(model, kind: str, record_id: str, user):
    """The row if `user` is its owner or an admin; NotFound otherwise."""
    record = get(model, kind, check_id(kind, record_id))
    if record.owner != user.username and not user.is_admin:
        raise NotFound(f"no {kind} {record_id}")
    return record
