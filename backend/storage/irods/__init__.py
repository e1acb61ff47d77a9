"""The irods storage backend: python-irodsclient against a real iRODS zone."""

from backend.storage.irods.backend import IrodsBackend
from backend.storage.irods.connect import Credentials

__all__ = ["IrodsBackend", "Credentials"]
