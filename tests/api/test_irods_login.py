"""POST /auth/irods: logging in with iRODS credentials, over real HTTP to real uWSGI, whose
workers speak to tests/irods_server through python-irodsclient's real network code.

Each group of tests has its own API deployment (proxy mode; user mode; TLS), because
those are deployment settings. Users of the iRODS test server have the password
PASSWORD; the API has never heard of them before they log in.
"""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
import requests

from tests.api.deployments import PASSWORD, ZONE, add_irods_users, irods_settings
from tests.irods_server import IrodsTestServer
from tests.irods_server import tls
from tests.live import running_api

IRODS_LOGIN = "/auth/irods"
TIMEOUT = 30  # a safeguard against a hang, not a measurement


@contextlib.contextmanager
def irods_deployment(tmp_path_factory, server: IrodsTestServer, **env):
    """The API on `server` (started by the caller) with these extra settings."""
    with running_api(tmp_path_factory.mktemp("irods-login"), **irods_settings(server, **env)) as live:
        yield live


@contextlib.contextmanager
def plain_server(*users: str):
    server = IrodsTestServer(zone=ZONE).start()
    try:
        add_irods_users(server, *users)
        yield server
    finally:
        server.stop()


def irods_login(live, username: str, password: str = PASSWORD, **extra) -> requests.Response:
    return requests.post(live.url + IRODS_LOGIN, json={"username": username, "password": password, **extra},
                         timeout=TIMEOUT)


