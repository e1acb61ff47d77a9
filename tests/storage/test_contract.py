"""The storage contract: what every backend (local, irods, ...) must do, as iRODS does it.

Each test builds its own state from the `backend`, `alice` and `bob` fixtures
(conftest.py), so tests run in any order.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import datetime, timedelta, timezone

import pytest

from backend.errors import (AlreadyExists, BadRequest, ChecksumMismatch, Conflict,
                            IncompleteTransfer, InvalidPath, NotFound, OutsideZone,
                            PermissionDenied, RangeNotSatisfiable, Unprocessable)
from backend.storage.base import AVU, AccessLevel, Acl, COLLECTION, DATAOBJECT

from tests.storage.conftest import ALICE, BOB, HOME, ZONE


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def put(session, path, data: bytes, **options):
    return session.write_file_content(path, data, **options)


class Untouched:
    """A chunk iterable that records whether anyone started reading it."""

    def __init__(self, data: bytes = b"data"):
        self.data = data
        self.started = False

    def __iter__(self):
        self.started = True
        yield self.data


def failing_chunks(first: bytes = b"partial data " * 1000):
    """A client that sends some bytes and then disconnects."""
    yield first
    raise ConnectionError("client went away")


# --- zone, homes, health -------------------------------------------------------

def test_zone_and_home_root_exist_owned_by_the_service_account(alice):
    for path in (f"/{ZONE}", HOME):
        info = alice.stat(path)
        assert info.type == COLLECTION and info.owner == "rods" and info.path == path
    assert alice.stat(HOME).name == "home"


def test_create_home_is_idempotent_and_owned_by_the_user(backend):
    assert backend.create_home("carol") == f"{HOME}/carol"
    carol = backend.session("carol")
    put(carol, f"{HOME}/carol/keep.txt", b"keep")
    assert backend.create_home("carol") == f"{HOME}/carol"
    assert carol.stat(f"{HOME}/carol").owner == "carol"
    assert Acl("carol", AccessLevel.own) in carol.acls.get(f"{HOME}/carol")
    assert carol.get_file_content(f"{HOME}/carol/keep.txt") == b"keep"


def test_create_home_refuses_names_that_are_not_one_path_segment(backend):
    for name in ("", "a/b", "..", "x\x00y"):
        with pytest.raises((InvalidPath, Unprocessable)):
            backend.create_home(name)


def test_health_is_ok(backend):
    assert backend.health()["status"] == "ok"


# --- put and get -----------------------------------------------------------------

def test_put_get_round_trip_with_sha2_checksum(alice, tmp_path):
    data = bytes(range(256)) * 1000
    info = put(alice, f"{ALICE}/data.bin", data)
    assert info.path == f"{ALICE}/data.bin" and info.name == "data.bin"
    assert info.type == DATAOBJECT and info.size == len(data) and info.owner == "alice"
    assert info.checksum == sha2(data)
    assert info.created.tzinfo is not None and info.created.utcoffset() == timedelta(0)
    assert abs(info.modified - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert alice.stat(f"{ALICE}/data.bin") == info
    assert alice.get_file_content(f"{ALICE}/data.bin") == data
    assert alice.checksum(f"{ALICE}/data.bin") == sha2(data)
    assert alice.checksum(f"{ALICE}/data.bin", verify=True) == sha2(data)

    local = tmp_path / "upload.bin"
    local.write_bytes(data[:1000])
    assert alice.put(local, f"{ALICE}/put.bin").checksum == sha2(data[:1000])
    assert alice.get(f"{ALICE}/put.bin", tmp_path / "download.bin").read_bytes() == data[:1000]
    assert alice.exists(f"{ALICE}/put.bin") and alice.is_dataobject(f"{ALICE}/put.bin")
    assert alice.is_collection(ALICE) and not alice.exists(f"{ALICE}/nothing")


def test_streamed_write_of_many_chunks_and_empty_objects(alice):
    chunks = [bytes([i]) * 65536 for i in range(40)]
    data = b"".join(chunks)
    info = alice.write_in_streaming(f"{ALICE}/big", iter(chunks), size=len(data),
                                    checksum=sha2(data))
    assert info.size == len(data) and info.checksum == sha2(data)
    assert b"".join(alice.read_in_streaming(f"{ALICE}/big", chunk_size=100_000)) == data
    sizes = [len(c) for c in alice.read_in_streaming(f"{ALICE}/big", chunk_size=100_000)]
    assert max(sizes) == 100_000 and sum(sizes) == len(data)

    empty = alice.write_in_streaming(f"{ALICE}/empty", [], size=0)
    assert empty.size == 0 and empty.checksum == sha2(b"")
    assert alice.get_file_content(f"{ALICE}/empty") == b""


def test_read_ranges(alice):
    data = b"0123456789" * 100
    put(alice, f"{ALICE}/r", data)
    read = lambda **kw: b"".join(alice.read_in_streaming(f"{ALICE}/r", **kw))  # noqa: E731
    assert read(offset=10, length=5) == data[10:15]
    assert read(offset=995) == data[995:]
    assert read(offset=990, length=100) == data[990:]
    assert read(offset=1000) == b""
    assert read(length=0) == b""
    assert read(offset=3, length=50, chunk_size=7) == data[3:53]
    with pytest.raises(RangeNotSatisfiable):
        alice.read_in_streaming(f"{ALICE}/r", offset=1001)
    for bad in ({"offset": -1}, {"length": -1}, {"chunk_size": 0}):
        with pytest.raises(BadRequest):
            alice.read_in_streaming(f"{ALICE}/r", **bad)


def test_read_checks_happen_at_call_time_not_at_first_chunk(alice, bob):
    put(alice, f"{ALICE}/secret", b"secret")
    alice.mkdir(f"{ALICE}/coll")
    with pytest.raises(NotFound):
        alice.read_in_streaming(f"{ALICE}/missing")  # no next(): the call itself raises
    with pytest.raises(PermissionDenied):
        bob.read_in_streaming(f"{ALICE}/secret")
    with pytest.raises(Conflict):
        alice.read_in_streaming(f"{ALICE}/coll")
    with pytest.raises(Conflict):
        alice.checksum(f"{ALICE}/coll")


def test_open_gives_a_file_object_with_the_same_checks(alice, bob, backend):
    data = b"file-like " * 1000
    put(alice, f"{ALICE}/o", data)
    with alice.open(f"{ALICE}/o") as stream:
        assert stream.read(5) == data[:5]
        assert stream.read() == data[5:]
    with pytest.raises(PermissionDenied):
        bob.open(f"{ALICE}/o")
    with pytest.raises(NotFound):
        alice.open(f"{ALICE}/missing")
    alice.mkdir(f"{ALICE}/c")
    with pytest.raises(Conflict):
        alice.open(f"{ALICE}/c")
    ticket = alice.tickets.create(f"{ALICE}/o", "read", uses=1)
    anon = backend.ticket_session(ticket.string)
    with anon.open(f"{ALICE}/o") as stream:
        assert stream.read() == data
    with pytest.raises(PermissionDenied, match="used up"):
        anon.open(f"{ALICE}/o")


# --- listing -----------------------------------------------------------------------

def test_listing_continues_after_a_name(alice, bob):
    alice.mkdir(f"{ALICE}/keys")
    names = [f"k{i:02d}" for i in range(12)]
    for name in names:
        put(alice, f"{ALICE}/keys/{name}", b"x")
    alice.acls.set(f"{ALICE}/keys", "bob", AccessLevel.read)
    alice.acls.set(f"{ALICE}/keys/k05", "bob", AccessLevel.read)
    seen, after = [], None
    while True:
        page = alice.list(f"{ALICE}/keys", limit=5, after=after)
        seen += [info.name for info in page.items]
        if not page.has_more:
            break
        after = page.items[-1].name
    assert seen == names
    assert [i.name for i in alice.list(f"{ALICE}/keys", after="k09").items] == ["k10", "k11"]
    assert [i.name for i in alice.list(f"{ALICE}/keys", after="k03", offset=1, limit=2).items] == ["k05", "k06"]
    assert alice.list(f"{ALICE}/keys", after="zzz").items == []
    # Continuing still hides what the reader may not see.
    assert [i.name for i in bob.list(f"{ALICE}/keys", after="k00").items] == ["k05"]


def test_listing_pages_in_name_order_with_has_more(alice):
    alice.mkdir(f"{ALICE}/many")
    names = [f"f{i:03d}" for i in range(25)]
    for name in reversed(names):  # insertion order must not matter
        put(alice, f"{ALICE}/many/{name}", name.encode())
    alice.mkdir(f"{ALICE}/many/a-collection")
    expected = ["a-collection"] + names

    pages = [alice.list(f"{ALICE}/many", offset=offset, limit=10) for offset in (0, 10, 20)]
    assert [page.has_more for page in pages] == [True, True, False]
    assert [info.name for page in pages for info in page.items] == expected
    assert pages[1].offset == 10 and pages[1].limit == 10
    first = pages[0].items[0]
    assert first.type == COLLECTION and first.size is None and first.checksum is None
    assert pages[0].items[1].size == 4 and pages[0].items[1].checksum == sha2(b"f000")

    exact = alice.list(f"{ALICE}/many", offset=16, limit=10)
    assert [i.name for i in exact.items] == expected[16:26] and not exact.has_more
    beyond = alice.list(f"{ALICE}/many", offset=100, limit=10)
    assert beyond.items == [] and not beyond.has_more
    with pytest.raises(BadRequest):
        alice.list(f"{ALICE}/many", limit=0)
    with pytest.raises(BadRequest):
        alice.list(f"{ALICE}/many", offset=-1)


def test_listing_hides_children_the_user_cannot_read(alice, bob):
    alice.mkdir(f"{ALICE}/shared")
    for name in "abcde":
        put(alice, f"{ALICE}/shared/{name}", name.encode())
    alice.acls.set(f"{ALICE}/shared", "bob", AccessLevel.read)
    alice.acls.set(f"{ALICE}/shared/b", "bob", AccessLevel.read)
    alice.acls.set(f"{ALICE}/shared/d", "bob", AccessLevel.write)
    alice.acls.set(f"{ALICE}/shared/e", "public", AccessLevel.read)

    assert [i.name for i in bob.list(f"{ALICE}/shared").items] == ["b", "d", "e"]
    first = bob.list(f"{ALICE}/shared", limit=2)
    assert [i.name for i in first.items] == ["b", "d"] and first.has_more
    second = bob.list(f"{ALICE}/shared", offset=2, limit=2)
    assert [i.name for i in second.items] == ["e"] and not second.has_more
    assert [i.name for i in alice.list(f"{ALICE}/shared").items] == list("abcde")
    # Homes of others are hidden in /zone/home too.
    assert [i.name for i in bob.list(HOME).items] == ["bob", "public"]  # public: as in iRODS


def test_listing_a_data_object_is_a_conflict(alice):
    put(alice, f"{ALICE}/file", b"x")
    with pytest.raises(Conflict):
        alice.list(f"{ALICE}/file")
    with pytest.raises(NotFound):
        alice.list(f"{ALICE}/missing")


# --- mkdir and writing ---------------------------------------------------------------

def test_mkdir(alice):
    info = alice.mkdir(f"{ALICE}/c")
    assert info.type == COLLECTION and info.owner == "alice" and info.size is None
    with pytest.raises(AlreadyExists):
        alice.mkdir(f"{ALICE}/c")
    assert alice.mkdir(f"{ALICE}/c", parents=True).path == f"{ALICE}/c"
    with pytest.raises(NotFound):
        alice.mkdir(f"{ALICE}/x/y/z")
    assert not alice.exists(f"{ALICE}/x")
    assert alice.mkdir(f"{ALICE}/x/y/z", parents=True).path == f"{ALICE}/x/y/z"
    assert alice.is_collection(f"{ALICE}/x/y")
    put(alice, f"{ALICE}/file", b"x")
    with pytest.raises(Conflict):
        alice.mkdir(f"{ALICE}/file/sub")
    with pytest.raises(AlreadyExists):
        alice.mkdir(f"{ALICE}/file")


def test_write_without_force_refuses_existing_object_before_reading_a_byte(alice):
    put(alice, f"{ALICE}/f", b"old")
    chunks = Untouched(b"new")
    with pytest.raises(AlreadyExists):
        alice.write_in_streaming(f"{ALICE}/f", chunks)
    assert not chunks.started
    assert alice.get_file_content(f"{ALICE}/f") == b"old"


def test_forced_overwrite_replaces_bytes_and_keeps_metadata_and_acls(alice, bob, physical_files):
    put(alice, f"{ALICE}/f", b"old")
    alice.metadata.add(f"{ALICE}/f", AVU("k", "v"))
    alice.acls.set(f"{ALICE}/f", "bob", AccessLevel.read)
    files = physical_files()
    info = put(alice, f"{ALICE}/f", b"new content", force=True)
    assert info.size == 11 and info.checksum == sha2(b"new content")
    assert alice.get_file_content(f"{ALICE}/f") == b"new content"
    assert alice.metadata.get(f"{ALICE}/f") == [AVU("k", "v")]
    assert bob.get_file_content(f"{ALICE}/f") == b"new content"
    assert len(physical_files()) == len(files)  # the old file is gone, not leaked


def test_write_over_a_collection_is_a_conflict(alice):
    alice.mkdir(f"{ALICE}/c")
    for path in (f"{ALICE}/c", f"/{ZONE}"):
        with pytest.raises(Conflict):
            alice.write_in_streaming(path, [b"x"], force=True)
    assert alice.is_collection(f"{ALICE}/c")


def test_write_into_a_missing_collection(alice, bob):
    with pytest.raises(NotFound):
        put(alice, f"{ALICE}/a/b/f", b"x")
    info = put(alice, f"{ALICE}/a/b/f", b"x", parents=True)
    assert info.owner == "alice" and alice.stat(f"{ALICE}/a/b").owner == "alice"
    with pytest.raises(PermissionDenied):
        put(alice, f"{BOB}/new/f", b"x", parents=True)
    assert not bob.exists(f"{BOB}/new")
    put(alice, f"{ALICE}/plain", b"x")
    with pytest.raises(Conflict):
        put(alice, f"{ALICE}/plain/f", b"x", parents=True)


def test_write_is_atomic_when_the_client_disconnects(alice, physical_files):
    before = physical_files()
    with pytest.raises(ConnectionError):
        alice.write_in_streaming(f"{ALICE}/broken", failing_chunks())
    assert not alice.exists(f"{ALICE}/broken")
    assert alice.list(ALICE).items == []
    assert physical_files() == before


@pytest.mark.parametrize("checksum", ["sha2:" + base64.b64encode(b"\0" * 32).decode(), "00" * 32])
def test_checksum_mismatch_leaves_nothing(alice, physical_files, checksum):
    before = physical_files()
    with pytest.raises(ChecksumMismatch):
        put(alice, f"{ALICE}/bad", b"some data", checksum=checksum)
    assert not alice.exists(f"{ALICE}/bad")
    assert physical_files() == before


def test_matching_checksum_in_either_notation_is_accepted(alice):
    data = b"checked"
    assert put(alice, f"{ALICE}/a", data, checksum=sha2(data)).checksum == sha2(data)
    assert put(alice, f"{ALICE}/b", data, checksum=hashlib.sha256(data).hexdigest()).checksum \
        == sha2(data)


def test_unreadable_checksum_is_refused_before_reading_a_byte(alice):
    chunks = Untouched()
    with pytest.raises(BadRequest):
        alice.write_in_streaming(f"{ALICE}/x", chunks, checksum="md5:nonsense")
    assert not chunks.started and not alice.exists(f"{ALICE}/x")


@pytest.mark.parametrize("announced", [5, 500])
def test_size_mismatch_leaves_nothing(alice, physical_files, announced):
    before = physical_files()
    with pytest.raises(IncompleteTransfer):
        alice.write_in_streaming(f"{ALICE}/short", [b"0123456789" * 10], size=announced)
    assert not alice.exists(f"{ALICE}/short")
    assert physical_files() == before


@pytest.mark.parametrize("failure", ["checksum", "size", "disconnect"])
def test_failed_forced_overwrite_keeps_the_old_object(alice, physical_files, failure):
    put(alice, f"{ALICE}/keep", b"original")
    before, old = physical_files(), alice.stat(f"{ALICE}/keep")
    with pytest.raises((ChecksumMismatch, IncompleteTransfer, ConnectionError)):
        if failure == "checksum":
            put(alice, f"{ALICE}/keep", b"replacement", force=True, checksum=sha2(b"other"))
        elif failure == "size":
            alice.write_in_streaming(f"{ALICE}/keep", [b"replacement"], force=True, size=100)
        else:
            alice.write_in_streaming(f"{ALICE}/keep", failing_chunks(), force=True)
    assert alice.get_file_content(f"{ALICE}/keep") == b"original"
    assert alice.stat(f"{ALICE}/keep") == old
    assert alice.checksum(f"{ALICE}/keep", verify=True) == sha2(b"original")
    assert physical_files() == before


def test_concurrent_writers_in_one_collection(backend, alice):
    alice.mkdir(f"{ALICE}/parallel")
    errors = []

    def write(i):
        try:
            session = backend.session("alice")
            put(session, f"{ALICE}/parallel/{i:02d}", str(i).encode() * 1000)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    page = alice.list(f"{ALICE}/parallel", limit=100)
    assert [i.name for i in page.items] == [f"{i:02d}" for i in range(16)]


# --- permissions --------------------------------------------------------------------

def test_users_cannot_touch_each_others_data_until_granted(alice, bob):
    put(alice, f"{ALICE}/f", b"alice's")
    f = f"{ALICE}/f"
    denied = {
        "stat": lambda: bob.stat(f),
        "list": lambda: bob.list(ALICE),
        "read": lambda: bob.read_in_streaming(f),
        "checksum": lambda: bob.checksum(f),
        "write new": lambda: put(bob, f"{ALICE}/g", b"bob's"),
        "overwrite": lambda: put(bob, f, b"bob's", force=True),
        "mkdir": lambda: bob.mkdir(f"{ALICE}/d"),
        "remove": lambda: bob.remove(f),
        "metadata get": lambda: bob.metadata.get(f),
        "metadata add": lambda: bob.metadata.add(f, AVU("a", "b")),
        "acls get": lambda: bob.acls.get(f),
        "acls set": lambda: bob.acls.set(f, "bob", AccessLevel.own),
        "ticket": lambda: bob.tickets.create(f),
        "move": lambda: bob.move(f, f"{BOB}/f"),
        "copy": lambda: bob.copy(f, f"{BOB}/f"),
    }
    for name, action in denied.items():
        with pytest.raises(PermissionDenied):
            action()
            pytest.fail(f"bob could {name}")

    alice.acls.set(ALICE, "bob", AccessLevel.read)
    alice.acls.set(f, "bob", AccessLevel.read)
    assert bob.stat(f).owner == "alice"
    assert [i.name for i in bob.list(ALICE).items] == ["f"]
    assert bob.get_file_content(f) == b"alice's"
    assert bob.metadata.get(f) == []
    assert bob.copy(f, f"{BOB}/copy").owner == "bob"
    for action in ("write new", "overwrite", "mkdir", "remove", "metadata add", "acls set", "move"):
        with pytest.raises(PermissionDenied):
            denied[action]()

    alice.acls.set(ALICE, "bob", AccessLevel.write)
    assert put(bob, f"{ALICE}/g", b"bob's").owner == "bob"
    assert bob.mkdir(f"{ALICE}/d").owner == "bob"
    alice.acls.set(f, "bob", AccessLevel.write)
    put(bob, f, b"bob wrote", force=True)
    bob.metadata.add(f, AVU("a", "b"))
    assert alice.get_file_content(f) == b"bob wrote"
    assert alice.stat(f).owner == "alice"  # an overwrite does not change the owner
    with pytest.raises(PermissionDenied):
        bob.remove(f)

    alice.acls.set(f, "bob", AccessLevel.own)
    bob.remove(f)
    assert not alice.exists(f)


def test_creator_owns_what_they_create_even_in_someone_elses_collection(alice, bob):
    alice.acls.set(ALICE, "bob", AccessLevel.write)
    put(bob, f"{ALICE}/bobs", b"x")
    assert Acl("bob", AccessLevel.own) in bob.acls.get(f"{ALICE}/bobs")
    # Without inheritance the collection's owner gets no entry, as in iRODS.
    with pytest.raises(PermissionDenied):
        alice.stat(f"{ALICE}/bobs")


def test_public_group_grants_everyone(alice, bob):
    put(alice, f"{ALICE}/open", b"for all")
    alice.acls.set(f"{ALICE}/open", "public", AccessLevel.read)
    assert bob.get_file_content(f"{ALICE}/open") == b"for all"
    with pytest.raises(PermissionDenied):
        put(bob, f"{ALICE}/open", b"x", force=True)


def test_the_anonymous_session_reads_exactly_what_public_may(backend, alice):
    put(alice, f"{ALICE}/open", b"published")
    put(alice, f"{ALICE}/closed", b"private")
    alice.acls.set(f"{ALICE}/open", "public", AccessLevel.read)
    anonymous = backend.anonymous_session()
    assert anonymous.get_file_content(f"{ALICE}/open") == b"published"
    assert anonymous.stat(f"{ALICE}/open").size == len(b"published")
    with pytest.raises((PermissionDenied, NotFound)):
        anonymous.get_file_content(f"{ALICE}/closed")
    with pytest.raises(PermissionDenied):
        put(anonymous, f"{ALICE}/open", b"defaced", force=True)
    alice.acls.set(f"{ALICE}/open", "public", AccessLevel.null)
    with pytest.raises((PermissionDenied, NotFound)):
        anonymous.get_file_content(f"{ALICE}/open")


def test_acls_get_set_and_null_removes(alice, bob):
    put(alice, f"{ALICE}/f", b"x")
    assert alice.acls.get(f"{ALICE}/f") == [Acl("alice", AccessLevel.own)]
    alice.acls.set(f"{ALICE}/f", "bob", AccessLevel.write)
    assert set(alice.acls.get(f"{ALICE}/f")) == {Acl("alice", AccessLevel.own),
                                                  Acl("bob", AccessLevel.write)}
    alice.acls.set(f"{ALICE}/f", "bob", AccessLevel.read)  # lowering replaces
    assert Acl("bob", AccessLevel.read) in alice.acls.get(f"{ALICE}/f")
    alice.acls.set(f"{ALICE}/f", "bob", AccessLevel.null)
    assert alice.acls.get(f"{ALICE}/f") == [Acl("alice", AccessLevel.own)]
    with pytest.raises(NotFound):
        alice.acls.set(f"{ALICE}/missing", "bob", AccessLevel.read)


def test_recursive_acls_apply_to_the_subtree(alice, bob):
    put(alice, f"{ALICE}/tree/a/b/deep", b"deep", parents=True)
    put(alice, f"{ALICE}/tree-sibling", b"not in the tree")
    alice.acls.set(f"{ALICE}/tree", "bob", AccessLevel.read, recursive=True)
    assert bob.get_file_content(f"{ALICE}/tree/a/b/deep") == b"deep"
    assert bob.list(f"{ALICE}/tree/a").items[0].name == "b"
    with pytest.raises(PermissionDenied):
        bob.stat(f"{ALICE}/tree-sibling")
    alice.acls.set(f"{ALICE}/tree", "bob", AccessLevel.null, recursive=True)
    with pytest.raises(PermissionDenied):
        bob.stat(f"{ALICE}/tree/a/b/deep")


def test_recursive_acl_change_needs_own_on_everything_and_is_all_or_nothing(alice, bob):
    put(alice, f"{ALICE}/proj/inner/f", b"x", parents=True)
    alice.acls.set(f"{ALICE}/proj", "bob", AccessLevel.own)
    with pytest.raises(PermissionDenied):
        bob.acls.set(f"{ALICE}/proj", "public", AccessLevel.read, recursive=True)
    assert Acl("public", AccessLevel.read) not in alice.acls.get(f"{ALICE}/proj")
    bob.acls.set(f"{ALICE}/proj", "public", AccessLevel.read)  # own on the collection itself
    assert Acl("public", AccessLevel.read) in alice.acls.get(f"{ALICE}/proj")


def test_inheritance_copies_acls_to_new_children(alice, bob):
    alice.mkdir(f"{ALICE}/inh")
    put(alice, f"{ALICE}/inh/before", b"x")
    assert alice.acls.get_inheritance(f"{ALICE}/inh") is False
    alice.acls.set(f"{ALICE}/inh", "bob", AccessLevel.write)
    alice.acls.set_inheritance(f"{ALICE}/inh", True)
    assert alice.acls.get_inheritance(f"{ALICE}/inh") is True

    put(alice, f"{ALICE}/inh/after", b"y")
    alice.mkdir(f"{ALICE}/inh/sub")
    put(alice, f"{ALICE}/inh/sub/deeper", b"z")
    assert bob.get_file_content(f"{ALICE}/inh/after") == b"y"
    assert bob.get_file_content(f"{ALICE}/inh/sub/deeper") == b"z"
    assert alice.acls.get_inheritance(f"{ALICE}/inh/sub") is True
    with pytest.raises(PermissionDenied):  # inheritance acts at creation only
        bob.stat(f"{ALICE}/inh/before")

    # What bob creates there gets alice's entries too, and bob owns it.
    put(bob, f"{ALICE}/inh/from-bob", b"b")
    assert alice.get_file_content(f"{ALICE}/inh/from-bob") == b"b"
    assert alice.stat(f"{ALICE}/inh/from-bob").owner == "bob"

    with pytest.raises(PermissionDenied):
        bob.acls.set_inheritance(f"{ALICE}/inh", False)
    with pytest.raises(Conflict):
        alice.acls.set_inheritance(f"{ALICE}/inh/after", True)
    alice.acls.set_inheritance(f"{ALICE}/inh", False, recursive=True)
    assert alice.acls.get_inheritance(f"{ALICE}/inh/sub") is False
    alice.mkdir(f"{ALICE}/inh/later")
    with pytest.raises(PermissionDenied):
        bob.stat(f"{ALICE}/inh/later")


# --- metadata ------------------------------------------------------------------------

def test_metadata_add_set_remove(alice, bob):
    path = f"{ALICE}/m"
    put(alice, path, b"x")
    alice.metadata.add(path, AVU("colour", "red"))
    alice.metadata.add(path, AVU("colour", "blue"))
    alice.metadata.add(path, AVU("length", "3", "m"))
    alice.metadata.add(path, AVU("length", "3", "ft"))
    assert set(alice.metadata.get(path)) == {AVU("colour", "red"), AVU("colour", "blue"),
                                             AVU("length", "3", "m"), AVU("length", "3", "ft")}
    with pytest.raises(AlreadyExists):
        alice.metadata.add(path, AVU("colour", "red"))

    alice.metadata.set(path, AVU("colour", "green"))
    assert sorted(a.value for a in alice.metadata.get(path) if a.attribute == "colour") == ["green"]
    assert len(alice.metadata.get(path)) == 3

    alice.metadata.remove(path, AVU("length", "3", "ft"))
    with pytest.raises(NotFound):
        alice.metadata.remove(path, AVU("length", "3", "ft"))
    with pytest.raises(NotFound):
        alice.metadata.remove(path, AVU("colour", "red"))
    assert set(alice.metadata.get(path)) == {AVU("colour", "green"), AVU("length", "3", "m")}

    alice.mkdir(f"{ALICE}/mc")
    alice.metadata.add(f"{ALICE}/mc", AVU("kind", "collection"))
    assert alice.metadata.get(f"{ALICE}/mc") == [AVU("kind", "collection")]

    alice.acls.set(path, "bob", AccessLevel.read)
    assert len(bob.metadata.get(path)) == 2
    for change in (bob.metadata.add, bob.metadata.set, bob.metadata.remove):
        with pytest.raises(PermissionDenied):
            change(path, AVU("colour", "green"))
    with pytest.raises(NotFound):
        alice.metadata.get(f"{ALICE}/missing")
    with pytest.raises(Unprocessable):
        alice.metadata.add(path, AVU("empty", ""))


# --- copy ---------------------------------------------------------------------------

def test_copy_data_object(alice, bob):
    put(alice, f"{ALICE}/src", b"original")
    alice.metadata.add(f"{ALICE}/src", AVU("k", "v", "u"))
    info = alice.copy(f"{ALICE}/src", f"{ALICE}/dst")
    assert info.path == f"{ALICE}/dst" and info.checksum == sha2(b"original") and info.size == 8
    assert alice.metadata.get(f"{ALICE}/dst") == [AVU("k", "v", "u")]
    # A physical copy: changing the source leaves the copy alone.
    put(alice, f"{ALICE}/src", b"changed", force=True)
    assert alice.get_file_content(f"{ALICE}/dst") == b"original"
    assert alice.checksum(f"{ALICE}/dst", verify=True) == sha2(b"original")

    with pytest.raises(AlreadyExists):
        alice.copy(f"{ALICE}/src", f"{ALICE}/dst")
    assert alice.copy(f"{ALICE}/src", f"{ALICE}/dst", force=True).checksum == sha2(b"changed")
    assert alice.get_file_content(f"{ALICE}/dst") == b"changed"
    alice.mkdir(f"{ALICE}/coll")
    with pytest.raises((Conflict, AlreadyExists)):
        alice.copy(f"{ALICE}/src", f"{ALICE}/coll", force=True)
    with pytest.raises(NotFound):
        alice.copy(f"{ALICE}/missing", f"{ALICE}/x")
    with pytest.raises(NotFound):
        alice.copy(f"{ALICE}/src", f"{ALICE}/no/such/parent")

    # The copier owns the copy; they need write on the destination.
    alice.acls.set(f"{ALICE}/src", "bob", AccessLevel.read)
    assert bob.copy(f"{ALICE}/src", f"{BOB}/mine").owner == "bob"
    with pytest.raises(PermissionDenied):
        bob.copy(f"{ALICE}/src", f"{ALICE}/bobs-copy")


def test_copy_collection_recursively_with_metadata(alice):
    put(alice, f"{ALICE}/proj/a.txt", b"a", parents=True)
    put(alice, f"{ALICE}/proj/sub/b.txt", b"b", parents=True)
    alice.mkdir(f"{ALICE}/proj/empty")
    alice.metadata.add(f"{ALICE}/proj", AVU("level", "top"))
    alice.metadata.add(f"{ALICE}/proj/sub/b.txt", AVU("level", "deep"))

    info = alice.copy(f"{ALICE}/proj", f"{ALICE}/proj2")
    assert info.type == COLLECTION and info.path == f"{ALICE}/proj2"
    assert [i.name for i in alice.list(f"{ALICE}/proj2").items] == ["a.txt", "empty", "sub"]
    assert alice.get_file_content(f"{ALICE}/proj2/sub/b.txt") == b"b"
    assert alice.metadata.get(f"{ALICE}/proj2") == [AVU("level", "top")]
    assert alice.metadata.get(f"{ALICE}/proj2/sub/b.txt") == [AVU("level", "deep")]
    assert alice.get_file_content(f"{ALICE}/proj/sub/b.txt") == b"b"  # source intact

    with pytest.raises(Conflict):
        alice.copy(f"{ALICE}/proj", f"{ALICE}/proj/inside")
    with pytest.raises(AlreadyExists):
        alice.copy(f"{ALICE}/proj", f"{ALICE}/proj2", force=True)


def test_copy_of_a_collection_needs_read_on_all_of_it(alice, bob, physical_files):
    put(alice, f"{ALICE}/share/ok", b"ok", parents=True)
    put(alice, f"{ALICE}/share/hidden", b"hidden")
    alice.acls.set(f"{ALICE}/share", "bob", AccessLevel.read)
    alice.acls.set(f"{ALICE}/share/ok", "bob", AccessLevel.read)
    before = physical_files()
    with pytest.raises(PermissionDenied):
        bob.copy(f"{ALICE}/share", f"{BOB}/share")
    assert not bob.exists(f"{BOB}/share")
    assert physical_files() == before
    alice.acls.set(f"{ALICE}/share/hidden", "bob", AccessLevel.read)
    bob.copy(f"{ALICE}/share", f"{BOB}/share")
    assert bob.stat(f"{BOB}/share/hidden").owner == "bob"


# --- move ---------------------------------------------------------------------------

def test_move_data_object_keeps_content_and_metadata(alice):
    put(alice, f"{ALICE}/old", b"content")
    alice.metadata.add(f"{ALICE}/old", AVU("k", "v"))
    alice.mkdir(f"{ALICE}/dir")
    info = alice.move(f"{ALICE}/old", f"{ALICE}/dir/new")
    assert info.path == f"{ALICE}/dir/new" and info.name == "new" and info.owner == "alice"
    assert not alice.exists(f"{ALICE}/old")
    assert alice.get_file_content(f"{ALICE}/dir/new") == b"content"
    assert alice.metadata.get(f"{ALICE}/dir/new") == [AVU("k", "v")]


def test_move_collection_moves_the_subtree_and_nothing_else(alice):
    put(alice, f"{ALICE}/data/x/deep.txt", b"deep", parents=True)
    alice.metadata.add(f"{ALICE}/data/x", AVU("k", "v"))
    # Names sharing the prefix "data" must not move along.
    for sibling in ("data-2", "data.txt", "data0", "datab"):
        put(alice, f"{ALICE}/{sibling}", sibling.encode())
    alice.move(f"{ALICE}/data", f"{ALICE}/renamed")
    assert alice.get_file_content(f"{ALICE}/renamed/x/deep.txt") == b"deep"
    assert alice.metadata.get(f"{ALICE}/renamed/x") == [AVU("k", "v")]
    assert alice.stat(f"{ALICE}/renamed/x/deep.txt").path == f"{ALICE}/renamed/x/deep.txt"
    assert [i.name for i in alice.list(f"{ALICE}/renamed/x").items] == ["deep.txt"]
    assert not alice.exists(f"{ALICE}/data/x/deep.txt")
    for sibling in ("data-2", "data.txt", "data0", "datab"):
        assert alice.get_file_content(f"{ALICE}/{sibling}") == sibling.encode()
    # The moved subtree is fully usable at its new place.
    put(alice, f"{ALICE}/renamed/x/more", b"more")
    alice.remove(f"{ALICE}/renamed", recursive=True)
    assert [i.name for i in alice.list(ALICE).items] == ["data-2", "data.txt", "data0", "datab"]


def test_move_refusals(alice, bob):
    put(alice, f"{ALICE}/c/f", b"x", parents=True)
    put(alice, f"{ALICE}/other", b"y")
    with pytest.raises(Conflict):
        alice.move(f"{ALICE}/c", f"{ALICE}/c/sub")
    with pytest.raises(AlreadyExists):
        alice.move(f"{ALICE}/c/f", f"{ALICE}/other")
    with pytest.raises(NotFound):
        alice.move(f"{ALICE}/missing", f"{ALICE}/x")
    with pytest.raises(NotFound):
        alice.move(f"{ALICE}/other", f"{ALICE}/no/parent")
    alice.acls.set(f"{ALICE}/other", "bob", AccessLevel.write)
    with pytest.raises(PermissionDenied):  # moving needs own
        bob.move(f"{ALICE}/other", f"{BOB}/other")
    alice.acls.set(f"{ALICE}/other", "bob", AccessLevel.own)
    bob.move(f"{ALICE}/other", f"{BOB}/other")
    assert bob.get_file_content(f"{BOB}/other") == b"y"
    with pytest.raises(PermissionDenied):  # and write on the destination
        alice.move(f"{ALICE}/c", f"{BOB}/c")
    for protected in (f"/{ZONE}", HOME):
        with pytest.raises(PermissionDenied):
            alice.move(protected, f"{ALICE}/stolen")


# --- remove -------------------------------------------------------------------------

def test_remove_data_object_and_its_metadata(alice, physical_files):
    before = physical_files()
    put(alice, f"{ALICE}/f", b"x")
    alice.metadata.add(f"{ALICE}/f", AVU("k", "v"))
    alice.remove(f"{ALICE}/f")
    assert not alice.exists(f"{ALICE}/f")
    assert physical_files() == before
    put(alice, f"{ALICE}/f", b"again")
    assert alice.metadata.get(f"{ALICE}/f") == []
    with pytest.raises(NotFound):
        alice.remove(f"{ALICE}/missing")


def test_remove_collections(alice, physical_files):
    before = physical_files()
    alice.mkdir(f"{ALICE}/empty")
    alice.remove(f"{ALICE}/empty")
    put(alice, f"{ALICE}/full/a/b", b"x", parents=True)
    put(alice, f"{ALICE}/full-sibling", b"stays")
    with pytest.raises(Conflict):
        alice.remove(f"{ALICE}/full")
    assert alice.exists(f"{ALICE}/full/a/b")
    alice.remove(f"{ALICE}/full", recursive=True)
    assert not alice.exists(f"{ALICE}/full") and not alice.exists(f"{ALICE}/full/a/b")
    assert alice.get_file_content(f"{ALICE}/full-sibling") == b"stays"
    alice.remove(f"{ALICE}/full-sibling")
    assert physical_files() == before


def test_recursive_remove_needs_own_on_everything(alice, bob):
    put(alice, f"{ALICE}/mixed/alices", b"a", parents=True)
    alice.acls.set(f"{ALICE}/mixed", "bob", AccessLevel.own)
    with pytest.raises(PermissionDenied):
        bob.remove(f"{ALICE}/mixed", recursive=True)
    assert alice.get_file_content(f"{ALICE}/mixed/alices") == b"a"
    alice.acls.set(f"{ALICE}/mixed/alices", "bob", AccessLevel.own)
    with pytest.raises(PermissionDenied):  # a collection goes only from a parent one may write
        bob.remove(f"{ALICE}/mixed", recursive=True)
    assert alice.get_file_content(f"{ALICE}/mixed/alices") == b"a"
    alice.acls.set(ALICE, "bob", AccessLevel.write)
    bob.remove(f"{ALICE}/mixed", recursive=True)
    assert not alice.exists(f"{ALICE}/mixed")


def test_zone_and_home_root_cannot_be_removed_even_by_their_owner(backend):
    rods = backend.session("rods")  # owns both; no homes exist yet, so nothing else stops it
    for path in (HOME, f"/{ZONE}"):
        for recursive in (False, True):
            with pytest.raises(PermissionDenied):
                rods.remove(path, recursive=recursive)
    assert rods.is_collection(HOME)
    backend.create_home("alice")
    with pytest.raises(PermissionDenied):
        backend.session("alice").remove(HOME, recursive=True)


# --- tickets ------------------------------------------------------------------------

def test_ticket_management(alice, bob, backend):
    put(alice, f"{ALICE}/f", b"x")
    ticket = alice.tickets.create(f"{ALICE}/f", "read", uses=5)
    assert ticket.path == f"{ALICE}/f" and ticket.type == "read" and ticket.owner == "alice"
    assert ticket.uses_limit == 5 and ticket.uses_count == 0 and ticket.expires is None
    assert len(ticket.string) >= 16 and ticket.created.tzinfo is not None
    assert alice.tickets.get(ticket.string) == ticket
    assert [t.string for t in alice.tickets.list()] == [ticket.string]
    assert bob.tickets.list() == []

    alice.acls.set(f"{ALICE}/f", "bob", AccessLevel.write)
    with pytest.raises(PermissionDenied):  # creating a ticket needs own
        bob.tickets.create(f"{ALICE}/f")
    with pytest.raises(PermissionDenied):
        bob.tickets.delete(ticket.string)
    with pytest.raises(NotFound):
        alice.tickets.delete("no-such-ticket")
    with pytest.raises(NotFound):
        alice.tickets.get("no-such-ticket")
    with pytest.raises(NotFound):
        alice.tickets.create(f"{ALICE}/missing")
    with pytest.raises(Unprocessable):
        alice.tickets.create(f"{ALICE}/f", "execute")

    alice.tickets.delete(ticket.string)
    assert alice.tickets.list() == []
    with pytest.raises(PermissionDenied):
        backend.ticket_session(ticket.string)


def test_read_ticket_allows_reading_its_path_and_below_only(alice, backend):
    put(alice, f"{ALICE}/pub/a", b"a", parents=True)
    put(alice, f"{ALICE}/pub/sub/b", b"b", parents=True)
    put(alice, f"{ALICE}/private", b"p")
    ticket = alice.tickets.create(f"{ALICE}/pub", "read")
    anon = backend.ticket_session(ticket.string)
    assert anon.user is None
    assert anon.ticket.path == f"{ALICE}/pub" and anon.ticket.type == "read"
    assert alice.ticket is None
    assert anon.stat(f"{ALICE}/pub").type == COLLECTION
    assert [i.name for i in anon.list(f"{ALICE}/pub").items] == ["a", "sub"]
    assert anon.get_file_content(f"{ALICE}/pub/sub/b") == b"b"
    assert anon.metadata.get(f"{ALICE}/pub/a") == []

    refused = [
        lambda: anon.stat(f"{ALICE}/private"),
        lambda: anon.read_in_streaming(f"{ALICE}/private"),
        lambda: anon.list(ALICE),
        lambda: put(anon, f"{ALICE}/pub/new", b"x"),
        lambda: put(anon, f"{ALICE}/pub/a", b"x", force=True),
        lambda: anon.mkdir(f"{ALICE}/pub/d"),
        lambda: anon.remove(f"{ALICE}/pub/a"),
        lambda: anon.move(f"{ALICE}/pub/a", f"{ALICE}/pub/z"),
        lambda: anon.copy(f"{ALICE}/pub/a", f"{ALICE}/pub/z"),
        lambda: anon.metadata.add(f"{ALICE}/pub/a", AVU("k", "v")),
        lambda: anon.acls.get(f"{ALICE}/pub/a"),
        lambda: anon.acls.set(f"{ALICE}/pub/a", "public", AccessLevel.read),
        lambda: anon.tickets.create(f"{ALICE}/pub/a"),
        lambda: anon.tickets.list(),
    ]
    for action in refused:
        with pytest.raises(PermissionDenied):
            action()
    assert alice.get_file_content(f"{ALICE}/pub/a") == b"a"


def test_write_ticket_allows_writing_below_its_path(alice, backend):
    alice.mkdir(f"{ALICE}/dropbox")
    put(alice, f"{ALICE}/dropbox/existing", b"old")
    put(alice, f"{ALICE}/outside", b"o")
    anon = backend.ticket_session(alice.tickets.create(f"{ALICE}/dropbox", "write").string)
    info = put(anon, f"{ALICE}/dropbox/upload", b"uploaded")
    assert info.owner == "alice"  # new objects belong to the ticket's owner
    assert alice.get_file_content(f"{ALICE}/dropbox/upload") == b"uploaded"
    with pytest.raises(AlreadyExists):
        put(anon, f"{ALICE}/dropbox/existing", b"new")
    put(anon, f"{ALICE}/dropbox/existing", b"new", force=True)
    assert alice.get_file_content(f"{ALICE}/dropbox/existing") == b"new"
    assert anon.get_file_content(f"{ALICE}/dropbox/upload") == b"uploaded"
    with pytest.raises(PermissionDenied):
        put(anon, f"{ALICE}/outside", b"x", force=True)
    with pytest.raises(PermissionDenied):
        put(anon, f"{ALICE}/elsewhere", b"x")
    with pytest.raises(PermissionDenied):  # a ticket does not create collections
        put(anon, f"{ALICE}/dropbox/new/dir/f", b"x", parents=True)
    with pytest.raises(PermissionDenied):
        anon.mkdir(f"{ALICE}/dropbox/d")
    with pytest.raises(PermissionDenied):
        anon.remove(f"{ALICE}/dropbox/upload")


def test_write_ticket_needs_its_owner_to_keep_write_access(alice, bob, backend):
    alice.mkdir(f"{ALICE}/lent")
    alice.acls.set(f"{ALICE}/lent", "bob", AccessLevel.own)
    string = bob.tickets.create(f"{ALICE}/lent", "write").string
    anon = backend.ticket_session(string)
    put(anon, f"{ALICE}/lent/one", b"1")
    alice.acls.set(f"{ALICE}/lent", "bob", AccessLevel.null)
    with pytest.raises(PermissionDenied):
        put(anon, f"{ALICE}/lent/two", b"2")
    assert not alice.exists(f"{ALICE}/lent/two")


def test_expired_and_unknown_tickets_are_refused(alice, backend):
    put(alice, f"{ALICE}/f", b"x")
    past = datetime.now(timezone.utc) - timedelta(days=1)
    expired = alice.tickets.create(f"{ALICE}/f", expires=past)
    with pytest.raises(PermissionDenied, match="expired"):
        backend.ticket_session(expired.string)
    future = datetime.now(timezone.utc) + timedelta(days=1)
    valid = alice.tickets.create(f"{ALICE}/f", expires=future)
    assert backend.ticket_session(valid.string).get_file_content(f"{ALICE}/f") == b"x"
    with pytest.raises(PermissionDenied, match="unknown"):
        backend.ticket_session("not-a-ticket")


def test_ticket_uses_are_counted_per_transfer(alice, backend):
    put(alice, f"{ALICE}/f", b"x")
    ticket = alice.tickets.create(f"{ALICE}/f", "read", uses=2)
    anon = backend.ticket_session(ticket.string)
    assert anon.get_file_content(f"{ALICE}/f") == b"x"
    anon.stat(f"{ALICE}/f")  # not a transfer: costs nothing
    assert anon.get_file_content(f"{ALICE}/f") == b"x"
    assert alice.tickets.get(ticket.string).uses_count == 2
    with pytest.raises(PermissionDenied, match="used up"):
        anon.read_in_streaming(f"{ALICE}/f")
    with pytest.raises(PermissionDenied, match="used up"):
        backend.ticket_session(ticket.string)

    alice.mkdir(f"{ALICE}/in")
    write = alice.tickets.create(f"{ALICE}/in", "write", uses=1)
    anon = backend.ticket_session(write.string)
    put(anon, f"{ALICE}/in/first", b"1")
    with pytest.raises(PermissionDenied):
        put(anon, f"{ALICE}/in/second", b"2")
    assert alice.tickets.get(write.string).uses_count == 1


@pytest.mark.parametrize("round", range(3))
def test_concurrent_ticket_uses_never_exceed_the_limit(alice, backend, round):
    put(alice, f"{ALICE}/popular", b"everyone wants this")
    ticket = alice.tickets.create(f"{ALICE}/popular", "read", uses=3)
    # Every session is valid when opened; they then race for the three uses.
    sessions = [backend.ticket_session(ticket.string) for _ in range(8)]
    barrier = threading.Barrier(len(sessions))
    results = []

    def fetch(session):
        barrier.wait()
        try:
            results.append(session.get_file_content(f"{ALICE}/popular"))
        except PermissionDenied:
            results.append(None)

    threads = [threading.Thread(target=fetch, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert results.count(b"everyone wants this") == 3 and results.count(None) == 5
    assert alice.tickets.get(ticket.string).uses_count == 3


# --- paths --------------------------------------------------------------------------

BAD_PATHS = [
    ("", InvalidPath),
    ("tempZone/home/alice/x", InvalidPath),
    (f"{ALICE}/../bob/x", InvalidPath),
    (f"{ALICE}/./x", InvalidPath),
    (f"{HOME}//alice/x", InvalidPath),
    (f"{ALICE}/x\x00y", InvalidPath),
    (f"{ALICE}/x\ny", InvalidPath),
    (f"{ALICE}\\..\\x", InvalidPath),
    ("/", InvalidPath),
    ("/otherZone/home/alice/x", OutsideZone),
    (f"/{ZONE}x/home", OutsideZone),
    ("/etc/passwd", OutsideZone),
]


@pytest.mark.parametrize("bad, error", BAD_PATHS)
def test_path_tricks_are_refused_and_touch_nothing(alice, physical_files, bad, error):
    put(alice, f"{ALICE}/f", b"x")
    before_files, before_listing = physical_files(), alice.list(ALICE).items
    chunks = Untouched()
    attempts = [
        lambda: alice.stat(bad),
        lambda: alice.list(bad),
        lambda: alice.mkdir(bad, parents=True),
        lambda: alice.write_in_streaming(bad, chunks, force=True, parents=True),
        lambda: alice.read_in_streaming(bad),
        lambda: alice.checksum(bad),
        lambda: alice.remove(bad, recursive=True),
        lambda: alice.copy(f"{ALICE}/f", bad),
        lambda: alice.copy(bad, f"{ALICE}/g"),
        lambda: alice.move(f"{ALICE}/f", bad),
        lambda: alice.move(bad, f"{ALICE}/g"),
        lambda: alice.metadata.get(bad),
        lambda: alice.metadata.add(bad, AVU("a", "b")),
        lambda: alice.acls.set(bad, "bob", AccessLevel.read),
        lambda: alice.tickets.create(bad),
    ]
    for attempt in attempts:
        with pytest.raises(error):
            attempt()
    assert not chunks.started
    assert alice.list(ALICE).items == before_listing
    assert physical_files() == before_files


def test_listing_sorted_by_size_and_modified_pages_across_the_collection(alice, bob):
    """sort=size: collections first (by name), then data objects by size, ties by name; the
    order holds across pages (offset), and descending reverses the objects' order."""
    alice.mkdir(f"{ALICE}/sized")
    sizes = {"a": 30, "b": 5, "c": 120, "d": 5, "e": 9, "f": 10, "g": 1000}
    for name, size in sizes.items():
        put(alice, f"{ALICE}/sized/{name}", b"x" * size)
    alice.mkdir(f"{ALICE}/sized/zcoll")
    alice.mkdir(f"{ALICE}/sized/acoll")

    def names(**options):
        seen, offset = [], 0
        while True:
            page = alice.list(f"{ALICE}/sized", offset=offset, limit=3, **options)
            seen += [info.name for info in page.items]
            if not page.has_more:
                return seen
            offset += 3

    # Numbers, not text: 9 before 10 before 120 before 1000.
    assert names(sort="size") == ["acoll", "zcoll", "b", "d", "e", "f", "a", "c", "g"]
    assert names(sort="size", descending=True) == ["acoll", "zcoll", "g", "c", "a", "f", "e", "b", "d"]
    assert names(descending=True) == ["zcoll", "g", "f", "e", "d", "c", "b", "acoll", "a"]
    assert [i.name for i in alice.list(f"{ALICE}/sized", after="c", descending=True).items] == \
        ["b", "acoll", "a"]
    by_time = alice.list(f"{ALICE}/sized", sort="modified").items
    keys = [(info.modified, info.name) for info in by_time]
    assert keys == sorted(keys) and len(keys) == 9
    newest_first = alice.list(f"{ALICE}/sized", sort="modified", descending=True).items
    assert [info.modified for info in newest_first] == sorted((i.modified for i in by_time), reverse=True)
    first = alice.list(f"{ALICE}/sized", sort="size", descending=True, offset=2, limit=2)
    assert [i.name for i in first.items] == ["g", "c"] and first.has_more
    # What bob may not read stays hidden in any order.
    alice.acls.set(f"{ALICE}/sized", "bob", AccessLevel.read)
    alice.acls.set(f"{ALICE}/sized/e", "bob", AccessLevel.read)
    alice.acls.set(f"{ALICE}/sized/g", "bob", AccessLevel.read)
    assert [i.name for i in bob.list(f"{ALICE}/sized", sort="size", descending=True).items] == ["g", "e"]
    for bad in ({"sort": "colour"}, {"sort": "size", "after": "a"}, {"descending": "yes"}):
        with pytest.raises(BadRequest):
            alice.list(f"{ALICE}/sized", **bad)
