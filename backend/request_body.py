"""The request body as uWSGI's HTTP socket hands it over, made into what HTTP/1.1 clients expect.

uWSGI's `--http-socket` (2.0) neither answers `Expect: 100-continue` nor decodes a chunked
body (its `--http-manage-expect` and `--http-chunked-input` belong to the separate HTTP
router, not to this socket). Without the first, curl waits a second before every `-T`
upload; without the second, `curl -T -` and any streaming client get no body at all.
This WSGI middleware does both, lazily:

- `100 Continue` is written on the first read of the body, never before: an upload the
  app refuses (401, 403, 404, 409, 413, quota) is answered before the client sends a byte
  of it, and the client gets that answer instead of a reset;
- a chunked body is read with `uwsgi.chunked_read` and presented as a plain stream that
  ends at the last chunk (`wsgi.input_terminated`, as Werkzeug's own server does).

Behind nginx (compose), nginx answers the client's Expect itself and drops the header
towards us (confs/nginx), and sends bodies with a Content-Length or chunked, as here.
Other WSGI servers (tests' Werkzeug, gunicorn) do both themselves: nothing is changed there.
"""

from __future__ import annotations

import os

try:  # only inside uWSGI
    import uwsgi
except ImportError:  # pragma: no cover - outside uWSGI nothing here applies
    uwsgi = None

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# Seconds uwsgi.chunked_read waits for the next chunk: as long as a stalled socket read
# may take anywhere else (confs/uwsgi.ini socket-timeout).
CHUNK_TIMEOUT = 60


class ExpectingInput:
    """wsgi.input that sends `100 Continue` before the first read reaches the socket."""

    def __init__(self, stream, send_continue):
        self._stream = stream
        self._send_continue = send_continue

    def _go_ahead(self) -> None:
        if self._send_continue is not None:
            send, self._send_continue = self._send_continue, None
            send()

    def read(self, size: int = -1) -> bytes:
        self._go_ahead()
        return self._stream.read() if size is None or size < 0 else self._stream.read(size)

    def readline(self, size: int = -1) -> bytes:
        self._go_ahead()
        return self._stream.readline(size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        self._go_ahead()
        return self._stream.readlines(hint)

    def __iter__(self):
        self._go_ahead()
        return iter(self._stream)


class ChunkedInput:
    """A file-like view of a chunked request body, decoded by uWSGI; b"" at its end."""

    def __init__(self, read_chunk):
        self._read_chunk = read_chunk
        self._buffer = b""
        self._done = False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        while not self._buffer and not self._done:
            chunk = self._read_chunk()
            if chunk:
                self._buffer = chunk
            else:
                self._done = True
        piece, self._buffer = self._buffer[:size], self._buffer[size:]
        return piece

    def readline(self, size: int = -1) -> bytes:
        line = b""
        while not line.endswith(b"\n") and (size < 0 or len(line) < size):
            byte = self.read(1)
            if not byte:
                break
            line += byte
        return line

    def __iter__(self):
        return iter(self.readline, b"")


def _expects_continue(environ) -> bool:
    return (environ.get("HTTP_EXPECT", "").strip().lower() == "100-continue"
            and environ.get("SERVER_PROTOCOL") == "HTTP/1.1")


def _is_chunked(environ) -> bool:
    encoding = environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not environ.get("CONTENT_LENGTH")


def _send_continue() -> None:
    try:
        os.write(uwsgi.connection_fd(), CONTINUE)
    except OSError:
        pass  # the client left; reading the body reports it


def _read_chunk() -> bytes:
    try:
        return uwsgi.chunked_read(CHUNK_TIMEOUT)
    except OSError:
        raise
    except Exception as exc:  # uWSGI raises IOError-ish errors with its own message
        raise OSError(f"reading the chunked request body failed: {exc}") from exc


class RequestBodyMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if uwsgi is not None:
            if _is_chunked(environ):
                environ["wsgi.input"] = ChunkedInput(_read_chunk)
                environ["wsgi.input_terminated"] = True
            if _expects_continue(environ):
                environ["wsgi.input"] = ExpectingInput(environ["wsgi.input"], _send_continue)
        return self.app(environ, start_response)


def init_app(app) -> None:
    app.wsgi_app = RequestBodyMiddleware(app.wsgi_app)
