"""Health checks: each extension registers one per service it needs; /api/status runs them."""

from __future__ import annotations

import logging
from typing import Callable

from flask import Flask

KEY = "rapydo.health"
log = logging.getLogger(__name__)


def register_check(app: Flask, service: str, check: Callable[[], dict]) -> None:
    """`check()` returns {"status": "ok"|"down"|"none", ...details} and should not raise;
    "none": the deployment does not use the service now (e.g. no worker has started)."""
    app.extensions.setdefault(KEY, {})[service] = check


def run_checks(app: Flask) -> dict[str, dict]:
    results = {}
    for service, check in app.extensions.get(KEY, {}).items():
        try:
            results[service] = check()
        except Exception as exc:  # a broken check must not break the status page
            log.warning("health check %s failed: %s", service, type(exc).__name__)
            results[service] = {"status": "down", "error": type(exc).__name__}
    return results
