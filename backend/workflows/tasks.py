"""The workflow runner as a Celery task, and each worker's sweep for jobs whose worker was
lost (and for provenance records a store that was down did not take yet).

The task is acknowledged late (a worker killed mid-job leaves the message to be delivered
again) and idempotent: it runs only when the job's state says it is its turn
(JobStore.claim). A redelivered task that finds another live attempt running waits and
looks again; one that finds the job finished does nothing.
"""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_ready

from backend.settings import current_settings
from backend.tasks import task
from backend.workflows import jobs, sandbox
from backend.workflows.runner import BUSY
from backend.workflows.service import RUN_TASK

log = logging.getLogger(__name__)


def _storage_for(job):
    from backend.auth import auth_service
    from backend.storage import storage_backend

    backend = storage_backend()
    fields = auth_service().unseal(job.sealed_credentials) if job.sealed_credentials else None
    return backend.session(job.owner, credentials=backend.credentials_from(fields))


# The job's state lives in the jobs table: nothing for Celery's result backend to keep.
def _record_provenance(attempt) -> None:
    from backend.errors import NotFound
    from backend.provenance import provenance
    from backend.workflows import registry

    try:
        path = registry().get(attempt.job.workflow_name, attempt.job.workflow_version).storage_path
    except NotFound:  # deleted from the registry since: the plan keeps name, version, checksum
        path = None
    provenance().record_attempt(attempt, jobs().store, path)


@task(name=RUN_TASK, bind=True, acks_late=True, max_retries=None, ignore_result=True)
def run_job(self, job_id: str) -> str:
    outcome = jobs().run(job_id, storage_for=_storage_for, on_finished=_record_provenance)
    if outcome == BUSY:
        # Another attempt holds the job and is alive: look again once it could be lost.
        raise self.retry(countdown=max(1.0, current_settings().job_lost_after / 2))
    return outcome


@worker_ready.connect
def _check_sandbox(sender=None, **_):
    """Every worker start says how its jobs will run (a warning for JOB_SANDBOX=none)."""
    app = getattr(getattr(sender, "app", None), "flask_app", None)
    if app is not None:
        sandbox.announce(app.extensions["rapydo.settings"])


@worker_ready.connect
def _start_sweeping(sender=None, **_):
    app = getattr(getattr(sender, "app", None), "flask_app", None)
    if app is None:
        return
    interval = max(1.0, app.extensions["rapydo.settings"].job_heartbeat)

    def sweep() -> None:
        from backend.provenance import provenance

        while True:
            try:
                with app.app_context():
                    jobs().reap()
                    service = provenance()
                    service.outbox.flush(service.store)  # records the store missed
            except Exception:  # the sweep must outlive a database that is down for a while
                log.exception("sweeping for lost jobs or undelivered provenance failed")
            stop.wait(interval)

    stop = threading.Event()
    threading.Thread(target=sweep, name="lost-job-sweeper", daemon=True).start()
