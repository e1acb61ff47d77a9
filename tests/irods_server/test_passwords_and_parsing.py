"""Passwords set by an administrator or by their user, read as iRODS reads them (scrambled, keyed by
the sender's password and the session's signature); control characters carried verbatim through the
packing instructions; 'rm unusedAVUs'; and a malformed request answered with an error, not a dead
connection thread."""

import threading

import irods.password_obfuscation as prc_obf
import pytest
from irods.api_number import api_number
from irods.exception import (CAT_INVALID_AUTHENTICATION, CAT_PASSWORD_ENCODING_ERROR, SYS_NO_API_PRIV,
                             SYS_PACK_INSTRUCT_FORMAT_ERR)
from irods.message import GeneralAdminRequest, iRODSMessage
from irods.meta import iRODSMeta
from irods.models import DataObject

from . import obf
from .framing import pack_header
from .prc import connect, read, write

HOME = "/tempZone/home"


@pytest.fixture
def thread_errors(monkeypatch):
    """Exceptions that escaped a server thread (a connection thread dying without an answer)."""
    seen = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_value))
    return seen


def _logs_in(server, user, password):
    with connect(server, user, password) as session:
        return session.collections.get(f"{HOME}/{user}").path == f"{HOME}/{user}"


def _general_admin(session, *args):
    request = iRODSMessage("RODS_API_REQ", msg=GeneralAdminRequest(*args), int_info=api_number["GENERAL_ADMIN_AN"])
    with session.pool.get_connection() as conn:
        conn.send(request)
        return conn.recv().int_info


def test_admin_sets_a_password_and_the_user_logs_in(irods_server):
    with connect(irods_server, "rods", "rods") as admin:
        admin.users.create("bob", "rodsuser")
        admin.users.modify("bob", "password", "bpass")
    assert _logs_in(irods_server, "bob", "bpass")
    with pytest.raises(CAT_INVALID_AUTHENTICATION):
        _logs_in(irods_server, "bob", "wrong")
    assert irods_server.catalog.users["bob"].password == "bpass"  # the padding is gone too


@pytest.mark.parametrize("first", ["\r", "\x0b", "\x0c", " ", "&", "<", "A"])
def test_any_random_scramble_prefix_is_read(irods_server, monkeypatch, first):
    """PRC scrambles behind a random character of string.printable, which the scramble leaves as
    it is when it is not a wheel character: \\r, \\x0b and \\x0c reach the server raw."""

    class Fixed:
        def choice(self, seq):
            return first

    monkeypatch.setattr(prc_obf.random, "SystemRandom", Fixed)
    with connect(irods_server, "rods", "rods") as admin:
        admin.users.create("bob", "rodsuser")
        admin.users.modify("bob", "password", "bpass")
    assert _logs_in(irods_server, "bob", "bpass")


@pytest.mark.parametrize("password", ["a\rb\x0bc", "x\x0cy<&>'\"z", "p" * 30, "1gCBizHW"])
def test_passwords_with_control_and_markup_characters(irods_server, password):
    with connect(irods_server, "rods", "rods") as admin:
        admin.users.create("bob", "rodsuser")
        admin.users.modify("bob", "password", password)
    assert irods_server.catalog.users["bob"].password == password
    assert _logs_in(irods_server, "bob", password)


def test_a_proxied_admin_scrambles_with_its_own_password(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "rods", "rods", client_user="rods") as admin:
        admin.users.modify("alice", "password", "new-apass")
    assert _logs_in(irods_server, "alice", "new-apass")


def test_a_password_scrambled_with_another_key_is_refused(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "rods", "rods") as admin:
        with admin.pool.get_connection() as conn:
            value = prc_obf.obfuscate_new_password("x", "not-the-admins", conn.client_signature)
        with pytest.raises(CAT_PASSWORD_ENCODING_ERROR):
            _general_admin(admin, "modify", "user", "alice", "password", value, "")
    assert irods_server.catalog.users["alice"].password == "apass"


def test_only_an_admin_sets_passwords(irods_server):
    irods_server.add_user("alice", "apass")
    irods_server.add_user("bob", "bpass")
    with connect(irods_server, "alice", "apass") as alice:
        with pytest.raises(SYS_NO_API_PRIV):
            alice.users.modify("bob", "password", "mine")
    assert irods_server.catalog.users["bob"].password == "bpass"


