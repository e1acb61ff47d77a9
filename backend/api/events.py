"""Around a data operation done through the API: the projects' `before_data_operation`
hooks (backend/hooks.py) may refuse it first; once done, its provenance record and the
projects' `data_operation` hooks follow, in that order.

What follows may not fail the operation, which has happened: the client gets its answer
either way.
"""

from __future__ import annotations

import logging

from flask import current_app

from backend.errors import BadRequest, NotFound, PermissionDenied, Unauthorized
from backend.provenance import record_operation
from backend.storage.base import Info, Storage

log = logging.getLogger(__name__)

LISTENERS_KEY = "rapydo.data_operation"
VETOES_KEY = "rapydo.before_data_operation"


def data_operation_allowed(kind: str, storage: Storage, info: Info) -> None:
    """Ask the projects whether `storage`'s session may `kind` (delete, move, overwrite)
    `info`; the first typed error one raises refuses the operation."""
    vetoes = current_app.extensions.get(VETOES_KEY, ())
    if not vetoes:
        return
    from backend.auth import current_user

    try:
        user = current_user().username
    except Unauthorized:  # the bearer of a ticket
        user = None
    for veto in vetoes:
        veto(kind, user, info, storage)


def overwrite_allowed(storage: Storage, path: str) -> None:
    """Before a write with force to `path`: the projects are asked about what it would
    replace, if anything is there."""
    if not current_app.extensions.get(VETOES_KEY):
        return
    try:
        existing = storage.stat(path)
    except (NotFound, PermissionDenied, BadRequest):
        return  # nothing to replace, or the write itself will be refused, saying why
    data_operation_allowed("overwrite", storage, existing)


def data_operation_done(kind: str, *infos) -> None:
    """`kind` (upload, copy, move, delete) was done by the request's user to `infos`."""
    from backend.auth import current_user

    record_operation(kind, *infos)
    user = current_user().username
    for listener in current_app.extensions.get(LISTENERS_KEY, ()):
        try:
            listener(kind, user, infos)
        except Exception:
            log.exception("%s.%s failed after a %s", listener.__module__, listener.__name__, kind)
