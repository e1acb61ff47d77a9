"""Ask a running API how it is: GET /api/status, over HTTP only (the controller never imports the backend)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

STATUS_PATH = "/api/status"
# What /api/status calls a service in order: up, or not used now.
HEALTHY = ("ok", "none")


@dataclass(frozen=True)
class Health:
    code: int | None          # HTTP status, None when nothing answered
    body: Any = None          # the JSON answer, or its text when not JSON
    error: str | None = None  # why nothing answered

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def serving(self) -> bool:
        """The API is up, though maybe degraded by a full disk alone (below DISK_RESERVE): it
        must then keep running, since removing data through it is how room is made again."""
        if self.ok:
            return True
        services = self.body.get("services") if isinstance(self.body, dict) else None
        if self.code != 503 or not isinstance(services, dict):
            return False
        faults = {name for name, found in services.items()
                  if not isinstance(found, dict) or found.get("status") not in HEALTHY}
        return faults == {"disk"}

    def describe(self) -> str:
        if self.code is None:
            return f"no answer ({self.error})"
        return f"HTTP {self.code}: {self.body}"


def check(base_url: str, timeout: float = 5.0) -> Health:
    try:
        response = requests.get(base_url + STATUS_PATH, timeout=timeout)
    except requests.RequestException as exc:
        return Health(code=None, error=type(exc).__name__)
    try:
        body = response.json()
    except ValueError:
        body = response.text[:500]
    return Health(code=response.status_code, body=body)
