"""What only the local backend promises: one catalog file shared by processes and
threads, a vault on disk, and checks against corruption of either."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import sqlite3

import pytest

from backend.errors import ChecksumMismatch, InsufficientStorage, PermissionDenied, Unprocessable
from backend.storage.base import AccessLevel
from backend.storage.local import LocalBackend

from tests.storage.conftest import ALICE, ZONE
from tests.storage.test_contract import Untouched


@pytest.fixture
def local(tmp_path):
    backend = LocalBackend(tmp_path, zone=ZONE)
    backend.create_home("alice")
    yield backend
    backend.close()


def test_two_backends_on_one_catalog_see_each_others_writes(local, tmp_path):
    # Like two uWSGI workers: separate objects, separate connections, one file.
    other = LocalBackend(tmp_path, zone=ZONE)
    try:
        first, second = local.session("alice"), other.session("alice")
        first.write_file_content(f"{ALICE}/from-first", b"1")
        assert second.get_file_content(f"{ALICE}/from-first") == b"1"
        other.create_home("bob")
        second.acls.set(f"{ALICE}/from-first", "bob", AccessLevel.read)
        assert local.session("bob").get_file_content(f"{ALICE}/from-first") == b"1"
        ticket = first.tickets.create(f"{ALICE}/from-first", uses=1)
        assert other.ticket_session(ticket.string).get_file_content(f"{ALICE}/from-first") == b"1"
        with pytest.raises(PermissionDenied, match="used up"):
            local.ticket_session(ticket.string)
    finally:
        other.close()


def _write_in_child(backend: LocalBackend, parent_connection, queue) -> None:
    try:
        if backend.catalog.connection() is parent_connection:
            raise AssertionError("the child reused its parent's connection")
        backend.session("alice").write_file_content(f"{ALICE}/from-child", b"child")
        queue.put("ok")
    except Exception as exc:  # reported to the parent
        queue.put(repr(exc))


def test_a_forked_worker_opens_its_own_connection(local):
    # The parent has a connection already; the child must not reuse it.
    local.session("alice").write_file_content(f"{ALICE}/from-parent", b"parent")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_write_in_child,
                            args=(local, local.catalog.connection(), queue))
    child.start()
    child.join(60)
    assert queue.get(timeout=10) == "ok" and child.exitcode == 0
    session = local.session("alice")
    assert session.get_file_content(f"{ALICE}/from-child") == b"child"
    session.write_file_content(f"{ALICE}/after-fork", b"still fine")


def _start(data_dir: str, queue) -> None:
    try:
        LocalBackend(data_dir, zone=ZONE).create_home("alice")
        queue.put("ok")
    except Exception as exc:  # reported to the parent
        queue.put(repr(exc))


def test_workers_starting_at_once_on_a_fresh_directory(tmp_path):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_start, args=(str(tmp_path), queue)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert sorted(queue.get(timeout=10) for _ in workers) == ["ok"] * 6
    with sqlite3.connect(tmp_path / "catalog.sqlite") as conn:
        paths = [row[0] for row in conn.execute("SELECT path FROM nodes ORDER BY path")]
        assert paths == [f"/{ZONE}", f"/{ZONE}/home", ALICE, f"/{ZONE}/home/public"]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_connection_settings(local):
    conn = local.catalog.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_verify_detects_a_corrupted_vault_file(local):
    session = local.session("alice")
    session.write_file_content(f"{ALICE}/f", b"precious")
    [stored] = [p for p in (local.data_dir / "vault").rglob("*") if p.is_file()]
    stored.write_bytes(b"bit rot!")
    assert session.checksum(f"{ALICE}/f").startswith("sha2:")  # stored value, unverified
    with pytest.raises(ChecksumMismatch):
        session.checksum(f"{ALICE}/f", verify=True)


def test_a_started_read_finishes_with_the_bytes_it_started_with(local):
    session = local.session("alice")
    session.write_file_content(f"{ALICE}/f", b"old bytes")
    stream = session.read_in_streaming(f"{ALICE}/f", chunk_size=4)
    assert next(stream) == b"old "
    session.write_file_content(f"{ALICE}/f", b"NEW BYTES", force=True)
    assert b"old " + b"".join(stream) == b"old bytes"
    assert session.get_file_content(f"{ALICE}/f") == b"NEW BYTES"


def test_tickets_follow_moves_and_go_with_removal(local):
    session = local.session("alice")
    session.write_file_content(f"{ALICE}/f", b"x")
    ticket = session.tickets.create(f"{ALICE}/f")
    session.move(f"{ALICE}/f", f"{ALICE}/g")
    assert session.tickets.get(ticket.string).path == f"{ALICE}/g"
    assert local.ticket_session(ticket.string).get_file_content(f"{ALICE}/g") == b"x"
    session.remove(f"{ALICE}/g")
    assert session.tickets.list() == []
    with pytest.raises(PermissionDenied):
        local.ticket_session(ticket.string)


def test_health_reports_an_unwritable_vault_without_raising(local):
    tmp = local.data_dir / "vault" / ".tmp"
    tmp.rmdir()
    tmp.write_text("not a directory")
    health = local.health()
    assert health["status"] == "down" and health["error"]


def test_health_reports_a_broken_catalog_without_raising(local):
    local.catalog.connection().execute("DROP TABLE tickets")
    local.catalog.connection().execute("PRAGMA foreign_keys = OFF")
    local.catalog.connection().execute("DROP TABLE nodes")
    health = local.health()
    assert health == {"status": "down", "backend": "local", "error": health["error"]}
    assert "nodes" in health["error"]


def test_nobody_can_act_as_the_public_group(local):
    # Entries of "public" count for everyone: a user of that name would share all they own.
    with pytest.raises(Unprocessable):
        local.session("public")
    with pytest.raises(Unprocessable):
        local.create_home("public")
    for name in ("", "a/b", "x\x00"):
        with pytest.raises(Unprocessable):
            local.session(name)


def test_connections_of_finished_threads_are_closed(local):
    # A server starting a thread per request must not accumulate connections.
    for _ in range(20):
        worker = threading.Thread(target=lambda: local.session("alice").stat(ALICE))
        worker.start()
        worker.join()
    local.session("alice").stat(ALICE)
    assert len(local.catalog._connections) <= 2


def test_the_vault_keeps_its_reserve_free(tmp_path):
    # A reserve larger than the whole disk: whatever is free, nothing may be added.
    reserve = shutil.disk_usage(tmp_path).total
    backend = LocalBackend(tmp_path, zone=ZONE, reserve=reserve)
    try:
        backend.create_home("alice")  # the catalog's own records still go in
        alice = backend.session("alice")
        body = Untouched(b"x" * 10)
        with pytest.raises(InsufficientStorage, match="not enough disk space"):
            alice.write_in_streaming(f"{ALICE}/known", body, size=10)
        assert not body.started  # refused before a byte was read
        with pytest.raises(InsufficientStorage):
            alice.write_in_streaming(f"{ALICE}/unknown", iter([b"x" * 10]))
        assert alice.list(ALICE).items == []
        assert list((tmp_path / "vault" / ".tmp").iterdir()) == []
    finally:
        backend.close()


def test_a_copy_keeps_the_reserve_free(tmp_path):
    writer = LocalBackend(tmp_path, zone=ZONE)
    writer.create_home("alice")
    writer.session("alice").write_file_content(f"{ALICE}/a", b"x" * 10)
    writer.close()
    full = LocalBackend(tmp_path, zone=ZONE, reserve=shutil.disk_usage(tmp_path).total)
    try:
        with pytest.raises(InsufficientStorage):
            full.session("alice").copy(f"{ALICE}/a", f"{ALICE}/b")
        assert not full.session("alice").exists(f"{ALICE}/b")
    finally:
        full.close()
