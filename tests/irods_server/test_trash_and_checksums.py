"""Removal to the trash (without force) and checksums (chksum, verify, regChksum), through PRC."""

import base64
import hashlib

import pytest
from irods.access import iRODSAccess
from irods.exception import CAT_NO_ACCESS_PERMISSION, USER_CHKSUM_MISMATCH
from irods.keywords import REG_CHKSUM_KW, VERIFY_CHKSUM_KW

from .prc import connect, read, write

HOME, TRASH = "/tempZone/home/alice", "/tempZone/trash/home/alice"


def sha2(data):
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def alice(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "alice", "apass") as session:
        yield session


def test_unlink_without_force_moves_to_trash(alice):
    alice.collections.create(f"{HOME}/a/b", recurse=True)
    write(alice, f"{HOME}/a/b/f.txt", b"first")
    alice.data_objects.unlink(f"{HOME}/a/b/f.txt")
    assert not alice.data_objects.exists(f"{HOME}/a/b/f.txt")
    assert read(alice, f"{TRASH}/a/b/f.txt") == b"first"
    # The same name again: the trash keeps both, the second with a numeric suffix.
    write(alice, f"{HOME}/a/b/f.txt", b"second")
    alice.data_objects.unlink(f"{HOME}/a/b/f.txt")
    names = sorted(d.name for d in alice.collections.get(f"{TRASH}/a/b").data_objects)
    assert names[0] == "f.txt" and names[1].startswith("f.txt.") and names[1][6:].isdigit()
    # Removing from the trash is final.
    alice.data_objects.unlink(f"{TRASH}/a/b/f.txt")
    assert not alice.data_objects.exists(f"{TRASH}/a/b/f.txt")


def test_unlink_with_force_deletes(alice):
    write(alice, f"{HOME}/gone.txt", b"x")
    alice.data_objects.unlink(f"{HOME}/gone.txt", force=True)
    assert not alice.data_objects.exists(f"{HOME}/gone.txt")
    assert not alice.data_objects.exists(f"{TRASH}/gone.txt")


def test_collection_remove_goes_to_trash_unless_forced(alice):
    alice.collections.create(f"{HOME}/proj/sub", recurse=True)
    write(alice, f"{HOME}/proj/sub/x.txt", b"x")
    alice.collections.remove(f"{HOME}/proj")
    assert not alice.collections.exists(f"{HOME}/proj")
    assert read(alice, f"{TRASH}/proj/sub/x.txt") == b"x"
    alice.collections.create(f"{HOME}/tmp")
    alice.collections.remove(f"{HOME}/tmp", force=True)
    assert not alice.collections.exists(f"{HOME}/tmp")
    assert not alice.collections.exists(f"{TRASH}/tmp")


def test_delete_needs_more_than_write(irods_server, alice):
    """iRODS checks delete_object (1130) to remove; legacy write is modify_object (1120)."""
    irods_server.add_user("bob", "bpass")
    write(alice, f"{HOME}/shared.txt", b"x")
    alice.acls.set(iRODSAccess("write", f"{HOME}/shared.txt", "bob"))
    with connect(irods_server, "bob", "bpass") as bob:
        write(bob, f"{HOME}/shared.txt", b"bob")
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            bob.data_objects.unlink(f"{HOME}/shared.txt")
        alice.acls.set(iRODSAccess("delete_object", f"{HOME}/shared.txt", "bob"))
        bob.data_objects.unlink(f"{HOME}/shared.txt")
    # Someone else's object lands under the remover's own trash.
    assert read(alice, "/tempZone/trash/home/bob/alice/shared.txt") == b"bob"


def test_checksum_compute_verify_and_clear_on_overwrite(irods_server, alice):
    path = f"{HOME}/c.bin"
    write(alice, path, b"payload")
    assert alice.data_objects.get(path).checksum is None
    assert alice.data_objects.chksum(path) == sha2(b"payload")
    assert alice.data_objects.get(path).checksum == sha2(b"payload")
    assert alice.data_objects.chksum(path, **{VERIFY_CHKSUM_KW: ""}) == ""  # verified, nothing to say
    irods_server.catalog.objs[path].data[0] ^= 1  # bit rot in the vault, behind the catalog's back
    with pytest.raises(USER_CHKSUM_MISMATCH):
        alice.data_objects.chksum(path, **{VERIFY_CHKSUM_KW: ""})
    write(alice, path, b"new content")
    assert alice.data_objects.get(path).checksum is None


def test_reg_chksum_on_open_and_put(alice, tmp_path):
    with alice.data_objects.open(f"{HOME}/r.txt", "w", **{REG_CHKSUM_KW: ""}) as f:
        f.write(b"registered")
    assert alice.data_objects.get(f"{HOME}/r.txt").checksum == sha2(b"registered")
    local = tmp_path / "p.bin"
    local.write_bytes(b"put me" * 1000)
    alice.data_objects.put(str(local), f"{HOME}/p.bin", **{REG_CHKSUM_KW: ""})
    assert alice.data_objects.get(f"{HOME}/p.bin").checksum == sha2(local.read_bytes())
    alice.data_objects.put(str(local), f"{HOME}/plain.bin")
    assert alice.data_objects.get(f"{HOME}/plain.bin").checksum is None
