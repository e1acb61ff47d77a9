"""Groups on every backend, as iRODS has them: a group is granted like a user, and its
members get what it is granted (recursively, and by inheritance on new children); a
membership change counts at once; removing a group removes the grants naming it."""

from __future__ import annotations

import pytest

from backend.errors import AlreadyExists, Conflict, NotFound, PermissionDenied, Unprocessable
from backend.storage.base import AccessLevel, Acl

from tests.storage.conftest import ALICE, HOME
from tests.storage.test_contract import put


@pytest.fixture
def carol(backend):
    backend.create_home("carol")
    return backend.session("carol")


@pytest.fixture
def lab(backend, bob):
    backend.create_group("lab")
    backend.add_member("lab", "bob")
    return "lab"


def test_group_administration(backend, alice, bob, carol):
    assert backend.groups() == {}
    backend.create_group("lab")
    backend.create_group("empty")
    backend.add_member("lab", "bob")
    backend.add_member("lab", "alice")
    backend.add_member("lab", "bob")  # already in: nothing changes
    assert backend.groups() == {"empty": [], "lab": ["alice", "bob"]}
    assert backend.group_members("lab") == ["alice", "bob"]
    assert backend.groups_of("bob") == ["lab"]
    assert backend.groups_of("carol") == []

    backend.remove_member("lab", "alice")
    assert backend.group_members("lab") == ["bob"]
    with pytest.raises(NotFound):
        backend.remove_member("lab", "alice")
    with pytest.raises(NotFound):
        backend.group_members("nosuch")
    with pytest.raises(NotFound):
        backend.add_member("nosuch", "bob")
    with pytest.raises(NotFound):
        backend.remove_group("nosuch")
    backend.remove_group("empty")
    assert list(backend.groups()) == ["lab"]


def test_group_names_are_not_account_names(backend, alice):
    backend.create_group("lab")
    with pytest.raises(AlreadyExists):
        backend.create_group("lab")
    with pytest.raises(AlreadyExists):  # users and groups share one namespace
        backend.create_group("alice")
    with pytest.raises(Conflict):
        backend.create_home("lab")
    with pytest.raises(Conflict):  # groups have users as members
        backend.add_member("lab", "lab")
    with pytest.raises(Unprocessable):
        backend.create_group("public")
    for method in (backend.remove_group, backend.group_members):
        with pytest.raises((NotFound, Unprocessable)):
            method("public")  # everyone's group is no group to administer


def test_members_get_what_the_group_is_granted_and_others_do_not(backend, alice, bob, carol, lab):
    put(alice, f"{ALICE}/shared/inner/f", b"for the lab", parents=True)
    put(alice, f"{ALICE}/shared/g", b"g")
    alice.acls.set(f"{ALICE}/shared", lab, AccessLevel.read, recursive=True)
    assert Acl(lab, AccessLevel.read) in alice.acls.get(f"{ALICE}/shared/inner/f")

    assert bob.get_file_content(f"{ALICE}/shared/inner/f") == b"for the lab"
    assert [info.name for info in bob.list(f"{ALICE}/shared").items] == ["g", "inner"]
    assert bob.copy(f"{ALICE}/shared", f"{HOME}/bob/copy").owner == "bob"  # read on all of it
    with pytest.raises(PermissionDenied):
        put(bob, f"{ALICE}/shared/g", b"x", force=True)
    with pytest.raises(PermissionDenied):
        carol.get_file_content(f"{ALICE}/shared/inner/f")
    with pytest.raises(PermissionDenied):
        carol.list(f"{ALICE}/shared")

    alice.acls.set(f"{ALICE}/shared/g", lab, AccessLevel.own)
    bob.remove(f"{ALICE}/shared/g")  # own through the group
    assert not alice.exists(f"{ALICE}/shared/g")


def test_inheritance_gives_new_children_the_group_entry(alice, bob, carol, lab):
    alice.mkdir(f"{ALICE}/inh")
    alice.acls.set(f"{ALICE}/inh", lab, AccessLevel.write)
    alice.acls.set_inheritance(f"{ALICE}/inh", True)
    put(alice, f"{ALICE}/inh/later", b"later")
    assert bob.get_file_content(f"{ALICE}/inh/later") == b"later"
    put(bob, f"{ALICE}/inh/from-bob", b"b")  # write through the group
    with pytest.raises(PermissionDenied):
        carol.get_file_content(f"{ALICE}/inh/later")


def test_membership_changes_count_at_once(backend, alice, bob, carol, lab):
    put(alice, f"{ALICE}/f", b"x")
    alice.acls.set(f"{ALICE}/f", lab, AccessLevel.read)
    with pytest.raises(PermissionDenied):
        carol.stat(f"{ALICE}/f")  # carol's session has looked up her groups now
    backend.add_member(lab, "carol")
    assert carol.get_file_content(f"{ALICE}/f") == b"x"
    assert bob.get_file_content(f"{ALICE}/f") == b"x"
    backend.remove_member(lab, "bob")
    with pytest.raises(PermissionDenied):
        bob.stat(f"{ALICE}/f")


def test_removing_a_group_removes_its_grants(backend, alice, bob, lab):
    put(alice, f"{ALICE}/f", b"x")
    alice.acls.set(f"{ALICE}/f", lab, AccessLevel.read)
    backend.remove_group(lab)
    assert alice.acls.get(f"{ALICE}/f") == [Acl("alice", AccessLevel.own)]
    with pytest.raises(PermissionDenied):
        bob.stat(f"{ALICE}/f")
    backend.create_group(lab)  # the name again: a new group, granted nothing
    backend.add_member(lab, "bob")
    with pytest.raises(PermissionDenied):
        bob.stat(f"{ALICE}/f")


def test_a_deleted_account_leaves_its_groups(backend, alice, bob, lab):
    backend.end_account("bob")
    assert backend.group_members(lab) == []
    assert backend.groups_of("bob") == []


@pytest.mark.parametrize("backend_name", ["irods"])  # only iRODS releases differ in what rmgroup removes
def test_against_irods_before_4_3_4_the_backend_removes_the_grants_itself(
        backend_name, backend, alice, bob, lab, monkeypatch):
    from backend.storage.irods import groups as irods_groups

    monkeypatch.setattr(irods_groups, "REMOVES_GRANTS_ITSELF", (99,))  # any release is older
    found = []
    granted_paths = irods_groups.accounts.granted_paths
    monkeypatch.setattr(irods_groups.accounts, "granted_paths",
                        lambda *args: found.append(granted_paths(*args)) or found[-1])
    put(alice, f"{ALICE}/f", b"x")
    alice.acls.set(f"{ALICE}/f", lab, AccessLevel.read)
    backend.remove_group(lab)
    assert found == [{f"{ALICE}/f"}]
    assert alice.acls.get(f"{ALICE}/f") == [Acl("alice", AccessLevel.own)]
