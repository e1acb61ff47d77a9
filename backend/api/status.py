"""/api/status: the health of every configured service, without a token."""

from __future__ import annotations

from flask import current_app
from flask_restful import Resource

from backend import __version__
from backend.api.spec import operation
from backend.health import run_checks

# "none": a service the deployment does not use now (no worker has started): not a fault.
HEALTHY = {"ok", "none"}


class Status(Resource):
    @operation("Health of each configured service", tags=["status"], auth=False,
               responses={200: "every service is up", 503: "at least one service is down"})
    def get(self):
        services = run_checks(current_app)
        healthy = all(result.get("status") in HEALTHY for result in services.values())
        body = {"status": "ok" if healthy else "degraded", "version": __version__, "services": services}
        return body, 200 if healthy else 503


def register(api) -> None:
    api.add_resource(Status, "/api/status")
