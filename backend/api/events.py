"""What follows a data operation done through the API: its provenance record, and the
projects' `data_operation` hooks (backend/hooks.py), in that order.

Neither may fail the operation, which has happened: the client gets its answer either way.
"""

from __future__ import annotations

import logging

from flask import current_app

from backend.provenance import record_operation

log = logging.getLogger(__name__)

LISTENERS_KEY = "rapydo.data_operation"


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
