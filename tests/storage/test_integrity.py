"""Re-verifying checksums, touch, several AVU changes as one, and whole-tree permission
checks: the storage contract of each, on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.errors import (ChecksumMismatch, Conflict, NotFound, PermissionDenied,
                            Unprocessable)
from backend.storage.base import AVU, COLLECTION, DATAOBJECT, AccessLevel

from tests.storage.conftest import ALICE


def corrupt(backend_name: str, backend, path: str) -> None:
    """Flip a bit of the stored bytes behind the catalog's back (bit rot)."""
    if backend_name == "local":
        row = backend.catalog.connection().execute("SELECT vault FROM nodes WHERE path = ?",
                                                   (path,)).fetchone()
        stored = backend.data_dir / "vault" / row[0]
        data = bytearray(stored.read_bytes())
        data[0] ^= 1
        stored.write_bytes(bytes(data))
        return
    catalog = getattr(backend.server, "catalog", None)
    if catalog is None:
        pytest.skip("a real iRODS server: its vault cannot be corrupted from here")
    with catalog.lock:
        catalog.objs[path].data[0] ^= 1


# --- checksum verification (ichksum -K) ------------------------------------------------------

def test_verify_reads_the_bytes_again_and_reports_a_mismatch(backend_name, backend, alice):
    path = f"{ALICE}/precious.bin"
    stored = alice.write_file_content(path, b"precious bytes")
    assert alice.checksum(path, verify=True) == stored.checksum
    corrupt(backend_name, backend, path)
    assert alice.checksum(path) == stored.checksum  # the registered value, not re-read
    with pytest.raises(ChecksumMismatch):
        alice.checksum(path, verify=True)


def test_verify_needs_read_access_and_a_data_object(alice, bob):
    alice.write_file_content(f"{ALICE}/private.txt", b"x")
    with pytest.raises(PermissionDenied):
        bob.checksum(f"{ALICE}/private.txt", verify=True)
    with pytest.raises(Conflict):
        alice.checksum(ALICE, verify=True)
    with pytest.raises(NotFound):
        alice.checksum(f"{ALICE}/missing", verify=True)


# --- touch (itouch) ----------------------------------------------------------------------------

def test_touch_creates_an_empty_checksummed_object(alice):
    info = alice.touch(f"{ALICE}/new.txt")
    assert info.type == DATAOBJECT and info.size == 0
    assert alice.checksum(f"{ALICE}/new.txt", verify=True) == info.checksum
    assert alice.get_file_content(f"{ALICE}/new.txt") == b""


def test_touch_without_create_is_not_found(alice):
    with pytest.raises(NotFound):
        alice.touch(f"{ALICE}/absent.txt", create=False)
    assert not alice.exists(f"{ALICE}/absent.txt")


def test_touch_sets_the_modify_time_and_keeps_the_bytes(alice):
    alice.write_file_content(f"{ALICE}/t.txt", b"content")
    alice.mkdir(f"{ALICE}/coll")
    moment = datetime(2021, 5, 4, 3, 2, 1, tzinfo=timezone.utc)
    for path in (f"{ALICE}/t.txt", f"{ALICE}/coll"):
        assert alice.touch(path, modified=moment).modified == moment
        assert alice.stat(path).modified == moment
    assert alice.get_file_content(f"{ALICE}/t.txt") == b"content"
    now = alice.touch(f"{ALICE}/t.txt").modified
    assert abs(now - datetime.now(timezone.utc)) < timedelta(minutes=1)
    new = alice.touch(f"{ALICE}/dated.txt", modified=moment)
    assert new.size == 0 and new.modified == moment


def test_touch_needs_write_access(alice, bob):
    alice.write_file_content(f"{ALICE}/shared.txt", b"x")
    alice.acls.set(f"{ALICE}/shared.txt", "bob", AccessLevel.read)
    with pytest.raises(PermissionDenied):
        bob.touch(f"{ALICE}/shared.txt")
    with pytest.raises(PermissionDenied):
        bob.touch(f"{ALICE}/bob-was-here.txt")
    alice.acls.set(f"{ALICE}/shared.txt", "bob", AccessLevel.write)
    assert bob.touch(f"{ALICE}/shared.txt").path == f"{ALICE}/shared.txt"


# --- several AVU changes, all or nothing -------------------------------------------------------

def test_apply_metadata_adds_removes_and_sets_in_order(alice):
    path = f"{ALICE}/m.nc"
    alice.write_file_content(path, b"netcdf")
    alice.metadata.add(path, AVU("variable", "TEMP", "degC"))
    alice.metadata.add(path, AVU("variable", "PSAL"))
    alice.metadata.add(path, AVU("keep", "me"))
    after = alice.apply_metadata(path, [
        ("set", AVU("variable", "CNDC")),
        ("add", AVU("station", "A")),
        ("add", AVU("station", "B")),
        ("remove", AVU("station", "A")),
        ("add", AVU("keep", "me")),  # present already: no error, no duplicate
        ("remove", AVU("absent", "x")),  # absent: nothing to do
    ])
    expected = {AVU("keep", "me"), AVU("variable", "CNDC"), AVU("station", "B")}
    assert set(after) == expected and len(after) == 3
    assert set(alice.metadata.get(path)) == expected


def test_apply_metadata_is_all_or_nothing(alice):
    path = f"{ALICE}/c"
    alice.mkdir(path)
    alice.metadata.add(path, AVU("project", "SDC"))
    for bad in ([("add", AVU("a", "1")), ("rename", AVU("b", "2"))],
                [("add", AVU("a", "1")), ("add", AVU("b", ""))],
                [("add", AVU("a", "1")), ("set", "not an AVU")],
                []):
        with pytest.raises(Unprocessable):
            alice.apply_metadata(path, bad)
    assert alice.metadata.get(path) == [AVU("project", "SDC")]


def test_apply_metadata_needs_write_access(alice, bob):
    alice.write_file_content(f"{ALICE}/r.txt", b"x")
    alice.acls.set(f"{ALICE}/r.txt", "bob", AccessLevel.read)
    with pytest.raises(PermissionDenied):
        bob.apply_metadata(f"{ALICE}/r.txt", [("add", AVU("a", "1"))])
    assert alice.metadata.get(f"{ALICE}/r.txt") == []


# --- whole trees -------------------------------------------------------------------------------

def test_check_subtree_refuses_a_tree_with_anything_unreadable(alice, bob):
    alice.mkdir(f"{ALICE}/tree/sub", parents=True)
    alice.write_file_content(f"{ALICE}/tree/sub/a.txt", b"a")
    alice.check_subtree(f"{ALICE}/tree")
    alice.acls.set(f"{ALICE}/tree", "bob", AccessLevel.read, recursive=True)
    bob.check_subtree(f"{ALICE}/tree")
    alice.write_file_content(f"{ALICE}/tree/sub/secret.txt", b"s")
    with pytest.raises(PermissionDenied):
        bob.check_subtree(f"{ALICE}/tree")
    bob.check_subtree(f"{ALICE}/tree/sub/a.txt")
    with pytest.raises(PermissionDenied):
        bob.check_subtree(f"{ALICE}/tree", AccessLevel.write)
    with pytest.raises(NotFound):
        alice.check_subtree(f"{ALICE}/nothing")
    assert bob.stat(f"{ALICE}/tree").type == COLLECTION  # the tree itself stays readable