def test_a_user_changes_its_own_password(irods_server):
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "alice", "apass") as alice:
        alice.users.modify_password("apass", "a\rnew")
    assert _logs_in(irods_server, "alice", "a\rnew")
    with pytest.raises(CAT_INVALID_AUTHENTICATION):
        _logs_in(irods_server, "alice", "apass")


def test_admin_modifies_type_info_and_comment(irods_server):
    with connect(irods_server, "rods", "rods") as admin:
        admin.users.create("bob", "rodsuser")
        admin.users.modify("bob", "type", "rodsadmin")
        admin.users.modify("bob", "info", "an info")
        admin.users.modify("bob", "comment", "a comment")
        bob = admin.users.get("bob")
        assert (bob.type, bob.info, bob.comment) == ("rodsadmin", "an info", "a comment")


def test_decoding_matches_the_reference_scramble():
    for password in ["", "a", "rods", "x" * 24, "y" * 25, "z" * 50, "\r\x0b\x0c"]:
        scrambled = prc_obf.obfuscate_new_password(password, "rods", "0123456789abcdef0123456789abcdef")
        assert obf.decode_v2(scrambled, "rods", "0123456789abcdef0123456789abcdef") == password[:50]


def test_rm_unused_avus(irods_server):
    """Only an administrator may; the AVUs still attached to something stay."""
    irods_server.add_user("alice", "apass")
    with connect(irods_server, "rods", "rods") as admin:
        write(admin, f"{HOME}/rods/kept", b"1")
        write(admin, f"{HOME}/rods/gone", b"2")
        admin.data_objects.get(f"{HOME}/rods/kept").metadata.add("a", "1")
        admin.data_objects.get(f"{HOME}/rods/gone").metadata.add("b", "2")
        admin.data_objects.unlink(f"{HOME}/rods/gone", force=True)
        assert _general_admin(admin, "rm", "unusedAVUs", "", "", "", "") == 0
        assert [(m.name, m.value) for m in admin.data_objects.get(f"{HOME}/rods/kept").metadata.items()] == [("a", "1")]
    with connect(irods_server, "alice", "apass") as alice:
        with pytest.raises(SYS_NO_API_PRIV):
            _general_admin(alice, "rm", "unusedAVUs", "", "", "", "")


def test_control_characters_in_an_avu_travel_verbatim(irods_server):
    with connect(irods_server, "rods", "rods") as admin:
        path = f"{HOME}/rods/obj"
        write(admin, path, b"x")
        # session.metadata sends only; an object's .metadata would read the AVUs back, and a reply
        # carrying \x0b is no XML for PRC's default parser, from iRODS as from this server.
        admin.metadata.add(DataObject, path, iRODSMeta("k\x0b", "v\r\x0c"))
        obj = irods_server.catalog.objs[path]
        assert [a[1:3] for a in obj.avus] == [["k\x0b", "v\r\x0c"]]


@pytest.mark.parametrize("body", [b"<DataObjInp_PI><objPath>/x</DataObjInp_PI>", b"\xff\xfe not xml",
                                  b"<DataObjInp_PI><openFlags>many</openFlags></DataObjInp_PI>"])
def test_a_malformed_request_gets_an_error_and_the_connection_lives(irods_server, thread_errors, body):
    with connect(irods_server, "rods", "rods") as admin:
        write(admin, f"{HOME}/rods/obj", b"still here")
        with admin.pool.get_connection() as conn:
            conn.socket.sendall(pack_header("RODS_API_REQ", len(body), 0, 0, 602) + body)
            with pytest.raises(Exception) as raised:
                conn.recv()
            assert getattr(raised.value, "code", None) in (SYS_PACK_INSTRUCT_FORMAT_ERR.code, -14000)
        # the same pooled connection answers the next request
        assert read(admin, f"{HOME}/rods/obj") == b"still here"
    assert thread_errors == []


def test_a_malformed_header_closes_only_that_connection(irods_server, thread_errors):
    with connect(irods_server, "rods", "rods") as admin:
        with admin.pool.get_connection() as conn:
            garbage = b"<MsgHeader_PI><type>RODS_API_REQ</type"
            conn.socket.sendall(len(garbage).to_bytes(4, "big") + garbage)
            assert conn.socket.recv(1) == b""  # the server hung up
            conn.release(destroy=True)
    assert _logs_in(irods_server, "rods", "rods")
    assert thread_errors == []
