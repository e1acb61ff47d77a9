"""The application factory: it only wires extensions and endpoints together."""

from __future__ import annotations

import logging

from flask import Flask

from backend import disk, request_body, request_log, uploads, web
from backend.api import register_api, request_error_response
from backend.auth import AuthExtension
from backend.private_files import prepare_data_dir
from backend.projects import ProjectModelsExtension, web_folders
from backend.provenance import ProvenanceExtension
from backend.settings import Settings
from backend.storage import StorageExtension
from backend.tasks import celery_init_app
from backend.workflows import WorkflowsExtension


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask("backend")
    # Paths are validated by backend.storage.paths: never let routing rewrite
    # '//' into '/' behind our back (it would turn a refused path into another one).
    app.url_map.merge_slashes = False
    app.extensions["rapydo.settings"] = settings
    prepare_data_dir(settings.data_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    StorageExtension().init_app(app, settings)
    AuthExtension().init_app(app, settings)
    WorkflowsExtension().init_app(app, settings)
    ProjectModelsExtension().init_app(app, settings)
    ProvenanceExtension().init_app(app, settings)
    celery_init_app(app, settings)
    disk.init_app(app, settings)
    uploads.init_app(app, settings)
    register_api(app)
    # The web interface at /web/, a client of the API above, with the project chain's pages.
    web.init_app(app, web_folders(settings.project, settings.projects_dir))
    request_log.init_app(app)
    request_body.init_app(app)
    app.register_error_handler(Exception, request_error_response)
    return app
