"""Ask a running API how it is: GET /api/status, over HTTP only (the controller never imports the backend)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

STATUS_PATH = "/api/status"


@dataclass(frozen=True)
class Health:
    code: int | None          # HTTP status, None when nothing answered
    body: Any = None          # the JSON answer, or its text when not JSON
    error: str | None = None  # why nothing answered

    @property
    def ok(self) -> bool:
        return self.code == 200

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
