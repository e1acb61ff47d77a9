"""The users/tokens database: one engine per process, short transactions.

SQLite (the embedded default) is shared by several uWSGI workers, so every
connection runs in WAL mode with a busy timeout, and transactions that will
write start with `BEGIN IMMEDIATE`: they take the write lock up front instead of
failing with "database is locked" when a read turns into a write. On PostgreSQL
the same transactions lock the rows they change (`SELECT ... FOR UPDATE`).

The engine is created in the process that uses it: a process forked after the
engine existed (a prefork Celery worker) gets a fresh one instead of sharing the
parent's pooled connections.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from backend.auth.models import Base
from backend.errors import BadRequest, ServiceUnavailable

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Serialises schema creation and the admin bootstrap across worker processes on PostgreSQL.
SCHEMA_LOCK_KEY = 0x5241_5059  # "RAPY"


class Database:
    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._writer: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    if self._engine is not None:
                        # Inherited through fork: leave the parent's connections alone.
                        self._engine.dispose(close=False)
                    self._engine = _create_engine(self.url)
                    self._writer = self._engine.execution_options(rapydo_write=True)
                    self._pid = os.getpid()
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction, committed on success, rolled back on error.

        Objects stay usable after the transaction (`expire_on_commit=False`). A database
        that cannot be reached (or stays locked) is ServiceUnavailable.
        """
        engine = self.engine
        bind = self._writer if write else engine
        try:
            with Session(bind=bind, expire_on_commit=False) as session, session.begin():
                yield session
        except DataError as exc:
            # A value the database cannot hold (e.g. NUL in PostgreSQL text): the client's fault.
            raise BadRequest("a value in the request cannot be stored") from exc
        except (OperationalError, InterfaceError) as exc:
            log.warning("users database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
            raise ServiceUnavailable("the users database is unavailable") from exc

    @contextmanager
    def schema_lock(self) -> Iterator[Session]:
        """A write transaction that only one process at a time holds (schema creation, bootstrap)."""
        with self.transaction(write=True) as session:
            if self.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            yield session

    def create_schema(self) -> None:
        with self.schema_lock() as session:
            Base.metadata.create_all(session.connection())

    def health(self) -> dict:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # a health check reports, never raises
            return {"status": "down", "error": type(exc).__name__}
        return {"status": "ok", "dialect": self.dialect}

    def dispose(self) -> None:
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()


def _switch_to_wal(cursor, attempts: int = 50) -> None:
    """Put the database in WAL mode. SQLite answers "database is locked" at once, without
    its busy handler, when another process holds a lock during the switch: the workers
    uWSGI starts together on a new database do that to each other, so wait and retry."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _create_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        # It holds password hashes: readable by the service's user only (the -wal and
        # -shm files SQLite creates beside it take the same mode).
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin); sqlite3 still commits.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        write = connection.get_execution_options().get("rapydo_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
