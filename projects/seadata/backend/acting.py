"""Handing work to a worker that acts as the user who asked.

An endpoint seals the storage credentials of the request's token (a user's own iRODS
password in IRODS_SESSION_MODE=user; nothing in proxy mode), exactly as the core does for
jobs, and queues the task (`send`); the task unseals them to open a storage session as
that user (`session_as`), so it can do nothing the user could not.
"""

from __future__ import annotations

from backend.auth import auth_service, current_storage_credentials
from backend.settings import current_settings
from backend.storage import storage_backend
from backend.storage.base import Storage


def sealed_credentials() -> str | None:
    """The request's storage credentials, sealed for a task (None when the token has none)."""
    credentials = current_storage_credentials()
    return auth_service().seal(credentials) if credentials else None


def session_as(owner: str, sealed: str | None) -> Storage:
    backend = storage_backend()
    fields = auth_service().unseal(sealed) if sealed else None
    return backend.session(owner, credentials=backend.credentials_from(fields))


def send(task: str, **kwargs) -> None:
    """Queue a task; ServiceUnavailable when the broker cannot take it (nothing was queued)."""
    from kombu.exceptions import OperationalError

    from backend.errors import ServiceUnavailable
    from backend.tasks import celery_app

    try:
        celery_app().send_task(task, kwargs=kwargs, retry=False)
    except OperationalError:
        raise ServiceUnavailable("the task broker is unreachable: nothing was queued") from None


def max_attempts() -> int:
    """How often a task may start on one batch or order: a redelivery after its worker died
    counts, so an input that kills workers fails instead of being redelivered for ever."""
    return max(1, int(current_settings().project_settings.get("seadata_max_attempts") or 3))
