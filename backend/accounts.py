"""What ends with an account, once an administrator disabled or deleted it.

Its queued and running jobs are cancelled at once (the workers also start none of an
account that is no longer active). A deleted account also loses its tickets and the
grants others gave it, as iRODS' `iadmin rmuser` removes a user's ACLs, so that whoever
is given the name later inherits none of them; its own data stays. A disabled account
keeps both, unused: storage refuses its tickets while it is disabled, and they work
again if it is enabled again.
"""

from __future__ import annotations

import logging

from backend.errors import ServiceUnavailable
from backend.storage import storage_backend
from backend.workflows import jobs

log = logging.getLogger(__name__)


def account_ended(username: str, *, deleted: bool) -> None:
    """`username` was just disabled (`deleted` False) or deleted."""
    how = "deleted" if deleted else "disabled"
    cancelled = jobs().store.cancel_all_of(username, f"cancelled: the account of {username} was {how}")
    log.info("account %s %s: %d unfinished job(s) cancelled", username, how, len(cancelled))
    if not deleted:
        return
    try:
        storage_backend().end_account(username)
    except ServiceUnavailable as exc:
        # The user is gone already; their tickets stay refused (storage asks who is active).
        raise ServiceUnavailable(f"{username} was deleted, but storage could not remove their "
                                 f"tickets and grants: {exc.message}") from exc
