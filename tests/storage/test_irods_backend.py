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
from tests.irods_server.fixtures import irods_process, irods_server, irods_tls_server  # noqa: F401

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


# --- TLS, PAM and GSI for the service account --------------------------------------------

def tls_settings(server, tmp_path, **overrides) -> Settings:
    return settings_for(server, tmp_path, irods_client_server_policy="CS_NEG_REQUIRE",
                        irods_ssl_ca_certificate_file=tmp_path / "cert.pem", **overrides)


def test_pam_password_service_account_over_verified_tls(irods_tls_server, tmp_path):
    irods_tls_server.add_user("alice", "alice-pass")
    backend = IrodsBackend(tls_settings(irods_tls_server, tmp_path,
                                        irods_authscheme="pam_password"))
    try:
        assert backend.health()["status"] == "ok"
        alice = backend.session("alice")
        alice.write_file_content(f"{ALICE}/over-tls.txt", b"encrypted on the wire")
        assert alice.get_file_content(f"{ALICE}/over-tls.txt") == b"encrypted on the wire"
        assert backend.login("alice", "alice-pass", "pam_password").scheme == "pam_password"
        with pytest.raises(Unauthorized):
            backend.login("alice", "wrong", "pam_password")
    finally:
        backend.close()


def test_a_certificate_from_another_ca_is_refused(irods_tls_server, tmp_path):
    from tests.irods_server import tls

    other = tmp_path / "other"
    other.mkdir()
    stranger, _ = tls.make_self_signed(other)
    backend = IrodsBackend(settings_for(irods_tls_server, tmp_path,
                                        irods_client_server_policy="CS_NEG_REQUIRE",
                                        irods_ssl_ca_certificate_file=stranger))
    try:
        health = backend.health()
        assert health["status"] == "down"
        with pytest.raises(ServiceUnavailable):
            backend.session("rods").stat(f"/{ZONE}/home")
    finally:
        backend.close()


def test_gsi_against_an_irods_4_3_server_is_refused_plainly(backend, monkeypatch):
    """GSI exists only in PRC's legacy (pre-4.3) authentication path. Not tested here: a GSI
    login itself (no GSI-enabled iRODS < 4.3 server, no Globus proxy certificate, and the
    `gssapi` package does not build here without Kerberos headers). A stand-in `gssapi`
    module (a mock, for that reason only) lets the login reach PRC's real code, which
    against this 4.3 server has no GSI plugin to offer: the API must say so."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "gssapi", types.ModuleType("gssapi"))
    gsi = IrodsBackend(backend.settings.model_copy(update={
        "irods_server_dn": "/C=EU/O=Example/CN=irods.example.org"}))
    with pytest.raises(Unprocessable, match="older than 4.3"):
        gsi.login("alice", "", "gsi")
    gsi.close()


def test_gsi_without_the_gssapi_package_says_what_is_missing(backend, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "gssapi", None)  # as on a machine without it
    gsi = IrodsBackend(backend.settings.model_copy(update={
        "irods_server_dn": "/C=EU/O=Example/CN=irods.example.org"}))
    with pytest.raises(Unprocessable, match="gssapi"):
        gsi.login("alice", "", "gsi")
    gsi.close()


def test_gsi_settings_are_accepted():
    settings = Settings.from_env({"STORAGE_BACKEND": "irods", "IRODS_AUTHSCHEME": "gsi",
                                  "IRODS_SERVER_DN": "/C=EU/O=Example/CN=irods.example.org"})
    assert settings.irods_authscheme == "gsi" and settings.irods_server_dn.endswith("irods.example.org")


# --- trash -----------------------------------------------------------------------------------

def test_removal_goes_to_the_trash_when_configured(irods_server, tmp_path):
    irods_server.add_user("alice", "alice-pass")
    backend = IrodsBackend(settings_for(irods_server, tmp_path, irods_use_trash=True))
    alice = backend.session("alice")
    alice.write_file_content(f"{ALICE}/old.txt", b"keep me a while")
    alice.remove(f"{ALICE}/old.txt")
    assert not alice.exists(f"{ALICE}/old.txt")
    assert alice.get_file_content(f"/{ZONE}/trash/home/alice/old.txt") == b"keep me a while"
    backend.close()


def test_removal_is_final_by_default(backend):
    alice = backend.session("alice")
    alice.write_file_content(f"{ALICE}/gone.txt", b"x")
    alice.remove(f"{ALICE}/gone.txt")
    rods = backend.session("rods")
    assert not rods.exists(f"/{ZONE}/trash/home/alice/gone.txt")
