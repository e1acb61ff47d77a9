"""Proxy sessions (an admin acting for a client user) and groups, through PRC."""

import pytest
from irods.access import iRODSAccess
from irods.exception import CAT_INVALID_USER, CAT_NO_ACCESS_PERMISSION, SYS_PROXYUSER_NO_PRIV
from irods.models import Collection, DataObject, Group, User
from irods.ticket import Ticket

from .prc import connect, read, write


@pytest.fixture
def users(irods_server):
    irods_server.add_user("alice", "apass")
    irods_server.add_user("bob", "bpass")
    return irods_server


def test_admin_proxy_acts_as_the_client_user(users):
    write_path = "/tempZone/home/alice/by_proxy.txt"
    with connect(users, "rods", "rods", client_user="alice") as proxy:
        write(proxy, write_path, b"made by rods for alice")
        assert proxy.data_objects.get(write_path).owner_name == "alice"
        # Permission checks are alice's, not the admin's.
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            write(proxy, "/tempZone/home/bob/intrusion.txt", b"x")
        ticket = Ticket(proxy).issue("read", write_path)
    with connect(users, "alice", "apass") as alice:
        assert read(alice, write_path) == b"made by rods for alice"
        from irods.models import TicketQuery

        rows = alice.query(TicketQuery.Ticket.string, TicketQuery.Owner.name).all()
        assert [(r[TicketQuery.Ticket.string], r[TicketQuery.Owner.name]) for r in rows] == [
            (ticket.string, "alice")]


def test_non_admin_cannot_proxy(users):
    with connect(users, "bob", "bpass", client_user="alice") as session:
        with pytest.raises(SYS_PROXYUSER_NO_PRIV):
            session.collections.get("/tempZone/home/alice")


def test_proxy_for_unknown_user_is_refused(users):
    with connect(users, "rods", "rods", client_user="nobody") as session:
        with pytest.raises(CAT_INVALID_USER):
            session.collections.get("/tempZone/home")


def test_group_acl_grants_members_access(users):
    users.add_user("carol", "cpass")
    users.add_group("lab")
    users.add_to_group("lab", "bob")
    path = "/tempZone/home/alice/lab.txt"
    with connect(users, "alice", "apass") as alice:
        write(alice, path, b"for the lab")
        alice.acls.set(iRODSAccess("write", path, "lab"))
        acls = {(a.user_name, a.access_name, a.user_type) for a in alice.acls.get(alice.data_objects.get(path))}
        assert acls == {("alice", "own", "rodsuser"), ("lab", "modify_object", "rodsgroup")}
    with connect(users, "bob", "bpass") as bob:
        assert read(bob, path) == b"for the lab"
        write(bob, path, b"bob was here")
    with connect(users, "carol", "cpass") as carol:
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            read(carol, path)


def test_public_group_and_group_queries(users):
    users.add_group("lab")
    users.add_to_group("lab", "alice")
    path = "/tempZone/home/alice/open.txt"
    with connect(users, "alice", "apass") as alice:
        write(alice, path, b"for everyone")
        alice.acls.set(iRODSAccess("read", path, "public"))
        groups = {row[Group.name] for row in alice.query(Group.name).filter(User.name == "alice")}
        # iRODS also lists the user's own name: R_USER_GROUP holds a row (alice, alice).
        assert groups == {"alice", "lab", "public"}
        assert [m.name for m in alice.groups.getmembers("lab")] == ["alice"]
        assert alice.users.get("lab").type == "rodsgroup"
    with connect(users, "bob", "bpass") as bob:
        assert read(bob, path) == b"for everyone"
        listing = bob.query(DataObject.name).filter(Collection.name == "/tempZone/home/alice")
        # STRICT access control (iRODS' default): a query naming a collection column needs read
        # on the collection too.
        assert [r[DataObject.name] for r in listing] == []
        with connect(users, "alice", "apass") as alice:
            alice.acls.set(iRODSAccess("read", "/tempZone/home/alice", "public"))
        assert [r[DataObject.name] for r in listing] == ["open.txt"]


def test_genquery_hides_objects_the_user_cannot_read(users):
    with connect(users, "alice", "apass") as alice:
        write(alice, "/tempZone/home/alice/private.txt", b"p")
        write(alice, "/tempZone/home/alice/shared.txt", b"s")
        alice.acls.set(iRODSAccess("read", "/tempZone/home/alice/shared.txt", "bob"))
        alice.acls.set(iRODSAccess("read", "/tempZone/home/alice", "bob"))  # to list it (STRICT)
    with connect(users, "bob", "bpass") as bob:
        listing = bob.collections.get("/tempZone/home/alice").data_objects
        assert [d.name for d in listing] == ["shared.txt"]
    with connect(users, "rods", "rods") as admin:
        assert len(admin.collections.get("/tempZone/home/alice").data_objects) == 2
