"""The Celery app, built by the application factory (`celery_init_app`).

Broker: `CELERY_BROKER_URL` (RabbitMQ, `amqp://...`, in real deployments); when unset,
kombu's `filesystem://` transport with its folders under DATA_DIR/broker, which needs
no server (the local engine's embedded default). Results: `CELERY_RESULT_BACKEND`, else
a SQLite file in DATA_DIR through Celery's SQLAlchemy backend (`db+sqlite:///...`).

Workers beat (backend.tasks.heartbeat): /api/status reports whether one is alive.

Every task runs inside the Flask app context, so it reaches storage, auth and settings
through the same accessors as request code. Tasks are acknowledged late and requeued
when a worker dies mid-task: write them idempotent (`task(idempotent=True)` adds retries).
"""

from __future__ import annotations

from pathlib import Path

from celery import Celery, Task, shared_task
from flask import Flask, current_app

from backend.health import register_check
from backend.settings import Settings
from backend.tasks import heartbeat

KEY = "rapydo.celery"
BROKER_DIR = "broker"
RESULTS_FILE = "celery-results.sqlite"
# Seconds the API waits for the broker (health check, sending a task).
BROKER_TIMEOUT = 3.0
# How often the embedded transport looks for new messages (seconds).
FILESYSTEM_POLL = 0.2


def broker_folders(settings: Settings) -> dict[str, Path]:
    root = settings.data_dir / BROKER_DIR
    return {"queue": root / "queue", "processed": root / "processed", "control": root / "control"}


def celery_config(settings: Settings) -> dict:
    config = {
        "broker_url": settings.celery_broker_url or "filesystem://",
        "result_backend": settings.celery_result_backend or f"db+sqlite:///{settings.data_dir / RESULTS_FILE}",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_extended": False,
        "broker_connection_timeout": BROKER_TIMEOUT,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "task_default_queue": settings.celery_queue,
    }
    if not settings.celery_broker_url:
        folders = broker_folders(settings)
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        # One folder both ways: producers (the API) and consumers (the worker) share it.
        config["broker_transport_options"] = {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "control_folder": str(folders["control"]),
            "processed_folder": str(folders["processed"]),
            "store_processed": False,
            "polling_interval": FILESYSTEM_POLL,
        }
    return config


def celery_init_app(app: Flask, settings: Settings) -> Celery:
    """Build the Celery app for `app`, keep it in app.extensions["rapydo.celery"]."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(celery_config(settings))
    from backend import projects
    from backend.tasks import builtin  # noqa: F401  (registers the core's shared tasks)
    from backend.workflows import tasks as workflow_tasks  # noqa: F401

    projects.task_modules(settings.project, settings.projects_dir)  # and the project chain's

    celery.set_default()
    celery.flask_app = app  # for worker-wide threads (the sweep for lost jobs)
    app.extensions[KEY] = celery
    register_check(app, "broker", lambda: broker_check(celery))
    register_check(app, "worker", lambda: heartbeat.check(settings))
    return celery


def broker_check(celery: Celery) -> dict:
    """Whether the broker accepts a connection (not whether a worker listens)."""
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
            transport = connection.transport_cls
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "transport": str(transport)}


def celery_app() -> Celery:
    """The Celery app of the application handling this request."""
    return current_app.extensions[KEY]


def task(*, name: str, idempotent: bool = False, max_retries: int = 3, **options):
    """Declare a task of the core or a project. `idempotent=True`: acknowledged late
    (the default here anyway) and retried with backoff on any exception."""
    if idempotent:
        options = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": True,
                   "max_retries": max_retries, **options}
    return shared_task(name=name, **options)
