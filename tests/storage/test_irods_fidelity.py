"""What a real iRODS server broke in the irods backend (issue 15, bugs 2-10), one test each.

tests/irods_server now does what iRODS does at each of these points (the creator of an object
owns it, also through a ticket; inheritance gives a new object the collection's ACL and nothing
else; copies register no checksum; a collection is unregistered after its children, and only if
its parent may be written; the trash is trashed again; a stock zone has no `anonymous`; ordinary
users' GenQuery sees no collection they may not read), so each test failed before its fix.
Bug 1 (ticket uses) is tested with the tickets (tests/api/test_tickets.py, the contract suite).
"""

from __future__ import annotations

import pytest
from irods import exception as ex

from backend.errors import (Conflict, InsufficientStorage, InvalidPath, NotFound,
                            PermissionDenied, ServiceUnavailable, StorageFailed)
from backend.storage.base import AccessLevel
from backend.storage.irods import IrodsBackend
from backend.storage.irods import storage as irods_storage
from backend.storage.irods.errors import translate
from tests.irods_server.fixtures import irods_server  # noqa: F401
from tests.storage.test_irods_backend import settings_for

ZONE = "tempZone"
HOME = f"/{ZONE}/home"
ALICE, BOB = f"{HOME}/alice", f"{HOME}/bob"


@pytest.fixture
def backend(irods_server, tmp_path):
    """The irods backend only; conftest.py's `alice` and `bob` give it their homes."""
    instance = IrodsBackend(settings_for(irods_server, tmp_path))
    yield instance
    instance.close()


def names(storage, path):
    return [info.name for info in storage.list(path, limit=1000).items]


def acl(storage, path):
    return {entry.user: entry.level for entry in storage.acls.get(path)}


# --- 2. write tickets --------------------------------------------------------------------------

def test_an_upload_through_a_write_ticket_belongs_to_the_one_who_shared(backend, alice):
    alice.mkdir(f"{ALICE}/inbox")
    ticket = alice.tickets.create(f"{ALICE}/inbox", "write")
    guest = backend.ticket_session(ticket.string)

    info = guest.write_file_content(f"{ALICE}/inbox/report.csv", b"a,b\n")

    assert info.owner == "alice"
    assert alice.get_file_content(f"{ALICE}/inbox/report.csv") == b"a,b\n"
    assert acl(alice, f"{ALICE}/inbox/report.csv") == {"alice": AccessLevel.own}
    assert names(alice, f"{ALICE}/inbox") == ["report.csv"]  # no temporary object left


# --- 3. the anonymous account -------------------------------------------------------------------

def test_tickets_and_published_data_work_on_a_zone_without_anonymous(backend, alice, irods_server):
    assert "anonymous" not in irods_server.catalog.users  # as a stock zone
    alice.write_file_content(f"{ALICE}/open.txt", b"for all")
    alice.acls.set(f"{ALICE}/open.txt", "public", AccessLevel.read)
    ticket = alice.tickets.create(f"{ALICE}/open.txt", "read")

    assert backend.ticket_session(ticket.string).get_file_content(f"{ALICE}/open.txt") == b"for all"
    assert backend.anonymous_session().get_file_content(f"{ALICE}/open.txt") == b"for all"
    assert "public" in irods_server.catalog.group_rows("anonymous")


def test_without_a_rodsadmin_the_missing_anonymous_account_is_explained(irods_server, tmp_path):
    irods_server.add_user("keeper", "keeper-pass")  # a service account that is no rodsadmin
    backend = IrodsBackend(settings_for(irods_server, tmp_path, irods_user="keeper",
                                        irods_password="keeper-pass"))
    try:
        with pytest.raises(ServiceUnavailable, match="iadmin mkuser anonymous rodsuser"):
            backend.anonymous_session()
    finally:
        backend.close()


