"""What a groupadmin may and may not do (USER_ADMIN, API 714), removing a user (its home and trash
go with it, only when empty), and temporary one-time passwords (API 709/724), through PRC."""

import pytest
from irods.exception import (CAT_COLLECTION_NOT_EMPTY, CAT_INSUFFICIENT_PRIVILEGE_LEVEL,
                             CAT_INVALID_AUTHENTICATION, SYS_NO_API_PRIV)

from .prc import connect, write

HOME = "/tempZone/home"


def test_a_groupadmin_makes_users_and_groups_but_removes_nothing(irods_server):
    irods_server.add_user("gina", "gpass", "groupadmin")
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "gina", "gpass") as gina:
        gina.users.create_with_password("newbie", "npass")
        lab = gina.groups.create("lab")
        gina.groups.addmember("lab", "gina")  # an empty group: a groupadmin may join it
        gina.groups.addmember("lab", "alice")
        assert {m.name for m in lab.members} == {"gina", "alice"}
        with pytest.raises(SYS_NO_API_PRIV):
            gina.groups.remove("lab")
        with pytest.raises(SYS_NO_API_PRIV):
            gina.users.remove("newbie")
    assert irods_server.catalog.users["newbie"].type == "rodsuser"
    with connect(irods_server, "newbie", "npass") as newbie:
        write(newbie, f"{HOME}/newbie/x", b"1")  # made with its home


def test_a_groupadmin_changes_only_the_groups_it_is_in(irods_server):
    irods_server.add_user("gina", "gpass", "groupadmin")
    irods_server.add_user("alice", "apass")
    irods_server.add_group("others")
    irods_server.add_to_group("others", "alice")
    with connect(irods_server, "gina", "gpass") as gina:
        with pytest.raises(CAT_INSUFFICIENT_PRIVILEGE_LEVEL):
            gina.groups.addmember("others", "gina", group_admin=True)
        with pytest.raises(CAT_INSUFFICIENT_PRIVILEGE_LEVEL):
            gina.groups.removemember("others", "alice", group_admin=True)
    assert irods_server.catalog.members["others"] == {"alice"}


def test_a_rodsuser_makes_no_users(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "alice", "apass") as alice:
        with pytest.raises(CAT_INSUFFICIENT_PRIVILEGE_LEVEL):
            alice.users.create_with_password("mallory", "mpass")
        with pytest.raises(CAT_INSUFFICIENT_PRIVILEGE_LEVEL):
            alice.groups.create("gang", group_admin=True)
    assert "mallory" not in irods_server.catalog.users and "gang" not in irods_server.catalog.users


def test_removing_a_user_takes_its_empty_home_and_trash(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "alice", "apass") as alice:
        write(alice, f"{HOME}/alice/x", b"1")
        alice.data_objects.unlink(f"{HOME}/alice/x")  # to the trash
    with connect(irods_server, "rods", "rods") as admin:
        with pytest.raises(CAT_COLLECTION_NOT_EMPTY):
            admin.users.remove("alice")  # the trash holds x
        assert "alice" in irods_server.catalog.users
        with connect(irods_server, "alice", "apass") as alice:
            alice.data_objects.unlink("/tempZone/trash/home/alice/x", force=True)
        admin.users.remove("alice")
    assert not {f"{HOME}/alice", "/tempZone/trash/home/alice"} & set(irods_server.catalog.colls)
    irods_server.add_user("alice", "new")  # a new alice owns a new home
    with connect(irods_server, "alice", "new") as alice:
        write(alice, f"{HOME}/alice/y", b"2")


def test_a_temporary_password_serves_one_login(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "alice", "apass") as alice:
        with alice.pool.get_connection() as conn:
            temporary = conn.temp_password()
    with connect(irods_server, "alice", temporary) as alice:
        alice.collections.get(f"{HOME}/alice")
    with pytest.raises(CAT_INVALID_AUTHENTICATION):
        with connect(irods_server, "alice", temporary) as alice:
            alice.collections.get(f"{HOME}/alice")


def test_only_an_admin_gets_a_temporary_password_for_another(irods_server):
    irods_server.add_user("alice", "apass")
    irods_server.add_user("bob", "bpass")
    with connect(irods_server, "alice", "apass") as alice:
        with pytest.raises(SYS_NO_API_PRIV):
            alice.users.temp_password_for_user("bob")
    with connect(irods_server, "rods", "rods") as admin:
        temporary = admin.users.temp_password_for_user("bob")
    with connect(irods_server, "bob", temporary) as bob:
        bob.collections.get(f"{HOME}/bob")
