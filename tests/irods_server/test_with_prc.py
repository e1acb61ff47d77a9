"""Drive the test server only through python-irodsclient's public API."""

import base64
import hashlib
import io

import pytest
from irods.access import iRODSAccess
from irods.connection import Connection
from irods.exception import (
    CAT_INVALID_AUTHENTICATION,
    CAT_NO_ACCESS_PERMISSION,
    CollectionDoesNotExist,
    DataObjectDoesNotExist,
)
from irods.session import iRODSSession


def connect(server, user, password):
    return iRODSSession(host="127.0.0.1", port=server.port, user=user, password=password, zone=server.zone)


@pytest.fixture
def alice(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "alice", "apass") as session:
        yield session


def test_native_login_ok(irods_server, alice):
    home = alice.collections.get("/tempZone/home/alice")
    assert home.name == "alice"


def test_wrong_password_is_rejected(irods_server):
    irods_server.add_user("bob", "right")
    with connect(irods_server, "bob", "wrong") as session:
        with pytest.raises(CAT_INVALID_AUTHENTICATION):
            session.collections.get("/tempZone/home/bob")


def test_mkdir_and_list(alice):
    alice.collections.create("/tempZone/home/alice/a/b", recurse=True)
    alice.collections.create("/tempZone/home/alice/a/c")
    with alice.data_objects.open("/tempZone/home/alice/a/f.txt", "w") as f:
        f.write(b"hello")
    coll = alice.collections.get("/tempZone/home/alice/a")
    assert sorted(c.name for c in coll.subcollections) == ["b", "c"]
    assert [(d.name, d.size) for d in coll.data_objects] == [("f.txt", 5)]
    alice.collections.remove("/tempZone/home/alice/a", recurse=True, force=True)
    with pytest.raises(CollectionDoesNotExist):
        alice.collections.get("/tempZone/home/alice/a")