def token_from(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["token"]


def claims_of(token: str) -> dict:
    """A JWT's payload as anyone holding the token can read it (no key needed)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def assert_error(response: requests.Response, status: int, kind: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status and body["type"] == kind
    return body["error"]


def home(user: str) -> str:
    return f"/{ZONE}/home/{user}"


# --- proxy mode (the service account acts for each user), no TLS -----------------------

@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    with plain_server("carol", "mallory", "newton") as server:
        with irods_deployment(tmp_path_factory, server, AUTH_MAX_LOGIN_ATTEMPTS=3) as live:
            yield live


def test_native_login_gives_a_token_to_upload_and_download_with(proxy):
    response = irods_login(proxy, "carol", scheme="native")
    token = token_from(response)
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["user"]["username"] == "carol" and body["user"]["role"] == "user"
    assert body["user"]["home"] == home("carol")
    assert PASSWORD not in response.text

    carol = proxy.session(token)
    url = proxy.url + "/api/data" + home("carol") + "/native.txt"
    assert carol.put(url, data=b"measured by carol", timeout=TIMEOUT).status_code == 201
    assert carol.get(url, timeout=TIMEOUT).content == b"measured by carol"
    profile = carol.get(proxy.url + "/auth/profile", timeout=TIMEOUT).json()
    assert profile["username"] == "carol"
    assert PASSWORD not in proxy.log()


def test_the_first_irods_login_creates_an_api_user_without_an_api_password(proxy):
    token_from(irods_login(proxy, "newton"))
    admin = proxy.session(proxy.admin_token())
    users = {user["username"]: user for user in admin.get(proxy.url + "/admin/users", timeout=TIMEOUT).json()}
    assert users["newton"]["role"] == "user"
    # The iRODS password is not an API password: /auth/login does not accept it.
    refused = requests.post(proxy.url + "/auth/login", json={"username": "newton", "password": PASSWORD},
                            timeout=TIMEOUT)
    assert refused.status_code == 401
    # Logging in again through iRODS finds the same user.
    again = irods_login(proxy, "newton")
    assert again.json()["user"]["id"] == users["newton"]["id"]


def test_wrong_password_is_refused_with_a_json_401(proxy):
    message = assert_error(irods_login(proxy, "carol", "not-carols-password"), 401, "unauthorized")
    assert "not-carols-password" not in message
    # An unknown user gets the same answer: the API does not tell who exists in iRODS.
    unknown = assert_error(irods_login(proxy, "nobody-here", "whatever-password"), 401, "unauthorized")
    assert unknown == message


def test_repeated_irods_refusals_ban_the_account_like_local_logins(proxy):
    token_from(irods_login(proxy, "mallory"))  # known to the API from now on
    for _ in range(3):  # AUTH_MAX_LOGIN_ATTEMPTS
        assert irods_login(proxy, "mallory", "guessed-password").status_code == 401
    message = assert_error(irods_login(proxy, "mallory"), 403, "account_banned")
    assert "banned" in message


def test_pam_password_without_tls_is_422_saying_tls_is_required(proxy):
    message = assert_error(irods_login(proxy, "carol", scheme="pam_password"), 422, "unprocessable")
    assert "TLS" in message and "CS_NEG_REQUIRE" in message


def test_gsi_without_a_server_dn_is_422_saying_to_set_it(proxy):
    message = assert_error(irods_login(proxy, "carol", "", scheme="gsi"), 422, "unprocessable")
    assert "IRODS_SERVER_DN" in message


def test_an_unknown_scheme_is_422(proxy):
    message = assert_error(irods_login(proxy, "carol", scheme="kerberos"), 422, "unprocessable")
    assert "native" in message and "pam_password" in message


def test_the_endpoint_is_documented_in_the_spec(proxy):
    spec = requests.get(proxy.url + "/api/specs", timeout=TIMEOUT).json()
    operation = spec["paths"][IRODS_LOGIN]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["scheme"]["enum"] == ["native", "pam_password", "gsi"]
    assert {"200", "401", "422", "503"} <= set(operation["responses"])
    assert "security" not in operation


def test_gsi_with_a_server_dn_is_accepted_as_a_setting_and_refused_clearly(tmp_path_factory):
    """With IRODS_SERVER_DN set the API starts and a GSI login gets a clear 422.

    Not tested here: a GSI login that succeeds. That needs an iRODS server older than 4.3
    (4.3 has no GSI plugin; tests/irods_server speaks 4.3), the python `gssapi` package
    (not installed) and a GSI proxy certificate. What is tested is that the setting is
    accepted and that the refusal names GSI instead of claiming wrong credentials.
    """
    with plain_server("carol") as server:
        with irods_deployment(tmp_path_factory, server,
                              IRODS_SERVER_DN="/O=Grid/OU=GlobusTest/CN=irods.example.org") as live:
            assert requests.get(live.url + "/api/status", timeout=TIMEOUT).status_code == 200
            message = assert_error(irods_login(live, "carol", "", scheme="gsi"), 422, "unprocessable")
            assert "GSI" in message and "IRODS_SERVER_DN" not in message


def test_irods_down_is_503(tmp_path_factory):
    with plain_server("carol") as server:
        with irods_deployment(tmp_path_factory, server) as live:
            server.stop()
            message = assert_error(irods_login(live, "carol"), 503, "service_unavailable")
            assert PASSWORD not in message


# --- user mode: each user's own iRODS credentials ----------------------------------------

@pytest.fixture(scope="module")
def user_mode(tmp_path_factory):
    with plain_server("dave", "erin") as server:
        with irods_deployment(tmp_path_factory, server, IRODS_SESSION_MODE="user") as live:
            yield live


def test_user_mode_acts_with_the_users_own_credentials(user_mode):
    dave = user_mode.session(token_from(irods_login(user_mode, "dave")))
    erin = user_mode.session(token_from(irods_login(user_mode, "erin")))
    daves_file = user_mode.url + "/api/data" + home("dave") + "/mine.txt"
    assert dave.put(daves_file, data=b"dave's data", timeout=TIMEOUT).status_code == 201
    # Several requests, so that several uWSGI workers act with the credentials in the token.
    for _ in range(6):
        assert dave.get(daves_file, timeout=TIMEOUT).content == b"dave's data"

    assert_error(erin.get(daves_file, timeout=TIMEOUT), 403, "permission_denied")
    erins_file = user_mode.url + "/api/data" + home("erin") + "/theirs.txt"
    assert erin.put(erins_file, data=b"erin's", timeout=TIMEOUT).status_code == 201
    assert_error(dave.get(erins_file, timeout=TIMEOUT), 403, "permission_denied")


def test_user_mode_tokens_carry_the_credentials_unreadably(user_mode):
    token = token_from(irods_login(user_mode, "dave"))
    claims = json.dumps(claims_of(token))
    assert claims_of(token)["sub"] == "dave"
    assert PASSWORD not in claims and base64.b64encode(PASSWORD.encode()).decode() not in claims
    assert PASSWORD not in user_mode.log()


def test_user_mode_needs_an_irods_login_for_data(user_mode):
    admin = user_mode.session(user_mode.admin_token())  # an API password: no iRODS credentials
    message = assert_error(admin.get(user_mode.url + "/api/data" + home("admin"), timeout=TIMEOUT),
                           401, "unauthorized")
    assert IRODS_LOGIN in message


# --- TLS ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """The server's self-signed certificate and key, and another CA's certificate."""
    if not tls.openssl_available():
        pytest.fail("openssl is needed to make the test certificates")
    cert, key = tls.make_self_signed(tmp_path_factory.mktemp("server-cert"))
    stranger, _ = tls.make_self_signed(tmp_path_factory.mktemp("other-ca"))
    return cert, key, stranger


@pytest.fixture(scope="module")
def tls_server(certificates):
    cert, key, _ = certificates
    server = IrodsTestServer(zone=ZONE, tls_context=tls.server_context(cert, key)).start()
    try:
        add_irods_users(server, "frank")
        yield server
    finally:
        server.stop()


def tls_settings(ca) -> dict:
    return {"IRODS_CLIENT_SERVER_POLICY": "CS_NEG_REQUIRE", "IRODS_SSL_CA_CERTIFICATE_FILE": str(ca)}


def test_pam_password_over_verified_tls(tmp_path_factory, certificates, tls_server):
    cert, _, _ = certificates
    with irods_deployment(tmp_path_factory, tls_server, **tls_settings(cert)) as live:
        response = irods_login(live, "frank", scheme="pam_password")
        frank = live.session(token_from(response))
        assert PASSWORD not in response.text
        url = live.url + "/api/data" + home("frank") + "/over-tls.txt"
        assert frank.put(url, data=b"sent encrypted", timeout=TIMEOUT).status_code == 201
        assert frank.get(url, timeout=TIMEOUT).content == b"sent encrypted"
        assert_error(irods_login(live, "frank", "wrong-pam-password", scheme="pam_password"),
                     401, "unauthorized")


def test_a_server_certificate_the_ca_did_not_sign_is_a_clear_error(tmp_path_factory, certificates,
                                                                   tls_server):
    cert, _, stranger = certificates
    # The API must first start (its status check needs iRODS), so it trusts a copy of the
    # right CA file; the copy then becomes another CA's certificate, as when a server's
    # certificate changes under a deployment. Each login builds its TLS context anew.
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca_file.write_bytes(cert.read_bytes())
    with irods_deployment(tmp_path_factory, tls_server, **tls_settings(ca_file)) as live:
        token_from(irods_login(live, "frank", scheme="pam_password"))
        ca_file.write_bytes(stranger.read_bytes())
        message = assert_error(irods_login(live, "frank", scheme="pam_password"),
                               503, "service_unavailable")
        assert "certificate" in message.lower()
