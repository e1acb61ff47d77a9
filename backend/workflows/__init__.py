"""Workflows: the CWL registry (and, later, jobs run by Celery)."""

from __future__ import annotations

from flask import Flask, current_app

from backend.auth.db import Database
from backend.workflows.registry import Registry

EXTENSION_KEY = "rapydo.workflows"


class WorkflowsExtension:
    def init_app(self, app: Flask, settings) -> None:
        db = Database(settings.auth_db)
        registry = Registry(db, settings.irods_zone)
        registry.create_schema()
        db.dispose()  # no connection across uWSGI's fork
        app.extensions[EXTENSION_KEY] = registry


def registry(app: Flask | None = None) -> Registry:
    return (app or current_app).extensions[EXTENSION_KEY]
