"""Usage, for quotas: what a user owns (Storage.owned_bytes) and what a copy adds (Storage.du),
on every backend of the contract suite."""

from __future__ import annotations

from backend.storage.base import AccessLevel

from tests.storage.conftest import ALICE, BOB


def test_owned_bytes_counts_what_the_owner_owns_wherever_it_lies(alice, bob):
    assert alice.owned_bytes("alice") == 0
    alice.write_file_content(f"{ALICE}/a", b"x" * 10)
    alice.write_file_content(f"{ALICE}/deep/b", b"x" * 200, parents=True)
    bob.acls.set(BOB, "alice", AccessLevel.write)
    alice.write_file_content(f"{BOB}/c", b"x" * 3000)  # alice's, in bob's home
    bob.write_file_content(f"{BOB}/d", b"y" * 7)
    assert alice.owned_bytes("alice") == 3210
    # Whoever asks: bob's session counts alice's bytes too, including those he cannot read.
    assert bob.owned_bytes("alice") == 3210 and alice.owned_bytes("bob") == 7
    assert alice.owned_bytes("nobody") == 0


def test_owned_bytes_follows_overwrites_and_removals(alice):
    alice.write_file_content(f"{ALICE}/a", b"x" * 100)
    alice.write_file_content(f"{ALICE}/a", b"x" * 40, force=True)
    assert alice.owned_bytes("alice") == 40
    alice.remove(f"{ALICE}/a")
    assert alice.owned_bytes("alice") == 0


def test_du_sums_a_subtree(alice):
    alice.write_file_content(f"{ALICE}/t/a", b"x" * 10, parents=True)
    alice.write_file_content(f"{ALICE}/t/u/b", b"x" * 20, parents=True)
    alice.mkdir(f"{ALICE}/t/empty")
    assert alice.du(f"{ALICE}/t") == 30
    assert alice.du(f"{ALICE}/t/u/b") == 20
    assert alice.du(f"{ALICE}/t/empty") == 0
