"""The catalog of the local backend: one SQLite file holding what iRODS keeps in ICAT.

Why the stdlib `sqlite3` and not SQLAlchemy (which the auth and provenance stores
use): every request goes through this catalog on its hot path (a stat, a permission
check, a listing page), and those are a handful of hand-written, index-driven
statements. An ORM would add per-row object construction and a query compiler for
no gain; we need no dialect portability, since this catalog is SQLite by definition.

Concurrency model: uWSGI forks worker processes and may run threads in each, and
a Celery worker is a further process. SQLite in WAL mode lets readers proceed
while one writer writes; every write transaction starts with BEGIN IMMEDIATE so
that it takes the write lock up front (a deferred transaction that later tries to
upgrade can fail with SQLITE_BUSY without ever waiting); `busy_timeout` makes a
writer wait for the lock instead of failing at once. Each process+thread gets its
own connection: sqlite3 connections must not cross threads, and SQLite forbids
using (even closing) a connection inherited through fork().
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from backend.errors import Conflict, InsufficientStorage, ServiceUnavailable

SCHEMA_VERSION = 2  # 2: groups
BUSY_TIMEOUT_MS = 30_000

# Every statement is idempotent, so several processes may start at once: the
# first BEGIN IMMEDIATE wins, the others wait and then find everything in place.
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS nodes (
        id INTEGER PRIMARY KEY,
        parent_id INTEGER REFERENCES nodes(id),
        name TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL CHECK (type IN ('collection', 'dataobject')),
        owner TEXT NOT NULL,
        size INTEGER,
        checksum TEXT,
        vault TEXT,
        created TEXT NOT NULL,
        modified TEXT NOT NULL,
        inherit INTEGER NOT NULL DEFAULT 0
    )""",
    # Listing walks this index in name order: a page costs the same whatever the
    # size of the collection (no COUNT, no sort of the whole collection).
    "CREATE UNIQUE INDEX IF NOT EXISTS nodes_parent_name ON nodes (parent_id, name)",
    # A user's usage (quotas) sums this index's entries of that owner, not the whole table.
    "CREATE INDEX IF NOT EXISTS nodes_owned ON nodes (owner, size) WHERE type = 'dataobject'",
    # Search results come in (collection, name) order, as iRODS sorts them: this index hands
    # them over in that order, so a page stops reading once full (local/search.py).
    "CREATE INDEX IF NOT EXISTS nodes_collection_name"
    " ON nodes (substr(path, 1, length(path) - length(name) - 1), name)",
    # The primary key doubles as the index of the listing's EXISTS filter.
    """CREATE TABLE IF NOT EXISTS acls (
        node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
        PRIMARY KEY (node_id, user)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS avus (
        id INTEGER PRIMARY KEY,
        node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        attribute TEXT NOT NULL,
        value TEXT NOT NULL,
        unit TEXT NOT NULL DEFAULT '',
        UNIQUE (node_id, attribute, value, unit)
    )""",
    # Search starts from the AVUs of a rare `attribute = value` condition (local/search.py).
    "CREATE INDEX IF NOT EXISTS avus_attribute_value ON avus (attribute, value)",
    """CREATE TABLE IF NOT EXISTS tickets (
        id INTEGER PRIMARY KEY,
        string TEXT NOT NULL UNIQUE,
        node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        type TEXT NOT NULL CHECK (type IN ('read', 'write')),
        owner TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT,
        uses_limit INTEGER,
        uses_count INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS tickets_owner ON tickets (owner)",
    # Deleting a node cascades to its tickets: without this index every delete
    # would scan the tickets table.
    "CREATE INDEX IF NOT EXISTS tickets_node ON tickets (node_id)",
    # Groups, as iRODS keeps them beside its users: ACL entries name a group like a user.
    # "public" is no row here: everyone is in it.
    "CREATE TABLE IF NOT EXISTS groups (name TEXT PRIMARY KEY) WITHOUT ROWID",
    """CREATE TABLE IF NOT EXISTS group_members (
        group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
        user TEXT NOT NULL,
        PRIMARY KEY (group_name, user)
    ) WITHOUT ROWID""",
    # Permission checks ask for the groups of one user.
    "CREATE INDEX IF NOT EXISTS group_members_user ON group_members (user, group_name)",
)

# A subtree selected by a range on the unique path index rather than by walking
# parent_id: '0' is the character after '/', so this is one index range scan and
# removing, moving or checking a subtree costs one statement whatever its depth.
# Usable with or without a `nodes n` alias: `path` is a column of nodes only.
SUBTREE = "(path = :root OR (path >= :root || '/' AND path < :root || '0'))"

# --- time: stored as fixed-width UTC ISO strings, so SQL can compare them ----

def now() -> datetime:
    return datetime.now(timezone.utc)


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:  # naive datetimes are taken to be UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# --- errors ------------------------------------------------------------------

def translate_errors(method):
    """Turn sqlite3 failures into the typed errors of backend.errors."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except sqlite3.IntegrityError as exc:
            # Only reachable through a race the transactions should prevent.
            raise Conflict(f"the catalog refused the change: {exc}") from exc
        except sqlite3.Error as exc:
            if ((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF) == sqlite3.SQLITE_FULL:
                raise InsufficientStorage("the disk is full: the catalog cannot record the "
                                          "change") from exc
            raise ServiceUnavailable(f"local catalog unavailable: {exc}") from exc

    return wrapper


# --- connections ---------------------------------------------------------------

class Catalog:
    """The SQLite file: per-process, per-thread connections and transactions."""

    def __init__(self, path: Path):
        self.path = Path(path)
        # (pid, thread id) -> connection. Keyed by pid so that a forked child never
        # picks up its parent's connections; those stay in the dict untouched, as
        # closing them in the child would touch the parent's locks and WAL.
        self._connections: dict[tuple[int, int], sqlite3.Connection] = {}
        self._lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        # current_thread() also registers threads started outside Python (uWSGI's),
        # so that _prune sees them alive.
        key = (os.getpid(), threading.current_thread().ident)
        conn = self._connections.get(key)
        if conn is None:
            conn = self._connect()
            with self._lock:
                self._prune()
                self._connections[key] = conn
        return conn

    def _prune(self) -> None:
        """Close the connections of this process's finished threads: a server that
        starts a thread per request would otherwise accumulate them."""
        pid, alive = os.getpid(), {thread.ident for thread in threading.enumerate()}
        for key in [key for key in self._connections if key[0] == pid and key[1] not in alive]:
            self._connections.pop(key).close()

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; we issue BEGIN ourselves.
        # check_same_thread=False only so that close() and _prune may close other
        # threads' connections; in use, each connection stays in its own thread.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                               isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._enable_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        # In WAL mode NORMAL is still consistent after a crash and avoids an
        # fsync per commit; a power cut may lose the last commits, never corrupt.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @staticmethod
    def _enable_wal(conn: sqlite3.Connection) -> None:
        # Switching a fresh file to WAL needs an exclusive lock, and SQLite does
        # not always apply busy_timeout to it: retry while other processes that
        # start at the same moment hold the file.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise

    def create_schema(self) -> None:
        with self.transaction() as conn:
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close this process's connections (those of every thread)."""
        with self._lock:
            mine = [key for key in self._connections if key[0] == os.getpid()]
            for key in mine:
                self._connections.pop(key).close()
