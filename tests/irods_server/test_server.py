"""The server's own life cycle: stop() must leave no threads or sockets behind."""

import threading

from irods.session import iRODSSession

from tests.irods_server import IrodsTestServer


def test_stop_closes_open_connections_and_joins_threads():
    before = set(threading.enumerate())
    server = IrodsTestServer().start()
    server.add_user("dave", "dpass")
    session = iRODSSession(host="127.0.0.1", port=server.port, user="dave", password="dpass", zone=server.zone)
    assert session.collections.get("/tempZone/home/dave").name == "dave"
    server.stop()  # with dave's connection still open in PRC's pool
    assert set(threading.enumerate()) <= before
    session.cleanup()


def test_add_user_creates_home_and_port_is_real():
    with IrodsTestServer() as server:
        server.add_user("erin", "epass", type="rodsadmin")
        assert server.port > 0
        assert "/tempZone/home/erin" in server.catalog.colls
        assert server.catalog.users["erin"].type == "rodsadmin"
