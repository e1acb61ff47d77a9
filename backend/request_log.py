"""What uWSGI's request log shows of a path: ticket strings are credentials, so they are masked.

uWSGI logs each request with `log-format` (confs/uwsgi.ini); `%(path)` there is
the log variable set here after every request. Outside uWSGI (tests with
Flask's client) there is no request log and this does nothing.
"""

from __future__ import annotations

import re

from flask import Flask, request

try:  # only importable inside a uWSGI worker
    import uwsgi
except ImportError:  # pragma: no cover - depends on the server
    uwsgi = None

TICKET_IN_PATH = re.compile(r"^(/api/tickets/)[^/]+")


def loggable_path(path: str) -> str:
    return TICKET_IN_PATH.sub(r"\1***", path)


def init_app(app: Flask) -> None:
    if uwsgi is None:
        return

    @app.after_request
    def _set_log_path(response):
        uwsgi.set_logvar("path", loggable_path(request.path))
        return response
