"""Pytest fixtures other test packages can import: ``from tests.irods_server.fixtures import irods_server``."""

import os

import pytest

from . import target
from .server import IrodsTestServer


@pytest.fixture
def irods_server():
    server = target.start()  # or the real iRODS IRODS_TEST_SERVER names (target.py)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def irods_tls_server(tmp_path):
    """A server that requires TLS; ``server.client_ssl_context`` trusts its self-signed certificate."""
    from . import tls

    target.require_test_server("a server with a certificate made by the test")

    if not tls.openssl_available():
        message = "openssl command not found: cannot make a test certificate"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must not pass by skipping the TLS path
        pytest.skip(message)
    cert, key = tls.make_self_signed(tmp_path)
    server = IrodsTestServer(tls_context=tls.server_context(cert, key))
    server.client_ssl_context = tls.client_context(cert)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def irods_process(tmp_path):
    """The server in a child process with user alice:apass: .port, .stop(), .start() (same port),
    .kill() (SIGKILL), to play an iRODS outage."""
    from .process import IrodsProcess

    target.require_test_server("kills and restarts the server")

    proc = IrodsProcess().start()
    try:
        yield proc
    finally:
        proc.kill()
