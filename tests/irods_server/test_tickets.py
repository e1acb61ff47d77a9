"""Tickets used by the anonymous user: read/write reach, expiry, uses, listing, deletion."""

import time

import pytest
from irods.exception import (
    CAT_INVALID_AUTHENTICATION,
    CAT_NO_ACCESS_PERMISSION,
    CAT_TICKET_EXPIRED,
    CAT_TICKET_INVALID,
    CAT_TICKET_USES_EXCEEDED,
)
from irods.models import Collection, DataObject, TicketQuery
from irods.ticket import Ticket

from .prc import connect, read, write

SHARE = "/tempZone/home/alice/share"


@pytest.fixture
def alice(irods_server):
    irods_server.add_user("anonymous", "")  # a stock zone has none: its administrator adds it
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "alice", "apass") as session:
        session.collections.create(f"{SHARE}/deep", recurse=True)
        write(session, f"{SHARE}/top.txt", b"top")
        write(session, f"{SHARE}/deep/low.txt", b"low")
        write(session, "/tempZone/home/alice/outside.txt", b"outside")
        yield session


def anonymous(server, ticket=None):
    session = connect(server, "anonymous", "anything at all")
    if ticket:
        Ticket(session, ticket).supply()
    return session


def test_anonymous_reads_below_a_read_ticket(irods_server, alice):
    ticket = Ticket(alice).issue("read", SHARE).string
    with anonymous(irods_server) as anon:
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            read(anon, f"{SHARE}/top.txt")
    with anonymous(irods_server, ticket) as anon:
        assert read(anon, f"{SHARE}/deep/low.txt") == b"low"
        assert anon.data_objects.get(f"{SHARE}/top.txt").size == 3
        names = [r[DataObject.name] for r in anon.query(DataObject.name).filter(Collection.name == SHARE)]
        assert names == ["top.txt"]
        assert [d.name for d in anon.collections.get(f"{SHARE}/deep").data_objects] == ["low.txt"]
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            read(anon, "/tempZone/home/alice/outside.txt")
        assert not anon.data_objects.exists("/tempZone/home/alice/outside.txt")
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            write(anon, f"{SHARE}/top.txt", b"overwrite")


def test_write_ticket_allows_writing_and_creating(irods_server, alice):
    ticket = Ticket(alice).issue("write", SHARE).string
    with anonymous(irods_server, ticket) as anon:
        write(anon, f"{SHARE}/top.txt", b"changed")
        write(anon, f"{SHARE}/deep/new.txt", b"new")
    assert read(alice, f"{SHARE}/top.txt") == b"changed"
    # As in iRODS, what a ticket creates belongs to its creator, anonymous: not even the
    # ticket's owner may read it (the API has the service account hand it over).
    assert irods_server.catalog.objs[f"{SHARE}/deep/new.txt"].owner == "anonymous"
    with pytest.raises(CAT_NO_ACCESS_PERMISSION):
        read(alice, f"{SHARE}/deep/new.txt")


def test_a_stock_zone_has_no_anonymous_user(irods_server):
    with pytest.raises(CAT_INVALID_AUTHENTICATION):
        anonymous(irods_server).collections.get("/tempZone")


def test_expired_ticket(irods_server, alice):
    ticket = Ticket(alice).issue("read", f"{SHARE}/top.txt")
    ticket.modify("expire", "2099-01-01.00:00:00")  # PRC turns this into epoch seconds
    with anonymous(irods_server, ticket.string) as anon:
        assert read(anon, f"{SHARE}/top.txt") == b"top"
    ticket.modify("expire", str(int(time.time()) - 1))
    with anonymous(irods_server, ticket.string) as anon:
        with pytest.raises(CAT_TICKET_EXPIRED):
            read(anon, f"{SHARE}/top.txt")


def test_a_ticket_use_is_charged_once_per_connection(irods_server, alice):
    """As iRODS: the first open a ticket allows on a connection costs one use; further
    opens on that connection are free; a connection opened after the uses ran out is refused."""
    ticket = Ticket(alice).issue("read", SHARE)
    ticket.modify("uses", "2")

    def uses_count():
        row = alice.query(TicketQuery.Ticket).filter(TicketQuery.Ticket.string == ticket.string).one()
        return row[TicketQuery.Ticket.uses_limit], row[TicketQuery.Ticket.uses_count]

    with anonymous(irods_server, ticket.string) as anon:
        assert read(anon, f"{SHARE}/top.txt") == b"top"
        assert read(anon, f"{SHARE}/deep/low.txt") == b"low"
        assert read(anon, f"{SHARE}/top.txt") == b"top"
        assert uses_count() == (2, 1)
    with anonymous(irods_server, ticket.string) as anon:
        assert read(anon, f"{SHARE}/top.txt") == b"top"
    assert uses_count() == (2, 2)
    with anonymous(irods_server, ticket.string) as anon:
        with pytest.raises(CAT_TICKET_USES_EXCEEDED):
            read(anon, f"{SHARE}/top.txt")
    assert uses_count() == (2, 2)


def test_owner_lists_reads_back_and_deletes_tickets(irods_server, alice):
    irods_server.add_user("bob", "bpass")
    coll_ticket = Ticket(alice).issue("read", SHARE)
    obj_ticket = Ticket(alice).issue("write", f"{SHARE}/top.txt")
    obj_ticket.modify("expire", "2099-01-01.00:00:00")
    mine = {r[TicketQuery.Ticket.string]: r for r in alice.query(TicketQuery.Ticket, TicketQuery.Owner.name)}
    assert set(mine) == {coll_ticket.string, obj_ticket.string}
    assert mine[obj_ticket.string][TicketQuery.Ticket.type] == "write"
    assert mine[obj_ticket.string][TicketQuery.Ticket.object_type] == "data"
    assert int(mine[obj_ticket.string][TicketQuery.Ticket.expiry_ts]) == 4070908800
    assert mine[coll_ticket.string][TicketQuery.Owner.name] == "alice"
    paths = [(r[TicketQuery.DataObject.coll], r[TicketQuery.DataObject.name])
             for r in alice.query(TicketQuery.Ticket.string, TicketQuery.DataObject.coll, TicketQuery.DataObject.name)]
    assert paths == [(SHARE, "top.txt")]
    assert [r[TicketQuery.Collection.name] for r in alice.query(TicketQuery.Ticket.string,
                                                                    TicketQuery.Collection.name)] == [SHARE]
    read_back = Ticket(alice, result=mine[coll_ticket.string])
    assert (read_back.string, read_back.type) == (coll_ticket.string, "read")
    with connect(irods_server, "bob", "bpass") as bob:
        assert list(bob.query(TicketQuery.Ticket)) == []  # only the owner sees them
    coll_ticket.delete()
    assert [r[TicketQuery.Ticket.string] for r in alice.query(TicketQuery.Ticket)] == [obj_ticket.string]
    with anonymous(irods_server, coll_ticket.string) as anon:
        with pytest.raises(CAT_TICKET_INVALID):
            read(anon, f"{SHARE}/top.txt")


def test_unknown_ticket_is_invalid(irods_server, alice):
    with anonymous(irods_server, "no-such-ticket") as anon:
        with pytest.raises(CAT_TICKET_INVALID):
            anon.collections.get(SHARE)
