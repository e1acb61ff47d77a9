"""Jobs as the API and the workers see them: submit (checked, then queued), read, dismiss,
run one attempt, and find jobs whose worker was lost.

Nothing is queued unless the whole request is acceptable: the workflow exists, every
input exists and the user may read it, the outputs collection can be the job's.
"""

from __future__ import annotations

import logging
import time

from backend.errors import NotFound, ServiceUnavailable
from backend.settings import Settings
from backend.storage.base import AVU, Storage
from backend.workflows import cwlrun, locations, requests, runner
from backend.workflows.jobs import JobStore
from backend.workflows.models import FINISHED, Job
from backend.workflows.registry import Registry

log = logging.getLogger(__name__)

RUN_TASK = "rapydo.workflows.run_job"
QUICK_WAIT = 5.0  # seconds wait_finished looks every 50 ms


class JobService:
    def __init__(self, store: JobStore, registry: Registry, settings: Settings):
        self.store = store
        self.registry = registry
        self.settings = settings

    # --- the API's side -------------------------------------------------------------------
    def submit(self, storage: Storage, owner: str, name: str, version: str, inputs: dict,
               outputs: str, *, sealed_credentials: str | None = None) -> Job:
        workflow = self.registry.get(name, version)
        summary = workflow.as_dict()
        locations.check_document(workflow.cwl)
        checked = requests.check_inputs(storage, summary.get("input_types") or {}, inputs,
                                        summary.get("default_inputs"))
        collection = requests.check_outputs(storage, outputs, self._unfinished)
        steps = summary.get("steps") or [workflow.name]
        job = self.store.create(owner, workflow, checked, collection, steps, sealed_credentials)
        storage.metadata.set(collection, AVU(requests.JOB_ATTRIBUTE, job.id))
        self.send(job.id)
        return job

    def _unfinished(self, job_id: str) -> bool:
        try:
            return self.store.get(job_id).status not in FINISHED
        except NotFound:  # a stamp of a job since deleted
            return False

    def send(self, job_id: str) -> None:
        from kombu.exceptions import OperationalError

        from backend.tasks import celery_app

        try:
            celery_app().send_task(RUN_TASK, args=[job_id], retry=False)
        except OperationalError:
            # The job stays accepted; a worker's sweep for lost jobs does not find it
            # (it never ran): say so, and let the client dismiss or retry.
            self.store.finish_unqueued(job_id, "the task broker is unreachable: the job was not queued")
            raise ServiceUnavailable("the task broker is unreachable: the job was not queued") from None

    def get(self, job_id: str, user: str, is_admin: bool) -> Job:
        self.reap([job_id])
        return self.store.visible(job_id, user, is_admin)

    def wait_finished(self, job_id: str, seconds: float) -> Job:
        """The job once it finished, or as it is after `seconds`. Polls the jobs table (no
        change notification reaches the API process: workers write the table and nothing
        else): every 50 ms for the first QUICK_WAIT seconds (short jobs are seen ending
        within 50 ms), then every 0.25 s (one indexed read each)."""
        start = time.monotonic()
        deadline = start + max(0.0, seconds)
        while True:
            job = self.store.get(job_id)
            now = time.monotonic()
            if job.status in FINISHED or now >= deadline:
                return job
            pause = 0.05 if now - start < QUICK_WAIT else 0.25
            time.sleep(min(pause, deadline - now))

    def reap(self, job_ids: list[str] | None = None) -> None:
        """Re-queue (or fail) jobs whose worker was lost; stop what their lost attempt left
        running on this host (cwltool dies with its worker, the tools it started may not)."""
        for job_id, again in self.store.reap_lost(job_ids):
            cwlrun.kill_leftovers(job_id)
            if not again:
                log.warning("job %s lost its worker too often: failed", job_id)
                continue
            log.warning("job %s lost its worker: queued again", job_id)
            try:
                self.send(job_id)
            except ServiceUnavailable:
                pass

    # --- the worker's side ----------------------------------------------------------------
    def run(self, job_id: str, storage_for, on_finished=None) -> str:
        context = runner.Context(settings=self.settings, store=self.store, storage_for=storage_for,
                                 on_finished=on_finished or runner.Context.on_finished)
        return runner.run(context, job_id)
