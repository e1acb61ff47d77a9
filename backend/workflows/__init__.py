"""Workflows: the CWL registry, and jobs run by Celery workers.

`WorkflowsExtension().init_app(app, settings)` keeps a `Registry` and a `JobService` in
app.extensions; request code and tasks reach them through `registry()` and `jobs()`.
"""

from __future__ import annotations

import time

from flask import Flask, current_app

from backend.auth.db import Database
from backend.health import register_check
from backend.workflows import sandbox
from backend.workflows.documents import Limits
from backend.workflows.jobs import JobStore
from backend.workflows.registry import Registry
from backend.workflows.service import JobService

REGISTRY_KEY = "rapydo.workflows"
JOBS_KEY = "rapydo.jobs"


class WorkflowsExtension:
    def init_app(self, app: Flask, settings) -> None:
        db = Database(settings.auth_db)
        registry = Registry(db, settings.irods_zone, Limits.from_settings(settings))
        registry.create_schema()  # the jobs tables too: one metadata
        db.dispose()  # no connection across uWSGI's fork
        store = JobStore(db, lost_after=settings.job_lost_after, max_attempts=settings.job_max_attempts)
        app.extensions[REGISTRY_KEY] = registry
        app.extensions[JOBS_KEY] = JobService(store, registry, settings)
        started = time.time()
        register_check(app, "sandbox", lambda: sandbox.health(settings, started))


def registry(app: Flask | None = None) -> Registry:
    return (app or current_app).extensions[REGISTRY_KEY]


def jobs(app: Flask | None = None) -> JobService:
    return (app or current_app).extensions[JOBS_KEY]
