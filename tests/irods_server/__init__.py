"""A test-only iRODS protocol server, spoken to by python-irodsclient's real network code."""

from .server import IrodsTestServer

__all__ = ["IrodsTestServer"]