def test_a_new_group_membership_counts_without_a_restart(backend, alice, bob, irods_server,
                                                          monkeypatch):
    alice.write_file_content(f"{ALICE}/team.txt", b"team")
    irods_server.add_group("team")
    alice.acls.set(f"{ALICE}/team.txt", "team", AccessLevel.read)
    with pytest.raises((PermissionDenied, NotFound)):
        bob.stat(f"{ALICE}/team.txt")
    irods_server.add_to_group("team", "bob")
    monkeypatch.setattr(irods_storage, "READER_IDS_TTL", 0.0)  # as once the TTL has passed
    assert backend.session("bob").get_file_content(f"{ALICE}/team.txt") == b"team"


# --- 4. checksums after copies and forced writes -----------------------------------------------

def test_forced_overwrites_and_copies_have_checksums(alice):
    alice.write_file_content(f"{ALICE}/a.txt", b"one")
    overwritten = alice.write_file_content(f"{ALICE}/a.txt", b"two", force=True)
    copied = alice.copy(f"{ALICE}/a.txt", f"{ALICE}/b.txt")
    alice.mkdir(f"{ALICE}/dir")
    alice.write_file_content(f"{ALICE}/dir/c.txt", b"three")
    alice.copy(f"{ALICE}/dir", f"{ALICE}/dir2")

    assert overwritten.checksum and overwritten.checksum == alice.stat(f"{ALICE}/a.txt").checksum
    assert copied.checksum == overwritten.checksum
    assert alice.stat(f"{ALICE}/dir2/c.txt").checksum


def test_verifying_an_object_without_a_registered_checksum_computes_it(alice, irods_server):
    alice.write_file_content(f"{ALICE}/a.txt", b"bytes")
    irods_server.catalog.objs[f"{ALICE}/a.txt"].checksum = ""  # as after a plain icp
    assert alice.checksum(f"{ALICE}/a.txt", verify=True) == alice.stat(f"{ALICE}/a.txt").checksum
    assert alice.stat(f"{ALICE}/a.txt").checksum


# --- 5. write permission inherited from the collection ------------------------------------------

def test_a_writer_by_inheritance_can_upload_and_gets_what_iput_would_give(alice, bob):
    alice.mkdir(f"{ALICE}/shared")
    alice.acls.set_inheritance(f"{ALICE}/shared", True)
    alice.acls.set(f"{ALICE}/shared", "bob", AccessLevel.write)

    bob.write_file_content(f"{ALICE}/shared/data.bin", b"from bob")

    assert alice.get_file_content(f"{ALICE}/shared/data.bin") == b"from bob"
    # The collection's ACL, as iRODS gives a new object there: bob may write, not remove.
    assert acl(alice, f"{ALICE}/shared/data.bin") == {"alice": AccessLevel.own,
                                                       "bob": AccessLevel.write}
    assert names(alice, f"{ALICE}/shared") == ["data.bin"]
    with pytest.raises(PermissionDenied):
        bob.remove(f"{ALICE}/shared/data.bin")


# --- 6. recursive removal checked before anything goes ------------------------------------------

def test_removing_a_collection_whose_parent_one_may_not_write_removes_nothing(alice, bob):
    alice.mkdir(f"{ALICE}/drop")
    alice.acls.set(f"{ALICE}/drop", "bob", AccessLevel.write)
    bob.mkdir(f"{ALICE}/drop/mine")
    bob.write_file_content(f"{ALICE}/drop/mine/x.txt", b"x")
    alice.acls.set(f"{ALICE}/drop", "bob", AccessLevel.read)

    with pytest.raises(PermissionDenied):
        bob.remove(f"{ALICE}/drop/mine", recursive=True)
    assert bob.get_file_content(f"{ALICE}/drop/mine/x.txt") == b"x"


# --- 7. the zone, /zone/home, and objects shared inside unreadable collections ------------------

