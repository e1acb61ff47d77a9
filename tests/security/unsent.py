"""An upload that announces its length and never sends its body: only an answer given before
reading a byte of it can arrive (a server that reads would wait, and the client times out)."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

WAIT = 20  # seconds: far more than a refusal takes, far less than a reader's patience


def put_announced(base_url: str, token: str | None, path: str, length: int) -> tuple[int, dict]:
    """PUT `path` announcing `length` bytes and sending none: (status, JSON body)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=WAIT)
    try:
        connection.putrequest("PUT", path, skip_accept_encoding=True)
        if token:
            connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()
