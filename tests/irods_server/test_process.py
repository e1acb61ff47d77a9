"""The server as a separate process (python -m tests.irods_server): an iRODS outage and recovery."""

import time

import pytest
from irods.exception import NetworkException
from irods.session import iRODSSession

HOME = "/tempZone/home/alice"


def session_for(proc, **options):
    return iRODSSession(host=proc.host, port=proc.port, user="alice", password="apass", zone=proc.zone,
                        **options)


def test_outage_and_restart_on_the_same_port(irods_process):
    with session_for(irods_process) as session:
        with session.data_objects.open(f"{HOME}/before.txt", "w") as f:
            f.write(b"before")
        port = irods_process.port
        irods_process.kill()
        fresh = session_for(irods_process, connection_timeout=2)
        started = time.monotonic()
        with pytest.raises(NetworkException):
            fresh.collections.get(HOME)
        assert time.monotonic() - started < 5
        fresh.cleanup()
    irods_process.start()
    assert irods_process.port == port
    with session_for(irods_process) as session:
        # A new process: an empty catalog again, but alice's home and login work.
        assert session.collections.get(HOME).name == "alice"
        assert not session.data_objects.exists(f"{HOME}/before.txt")


def test_stop_is_a_clean_exit(irods_process):
    with session_for(irods_process) as session:
        assert session.collections.get(HOME).name == "alice"
    irods_process.stop()
    assert irods_process.returncode == 0  # SIGTERM: a clean exit, not death by signal
