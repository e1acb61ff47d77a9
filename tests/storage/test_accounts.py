"""Accounts in the storage contract: a ticket lives only while its owner's account is active,
grants name accounts that exist, and an ended account leaves no tickets nor grants behind
(every backend, with a directory standing in for the application's users)."""

from __future__ import annotations

import pytest

from backend.errors import NotFound, PermissionDenied
from backend.storage.base import AccessLevel

from tests.storage.conftest import ALICE, BOB


class Users:
    """A directory of accounts: `names` exist, those in `disabled` may not act."""

    def __init__(self, *names: str):
        self.names = set(names)
        self.disabled: set[str] = set()

    def known(self, name: str) -> bool:
        return name in self.names

    def active(self, name: str) -> bool:
        return name in self.names and name not in self.disabled


@pytest.fixture
def users(backend):
    backend.accounts = Users("alice", "bob")
    return backend.accounts


def test_a_ticket_works_only_while_its_owner_is_active(users, alice, backend):
    alice.write_file_content(f"{ALICE}/shared", b"shared")
    ticket = alice.tickets.create(f"{ALICE}/shared", "write")
    assert backend.ticket_session(ticket.string).get_file_content(f"{ALICE}/shared") == b"shared"

    users.disabled.add("alice")
    with pytest.raises(PermissionDenied, match="disabled or deleted"):
        backend.ticket_session(ticket.string)
    users.names.discard("alice")
    with pytest.raises(PermissionDenied):
        backend.ticket_session(ticket.string)

    users.names.add("alice")
    users.disabled.clear()
    assert backend.ticket_session(ticket.string).get_file_content(f"{ALICE}/shared") == b"shared"


@pytest.mark.parametrize("level", ["read", "own"])
def test_a_grant_to_a_name_no_account_has_is_not_found(users, alice, bob, level):
    alice.write_file_content(f"{ALICE}/f", b"f")
    with pytest.raises(NotFound, match="carol"):
        alice.acls.set(f"{ALICE}/f", "carol", AccessLevel[level])
    assert "carol" not in {acl.user for acl in alice.acls.get(f"{ALICE}/f")}
    alice.acls.set(f"{ALICE}/f", "public", AccessLevel.read)  # the group of everyone
    alice.acls.set(f"{ALICE}/f", "bob", AccessLevel.read)


def test_an_ended_account_loses_its_tickets_and_the_grants_of_others(users, alice, bob, backend):
    alice.write_file_content(f"{ALICE}/f", b"alice's")
    alice.mkdir(f"{ALICE}/c")
    alice.acls.set(f"{ALICE}/f", "bob", AccessLevel.write)
    alice.acls.set(f"{ALICE}/c", "bob", AccessLevel.read)
    bob.write_file_content(f"{BOB}/g", b"bob's")
    ticket = bob.tickets.create(f"{BOB}/g", "read")

    backend.end_account("bob")
    backend.end_account("bob")  # idempotent

    for path in (f"{ALICE}/f", f"{ALICE}/c"):
        assert "bob" not in {acl.user for acl in alice.acls.get(path)}
    with pytest.raises(PermissionDenied):
        backend.session("bob").get_file_content(f"{ALICE}/f")
    with pytest.raises(PermissionDenied):
        backend.ticket_session(ticket.string)
    # What bob owns stays his, for the account should it be given back.
    assert backend.session("bob").get_file_content(f"{BOB}/g") == b"bob's"
    assert alice.get_file_content(f"{ALICE}/f") == b"alice's"
