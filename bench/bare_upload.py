"""The baseline of bench/uploads.py: a bare WSGI app under the same uWSGI that writes each
request body to a file and answers 201 — what any upload server must at least do, including
answering `Expect: 100-continue` (uWSGI's HTTP socket does not), so curl waits for neither."""

import os
import uuid

try:
    import uwsgi
except ImportError:  # imported outside uWSGI only to be checked
    uwsgi = None

TARGET = os.path.join(os.environ.get("DATA_DIR", "/tmp"), "bare")
os.makedirs(TARGET, exist_ok=True)


def app(environ, start_response):
    if environ["REQUEST_METHOD"] != "PUT":  # the launcher's readiness probe (/api/status)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']
    if environ.get("HTTP_EXPECT", "").lower() == "100-continue" and uwsgi is not None:
        os.write(uwsgi.connection_fd(), b"HTTP/1.1 100 Continue\r\n\r\n")
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    with open(os.path.join(TARGET, uuid.uuid4().hex), "wb") as out:
        while remaining > 0 and (chunk := environ["wsgi.input"].read(min(remaining, 1 << 20))):
            out.write(chunk)
            remaining -= len(chunk)
    start_response("201 Created", [("Content-Type", "application/json")])
    return [b"{}"]
