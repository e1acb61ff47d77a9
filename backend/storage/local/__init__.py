"""The local storage backend: iRODS semantics over a vault directory and a SQLite catalog.

Modules, one idea each:
    catalog      the SQLite file: schema, per-process/thread connections, transactions
    nodes        rows of collections and data objects, subtree queries
    permissions  ACL levels and checks
    actors       who acts: a user, or a ticket on behalf of its owner
    vault        the files holding the bytes, written atomically
    storage      the session (stat, list, mkdir, write/read, copy, move, remove, checksum)
    metadata     AVUs
    acls         the ACL sub-manager
    tickets      tickets and their uses
    groups       groups and their members (ACL entries name groups as they name users)
    backend      LocalBackend: sessions, homes, health
"""

from backend.storage.local.backend import LocalBackend

__all__ = ["LocalBackend"]
