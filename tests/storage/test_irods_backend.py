"""What the irods backend does beyond the storage contract (test_contract.py runs that):
logins, the session pool, PRC's parallel path, outages. Everything goes through
python-irodsclient's real network code to tests/irods_server."""

from __future__ import annotations

import hashlib

import pytest
from irods import exception as ex

from backend.errors import (NotFound, PermissionDenied, ServiceUnavailable, Unauthorized,
                            Unprocessable)
from backend.settings import Settings
from backend.storage.irods import IrodsBackend
from backend.storage.irods.connect import SessionPool
from backend.storage.irods.errors import ConnectionLost, translate
from tests.irods_server.fixtures import irods_process, irods_server  # noqa: F401 (fixtures)

ZONE = "tempZone"
ALICE = f"/{ZONE}/home/alice"


def settings_for(server, tmp_path, **overrides) -> Settings:
    values = dict(data_dir=tmp_path, storage_backend="irods", irods_host="127.0.0.1",
                  irods_port=server.port, irods_zone=ZONE, irods_user="rods",
                  irods_password="rods", irods_timeout=3)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def backend(irods_server, tmp_path):
    irods_server.add_user("alice", "alice-pass")
    instance = IrodsBackend(settings_for(irods_server, tmp_path))
    yield instance
    instance.close()


# --- logins -----------------------------------------------------------------------

def test_login_with_native_credentials_returns_them(backend):
    credentials = backend.login("alice", "alice-pass", "native")
    assert credentials.username == "alice" and credentials.scheme == "native"
    assert "alice-pass" not in repr(credentials)
    own = backend.session("alice", credentials=credentials)
    own.write_file_content(f"{ALICE}/mine.txt", b"by alice herself")
    assert own.stat(f"{ALICE}/mine.txt").owner == "alice"


def test_wrong_password_and_unknown_user_are_refused_alike(backend):
    with pytest.raises(Unauthorized):
        backend.login("alice", "wrong", "native")
    with pytest.raises(Unauthorized):
        backend.login("nobody", "whatever", "native")


def test_pam_without_tls_is_refused_before_connecting(backend):
    with pytest.raises(Unprocessable, match="TLS"):
        backend.login("alice", "alice-pass", "pam_password")


def test_gsi_needs_a_server_dn(backend):
    with pytest.raises(Unprocessable, match="IRODS_SERVER_DN"):
        backend.login("alice", "", "gsi")


def test_unknown_scheme_is_named(backend):
    with pytest.raises(Unprocessable, match="kerberos"):
        backend.login("alice", "x", "kerberos")


def test_user_mode_without_credentials_says_how_to_log_in(irods_server, tmp_path):
    backend = IrodsBackend(settings_for(irods_server, tmp_path, irods_session_mode="user"))
    with pytest.raises(Unauthorized, match="/auth/irods"):
        backend.session("alice")


# --- proxy sessions and ACLs -----------------------------------------------------------

def test_proxy_sessions_act_as_the_user(backend, irods_server):
    irods_server.add_user("bob", "bob-pass")
    alice, bob = backend.session("alice"), backend.session("bob")
    info = alice.write_file_content(f"{ALICE}/secret.txt", b"for alice only")
    assert info.owner == "alice"
    with pytest.raises(PermissionDenied):
        bob.get_file_content(f"{ALICE}/secret.txt")
    with pytest.raises(PermissionDenied):
        bob.stat(f"{ALICE}/secret.txt")
    assert [i.name for i in alice.list(ALICE).items] == ["secret.txt"]


def test_create_home_makes_the_irods_account(backend):
    assert backend.create_home("carol") == f"/{ZONE}/home/carol"
    carol = backend.session("carol")
    assert carol.stat(f"/{ZONE}/home/carol").owner == "carol"


# --- transfers -----------------------------------------------------------------------

def test_large_upload_takes_the_parallel_path(irods_server, tmp_path):
    irods_server.add_user("alice", "alice-pass")
    backend = IrodsBackend(settings_for(irods_server, tmp_path, irods_parallel_threads=3,
                                        irods_parallel_min_size=1024 * 1024))
    alice = backend.session("alice")
    payload = hashlib.sha256(b"seed").digest() * (6 * 1024 * 1024 // 32)
    chunks = [payload[i:i + 1024 * 1024] for i in range(0, len(payload), 1024 * 1024)]
    before = dict(irods_server.api_calls)
    info = alice.write_in_streaming(f"{ALICE}/big.bin", chunks, size=len(payload))
    calls = {api: irods_server.api_calls[api] - before.get(api, 0) for api in irods_server.api_calls}
    assert calls.get(20000, 0) >= 1  # the replica token, asked for the extra connections
    assert calls.get(20004, 0) >= 2  # their non-finalising closes
    assert info.size == len(payload)
    assert info.checksum == "sha2:" + __import__("base64").b64encode(
        hashlib.sha256(payload).digest()).decode()
    assert b"".join(alice.read_in_streaming(f"{ALICE}/big.bin", chunk_size=1024 * 1024)) == payload
    backend.close()


# --- the session pool ------------------------------------------------------------------

class FakeSession:
    def __init__(self):
        self.closed = False

    def cleanup(self):
        self.closed = True


def test_pool_reuses_sessions_and_closes_idle_ones():
    now = [0.0]
    pool = SessionPool(idle=10, clock=lambda: now[0])
    first = pool.get(("proxy", "alice"), FakeSession)
    assert pool.get(("proxy", "alice"), FakeSession) is first
    now[0] = 11
    pool.get(("proxy", "bob"), FakeSession)
    assert first.session.closed and len(pool) == 1
    pool.drop(("proxy", "bob"))
    assert len(pool) == 0


def test_prc_errors_become_typed_errors():
    assert isinstance(translate(ex.CAT_NO_ACCESS_PERMISSION()), PermissionDenied)
    assert isinstance(translate(ex.DataObjectDoesNotExist()), NotFound)
    assert isinstance(translate(ex.CAT_INVALID_AUTHENTICATION()), Unauthorized)
    assert isinstance(translate(ex.NetworkException("gone")), ConnectionLost)
    assert isinstance(translate(TimeoutError()), ServiceUnavailable)
    assert translate(ValueError("ours")) is None


# --- outages ------------------------------------------------------------------------------

def test_a_server_that_goes_away_gives_503_quickly_and_is_found_again(irods_process, tmp_path):
    backend = IrodsBackend(settings_for(irods_process, tmp_path, irods_timeout=2))
    assert backend.health()["status"] == "ok"
    irods_process.kill()
    with pytest.raises(ServiceUnavailable):  # refused or timed out (IRODS_TIMEOUT), never a hang
        backend.session("rods").stat(f"/{ZONE}/home")
    assert backend.health()["status"] == "down"
    irods_process.start()
    assert backend.session("rods").stat(f"/{ZONE}/home").name == "home"
    assert backend.health()["status"] == "ok"
    backend.close()
