"""The provenance outbox: writes to the store pass through it, so a store that is down
loses nothing.

`record(bundle, document)` saves the document in the store when nothing else waits; when
something does, or the save fails, it appends the encoded document to a local SQLite file and
commits it (synchronous=FULL: it survives a crash of the machine, not only of the process),
then tries to deliver what is pending, oldest first. `flush(store)` delivers the rest later.
A record leaves the outbox only after the store accepted it; a failure leaves it there
with an attempt counter and the last error. Delivery is at least once: a process may die
between the store's commit and the deletion, and the record is saved again, which the
store's idempotent save makes harmless.

Several processes (uWSGI workers, Celery workers) append and deliver at once. WAL lets
them read while one writes; BEGIN IMMEDIATE takes the write lock up front and busy_timeout
waits for it. A deliverer leases the records it takes (`leased_until`), so two flushes do
not save the same record at the same time; a lease outlives a deliverer that died, then
the record is free again.

Why the stdlib sqlite3 rather than backend.auth.db.Database: this file is SQLite by
definition, a handful of statements, and needs synchronous=FULL per connection, which the
shared engine does not set.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prov.model import ProvDocument

from backend.errors import ServiceUnavailable
from backend.provenance.store.base import ProvenanceStore, decode_document, encode_document
from backend.settings import Settings

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
# A lease longer than any save: a record taken by a process that then died is retried after it.
LEASE_SECONDS = 300.0
SCHEMA = """CREATE TABLE IF NOT EXISTS outbox (
    -- AUTOINCREMENT: ids are never reused, so id order stays the order of appending.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bundle TEXT NOT NULL,
    document TEXT NOT NULL,
    created REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_attempt REAL,
    leased_until REAL NOT NULL DEFAULT 0
)"""


@dataclass(frozen=True)
class Entry:
    id: int
    bundle: str
    created: float
    attempts: int
    last_error: str | None


class Outbox:
    def __init__(self, path: Path, store: ProvenanceStore, *, batch: int = 20, retry_after: float = 30.0):
        """`batch`: records one `record()` delivers at most (the rest wait for `flush`);
        `retry_after`: seconds `record()` leaves a store alone after it was found down, so
        that callers do not each wait for a connection timeout while it is."""
        self.path = Path(path)
        self.store = store
        self.batch = batch
        self.retry_after = retry_after
        self._local = threading.local()
        self._quiet_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, store: ProvenanceStore) -> Outbox:
        return cls(settings.data_dir / "provenance-outbox.sqlite", store)

    # ---- the file ----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        # One connection per process and thread: sqlite3 connections must not cross
        # threads, and SQLite forbids using one inherited through fork().
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))  # records name users' files
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _retry_locked(lambda: connection.execute("PRAGMA journal_mode = WAL"))
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(SCHEMA)
            connection.execute("COMMIT")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        try:
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            log.error("provenance outbox %s unusable: %s", self.path, exc)
            raise ServiceUnavailable("the provenance outbox is unavailable") from exc

    # ---- the interface -----------------------------------------------------------------

    def record(self, bundle: str, document: ProvDocument) -> bool:
        """Keep `document` for `bundle` durably, then try to deliver what is pending, oldest
        first. True when it has reached the store by the time this returns; False when it
        waits for a later flush (the store is down, older records filled this call's batch,
        or another process is still delivering it). A document that cannot be encoded is
        refused (BadRequest) before anything is kept."""
        encoded = encode_document(document)
        if time.monotonic() >= self._quiet_until and self._empty():
            # Nothing waits: straight to the store, and into the outbox only if that fails.
            # As durable as keeping it first (a saved record is in the store; one that was
            # not is kept before this returns), at a fifth of the commits per data operation.
            try:
                self.store.save(bundle, document)
                return True
            except Exception as exc:
                if isinstance(exc, ServiceUnavailable):
                    self._quiet_until = time.monotonic() + self.retry_after
                else:
                    log.exception("provenance record for %s not delivered", bundle)
                self._failed(self._keep(bundle, encoded), exc)
                return False
        own = self._keep(bundle, encoded)
        if time.monotonic() < self._quiet_until:
            return False
        self.flush(self.store, limit=self.batch)
        with self._transaction(write=False) as db:
            return db.execute("SELECT 1 FROM outbox WHERE id = ?", (own,)).fetchone() is None

    def _keep(self, bundle: str, encoded: str) -> int:
        with self._transaction() as db:
            return db.execute("INSERT INTO outbox (bundle, document, created) VALUES (?, ?, ?)",
                              (bundle, encoded, time.time())).lastrowid

    def _empty(self) -> bool:
        with self._transaction(write=False) as db:
            return db.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is None

    def flush(self, store: ProvenanceStore, limit: int | None = None) -> int:
        """Deliver pending records to `store`, oldest first; returns how many it delivered.
        It stops at the first ServiceUnavailable (the rest would fail alike); any other
        failure is noted on that record and the next one is tried."""
        # Each record once per flush: a refused one is released for the next flush, not this one.
        delivered, budget, after = 0, limit, 0
        while budget is None or budget > 0:
            taken = self._lease(after, self.batch if budget is None else min(self.batch, budget))
            if not taken:
                break
            after = taken[-1][0]
            for position, (record_id, bundle, encoded) in enumerate(taken):
                try:
                    store.save(bundle, decode_document(encoded))
                except ServiceUnavailable as exc:
                    self._failed(record_id, exc)
                    self._release(record[0] for record in taken[position + 1:])
                    self._quiet_until = time.monotonic() + self.retry_after
                    return delivered
                except Exception as exc:  # a record the store refuses must not block the others
                    log.exception("provenance record %s for %s not delivered", record_id, bundle)
                    self._failed(record_id, exc)
                    continue
                with self._transaction() as db:
                    db.execute("DELETE FROM outbox WHERE id = ?", (record_id,))
                delivered += 1
            if budget is not None:
                budget -= len(taken)
        self._quiet_until = 0.0
        return delivered

    def pending(self) -> int:
        """How many records wait for delivery."""
        with self._transaction(write=False) as db:
            return db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def entries(self, limit: int = 100) -> list[Entry]:
        """The oldest pending records, with their attempts and last error (for operators)."""
        with self._transaction(write=False) as db:
            rows = db.execute("SELECT id, bundle, created, attempts, last_error FROM outbox "
                              "ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [Entry(*row) for row in rows]

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            connection.close()
        self._local = threading.local()

    # ---- leases ------------------------------------------------------------------------

    def _lease(self, after: int, count: int) -> list[tuple[int, str, str]]:
        """Take the oldest `count` records after id `after` that no one else holds."""
        now = time.time()
        with self._transaction() as db:
            rows = db.execute("SELECT id, bundle, document FROM outbox WHERE id > ? AND leased_until < ? "
                              "ORDER BY id LIMIT ?", (after, now, count)).fetchall()
            db.executemany("UPDATE outbox SET leased_until = ? WHERE id = ?",
                           [(now + LEASE_SECONDS, row[0]) for row in rows])
        return rows

    def _release(self, ids) -> None:
        with self._transaction() as db:
            db.executemany("UPDATE outbox SET leased_until = 0 WHERE id = ?", [(i,) for i in ids])

    def _failed(self, record_id: int, exc: Exception) -> None:
        # The root of the chain says why (connection refused, ...), the top what failed.
        root = exc
        while root.__cause__ is not None:
            root = root.__cause__
        error = f"{type(exc).__name__}: {exc}"
        if root is not exc:
            error += f" <- {type(root).__name__}: {str(root).splitlines()[0] if str(root) else ''}"
        with self._transaction() as db:
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, last_attempt = ?, "
                       "leased_until = 0 WHERE id = ?", (error[:2000], time.time(), record_id))


def _retry_locked(action, attempts: int = 50):
    """SQLite answers "database is locked" at once, without its busy handler, when another
    process holds a lock while this one switches to WAL (workers starting together on a
    new file do that to each other): wait and retry."""
    for attempt in range(attempts):
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
