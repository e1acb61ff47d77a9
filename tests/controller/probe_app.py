"""A tiny WSGI app to test the uWSGI configuration apart from the backend.

Run through `LocalEngine(..., module="tests.controller.probe_app:app")`.
- GET /api/status             200 {"status": "ok", "pid": <worker pid>}
- PUT /upload                 reads the body in chunks; after the first chunk it creates
                              DATA_DIR/upload-started (the client may still be sending);
                              answers {"size": ..., "sha256": ...}
- GET /echo-log?secret=...    200, to check what the request log keeps
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

CHUNK = 64 * 1024


def app(environ, start_response):
    path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
    if path == "/api/status":
        return reply(start_response, {"status": "ok", "pid": os.getpid()})
    if path == "/upload" and method == "PUT":
        return reply(start_response, consume(environ))
    if path == "/echo-log":
        return reply(start_response, {"logged": True})
    return reply(start_response, {"error": "not found"}, "404 Not Found")


def consume(environ) -> dict:
    stream = environ["wsgi.input"]
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    digest, size, marker = hashlib.sha256(), 0, None
    while remaining > 0:
        chunk = stream.read(min(CHUNK, remaining))
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        remaining -= len(chunk)
        if marker is None:
            # DATA_DIR comes from the environment the engine handed to uWSGI.
            marker = Path(environ.get("DATA_DIR") or os.environ["DATA_DIR"]) / "upload-started"
            marker.write_text(str(size))
    return {"size": size, "sha256": digest.hexdigest()}


def reply(start_response, body: dict, status: str = "200 OK"):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
