"""/api/tasks/ping: send a task to the workers and wait for the answer (admins only)."""

from __future__ import annotations

from celery.exceptions import TimeoutError as CeleryTimeout
from flask_restful import Resource
from kombu.exceptions import OperationalError

from backend.api import params
from backend.api.spec import INTEGER, operation, query
from backend.auth import ADMIN, login_required
from backend.errors import ServiceUnavailable
from backend.tasks import celery_app

DEFAULT_TIMEOUT = 10
MAX_TIMEOUT = 300
PING_RESULT = {"type": "object", "properties": {
    "pong": {"type": "boolean"}, "worker": {"type": "string"}, "pid": {"type": "integer"}}}


class Ping(Resource):
    @operation("Run the ping task on a worker and return its answer", tags=["tasks"],
               parameters=[query("timeout", {**INTEGER, "minimum": 1, "maximum": MAX_TIMEOUT,
                                             "default": DEFAULT_TIMEOUT},
                                 "seconds to wait for a worker's answer")],
               responses={200: {"description": "the worker's answer",
                                "content": {"application/json": {"schema": PING_RESULT}}},
                          400: None, 403: None, 503: None})
    @login_required(ADMIN)
    def post(self):
        timeout = params.integer("timeout", DEFAULT_TIMEOUT, minimum=1, maximum=MAX_TIMEOUT)
        try:
            # `expires`: a ping nobody took in time is dropped, not run by the next worker.
            result = celery_app().send_task("rapydo.ping", expires=timeout, retry=False)
        except OperationalError:
            raise ServiceUnavailable("the task broker is unreachable") from None
        try:
            return result.get(timeout=timeout, interval=0.2), 200
        except CeleryTimeout:
            raise ServiceUnavailable(f"no worker answered within {timeout} s") from None
        finally:
            result.forget()


def register(api) -> None:
    api.add_resource(Ping, "/api/tasks/ping")
