"""User and group administration through PRC (GENERAL_ADMIN), the API counter, and error codes."""

import pytest
from irods.exception import SYS_NO_API_PRIV, SYS_UNMATCHED_API_NUM, iRODSExceptionMeta
from irods.message import iRODSMessage

from . import errors
from .prc import connect, write


def test_admin_creates_users_and_groups(irods_server):
    with connect(irods_server, "rods", "rods") as admin:
        carol = admin.users.create("carol", "rodsuser")
        assert (carol.name, carol.type) == ("carol", "rodsuser")
        lab = admin.groups.create("lab")
        admin.groups.addmember("lab", "carol")
        assert [u.name for u in admin.groups.getmembers("lab")] == ["carol"]
        assert lab.name == "lab"
    with connect(irods_server, "rods", "rods", client_user="carol") as proxied:
        write(proxied, "/tempZone/home/carol/hello.txt", b"hi")  # a home came with the account
        with pytest.raises(SYS_NO_API_PRIV):
            proxied.users.create("mallory", "rodsadmin")


def test_api_calls_are_counted(irods_server):
    irods_server.add_user("alice", "apass")
    before = irods_server.api_calls[681]
    with connect(irods_server, "alice", "apass") as alice:
        alice.collections.create("/tempZone/home/alice/x")
    assert irods_server.api_calls[681] == before + 1


def test_unknown_api_is_an_error_prc_knows(irods_server):
    with connect(irods_server, "rods", "rods") as admin:
        with admin.pool.get_connection() as conn:
            conn.send(iRODSMessage("RODS_API_REQ", int_info=99999))
            with pytest.raises(SYS_UNMATCHED_API_NUM):
                conn.recv()


def test_error_codes_are_known_to_prc():
    codes = {name: code for name, code in vars(errors).items() if name.isupper()}
    unknown = {name: code for name, code in codes.items() if code not in iRODSExceptionMeta.codes}
    assert unknown == {}