def test_put_get_round_trip_with_checksum(alice, tmp_path):
    payload = bytes(range(256)) * 4096 + b"tail"
    src = tmp_path / "src.bin"
    src.write_bytes(payload)
    alice.data_objects.put(str(src), "/tempZone/home/alice/data.bin")
    obj = alice.data_objects.get("/tempZone/home/alice/data.bin", str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == payload
    assert obj.size == len(payload)
    expected = "sha2:" + base64.b64encode(hashlib.sha256(payload).digest()).decode()
    assert obj.chksum() == expected
    assert alice.data_objects.get("/tempZone/home/alice/data.bin").checksum == expected


def test_streamed_open_read_write(alice):
    path = "/tempZone/home/alice/stream.txt"
    with alice.data_objects.open(path, "w") as f:
        f.write(b"0123456789")
        f.write(b"abc")
    with alice.data_objects.open(path, "r") as f:
        f.seek(5)
        assert f.read(3) == b"567"
        assert f.read() == b"89abc"
    with alice.data_objects.open(path, "r") as f:
        assert io.BufferedReader(f).read() == b"0123456789abc"


def test_metadata_add_get_remove(alice):
    path = "/tempZone/home/alice/m.txt"
    alice.data_objects.create(path)
    obj = alice.data_objects.get(path)
    obj.metadata.add("color", "blue", "u1")
    obj.metadata.add("size", "3")
    assert sorted((m.name, m.value, m.units) for m in alice.data_objects.get(path).metadata.items()) == [
        ("color", "blue", "u1"), ("size", "3", None)]
    assert alice.data_objects.get(path).metadata.get_one("color").value == "blue"
    obj.metadata.remove("color", "blue", "u1")
    assert [m.name for m in alice.data_objects.get(path).metadata.items()] == ["size"]
    coll = alice.collections.get("/tempZone/home/alice")
    coll.metadata.add("project", "x")
    assert [(m.name, m.value) for m in alice.collections.get("/tempZone/home/alice").metadata.items()] == [
        ("project", "x")]


def test_acl_denial_and_grant(irods_server, alice):
    irods_server.add_user("bob", "bpass")
    path = "/tempZone/home/alice/secret.txt"
    with alice.data_objects.open(path, "w") as f:
        f.write(b"top secret")
    with connect(irods_server, "bob", "bpass") as bob:
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            with bob.data_objects.open(path, "r") as f:
                f.read()
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            bob.collections.create("/tempZone/home/alice/bobdir")
        alice.acls.set(iRODSAccess("read", path, "bob"))
        with bob.data_objects.open(path, "r") as f:
            assert f.read() == b"top secret"
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            with bob.data_objects.open(path, "w") as f:
                f.write(b"x")
    acls = {(a.user_name, a.access_name) for a in alice.acls.get(alice.data_objects.get(path))}
    assert acls == {("alice", "own"), ("bob", "read_object")}


def test_rename_and_unlink(alice):
    src, dst = "/tempZone/home/alice/one.txt", "/tempZone/home/alice/two.txt"
    with alice.data_objects.open(src, "w") as f:
        f.write(b"1")
    alice.data_objects.move(src, dst)
    assert not alice.data_objects.exists(src)
    assert alice.data_objects.get(dst).size == 1
    alice.collections.create("/tempZone/home/alice/d1")
    alice.collections.move("/tempZone/home/alice/d1", "/tempZone/home/alice/d2")
    assert alice.collections.exists("/tempZone/home/alice/d2")
    alice.data_objects.unlink(dst, force=True)
    with pytest.raises(DataObjectDoesNotExist):
        alice.data_objects.get(dst)


def test_copy(alice):
    with alice.data_objects.open("/tempZone/home/alice/src.txt", "w") as f:
        f.write(b"copy me")
    alice.data_objects.copy("/tempZone/home/alice/src.txt", "/tempZone/home/alice/dst.txt")
    with alice.data_objects.open("/tempZone/home/alice/dst.txt", "r") as f:
        assert f.read() == b"copy me"


def test_read_ticket_lets_another_user_read(irods_server, alice):
    from irods.ticket import Ticket

    irods_server.add_user("bob", "bpass")
    path = "/tempZone/home/alice/shared.txt"
    with alice.data_objects.open(path, "w") as f:
        f.write(b"via ticket")
    ticket = Ticket(alice).issue("read", path)
    with connect(irods_server, "bob", "bpass") as bob:
        Ticket(bob, ticket.string).supply()
        with bob.data_objects.open(path, "r") as f:
            assert f.read() == b"via ticket"
        with pytest.raises(CAT_NO_ACCESS_PERMISSION):
            with bob.data_objects.open(path, "w") as f:
                f.write(b"no")


def test_pam_password_over_tls(irods_tls_server):
    irods_tls_server.add_user("carol", "cpass")
    options = dict(
        host="127.0.0.1", port=irods_tls_server.port, user="carol", password="cpass", zone="tempZone",
        authentication_scheme="pam_password", client_server_negotiation="request_server_negotiation",
        client_server_policy="CS_NEG_REQUIRE", encryption_algorithm="AES-256-CBC", encryption_key_size=32,
        encryption_num_hash_rounds=16, encryption_salt_size=8, ssl_context=irods_tls_server.client_ssl_context,
    )
    with iRODSSession(**options) as session:
        with session.data_objects.open("/tempZone/home/carol/t.txt", "w") as f:
            f.write(b"over tls")
        with session.data_objects.open("/tempZone/home/carol/t.txt", "r") as f:
            assert f.read() == b"over tls"
    with iRODSSession(**{**options, "password": "bad"}) as session:
        with pytest.raises(Exception) as info:
            session.collections.get("/tempZone/home/carol")
        assert "PAM_AUTH_PASSWORD_FAILED" in type(info.value).__name__
        close_failed_login_connection(info.value)


def close_failed_login_connection(exc):
    """PRC drops a connection whose login failed without closing it; only the traceback still
    holds it, and its finalizer cannot send on a half-collected TLS socket. Close it ourselves."""
    tb = exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, Connection):
            candidate.disconnect()
            return
        tb = tb.tb_next


def test_parallel_put_get_of_large_file(alice, tmp_path):
    payload = hashlib.sha256(b"seed").digest() * (40 * 1024 * 1024 // 32) + b"end"
    src = tmp_path / "big.bin"
    src.write_bytes(payload)
    alice.data_objects.put(str(src), "/tempZone/home/alice/big.bin", num_threads=3)
    assert alice.data_objects.get("/tempZone/home/alice/big.bin").size == len(payload)
    alice.data_objects.get("/tempZone/home/alice/big.bin", str(tmp_path / "back.bin"), num_threads=3)
    assert (tmp_path / "back.bin").read_bytes() == payload


def test_genquery_pages_with_continue_index(alice):
    from irods.models import Collection, DataObject

    for i in range(5):
        alice.data_objects.create(f"/tempZone/home/alice/p{i}.txt")
    query = alice.query(DataObject.name).filter(Collection.name == "/tempZone/home/alice").limit(2)
    batches = [[row[DataObject.name] for row in batch] for batch in query.get_batches()]
    assert batches == [["p0.txt", "p1.txt"], ["p2.txt", "p3.txt"], ["p4.txt"]]
    from irods.column import Like

    like = alice.query(DataObject.name).filter(Like(DataObject.name, "p%"), Collection.name == "/tempZone/home/alice")
    assert len(list(like)) == 5