def test_everyone_can_stat_and_list_the_zone_and_the_homes(alice):
    assert alice.stat(f"/{ZONE}").type == "collection"
    assert "home" in names(alice, f"/{ZONE}")
    assert "alice" in names(alice, HOME)


def test_an_object_shared_in_a_collection_one_may_not_read_is_reachable(alice, bob):
    alice.mkdir(f"{ALICE}/private")
    alice.write_file_content(f"{ALICE}/private/for-bob.txt", b"hi bob")
    alice.acls.set(f"{ALICE}/private/for-bob.txt", "bob", AccessLevel.read)

    assert bob.stat(f"{ALICE}/private/for-bob.txt").size == 6
    assert bob.get_file_content(f"{ALICE}/private/for-bob.txt") == b"hi bob"
    with pytest.raises(PermissionDenied):
        bob.list(f"{ALICE}/private")


# --- 8. the trash can be emptied -----------------------------------------------------------------

def test_removals_inside_the_trash_are_final(irods_server, tmp_path):
    backend = IrodsBackend(settings_for(irods_server, tmp_path, irods_use_trash=True))
    try:
        backend.create_home("alice")
        alice = backend.session("alice")
        alice.mkdir(f"{ALICE}/old")
        alice.write_file_content(f"{ALICE}/old/a.txt", b"a")
        alice.remove(f"{ALICE}/old", recursive=True)
        trash = f"/{ZONE}/trash/home/alice"
        assert names(alice, trash) == ["old"]

        alice.remove(f"{trash}/old/a.txt")
        alice.remove(f"{trash}/old", recursive=True)

        assert names(alice, trash) == []
        assert not [p for p in irods_server.catalog.colls if "/trash/home/alice/trash" in p]
    finally:
        backend.close()


# --- 9. errors named as what they are ------------------------------------------------------------

def test_a_grant_to_an_unknown_user_names_the_user(alice):
    alice.write_file_content(f"{ALICE}/a.txt", b"a")
    with pytest.raises(NotFound, match="nobody-here") as caught:
        alice.acls.set(f"{ALICE}/a.txt", "nobody-here", AccessLevel.read)
    assert ALICE not in caught.value.message


def test_a_file_lost_from_the_vault_is_a_storage_failure_not_an_outage(alice, irods_server):
    alice.write_file_content(f"{ALICE}/a.txt", b"a")
    irods_server.catalog.objs[f"{ALICE}/a.txt"].vault_lost = True
    with pytest.raises(StorageFailed, match="UNIX_FILE_OPEN_ERR"):
        alice.get_file_content(f"{ALICE}/a.txt")
    assert alice._backend.health()["status"] == "ok"  # iRODS itself answers


@pytest.mark.parametrize("code, typed", [
    (-510002, StorageFailed),  # UNIX_FILE_OPEN_ERR, ENOENT: the vault lost the file
    (-513005, StorageFailed),  # UNIX_FILE_WRITE_ERR, EIO
    (-511028, InsufficientStorage),  # UNIX_FILE_CREATE_ERR, ENOSPC
    (-837000, Conflict),  # CAT_RECURSIVE_MOVE
    (-317000, InvalidPath),  # USER_INPUT_PATH_ERR
])
def test_storage_side_errors_are_not_called_an_outage(code, typed):
    error = translate(ex.get_exception_by_code(code, "server message"), "/z/p")
    assert type(error) is typed
    assert not isinstance(error, ServiceUnavailable)


# --- 10. /zone/home/public ------------------------------------------------------------------------

def test_the_public_home_is_there_for_everyone_on_both_backends(alice, tmp_path):
    from backend.storage.local import LocalBackend

    local = LocalBackend(tmp_path / "local", zone=ZONE)
    local.create_home("alice")
    for storage in (alice, local.session("alice")):
        assert "public" in names(storage, HOME)
        assert storage.stat(f"{HOME}/public").type == "collection"
        with pytest.raises(PermissionDenied):
            storage.write_file_content(f"{HOME}/public/x.txt", b"x")
