"""The b2stage project on iRODS (STORAGE_BACKEND=irods, proxy mode), over real HTTP; uWSGI's
workers speak to tests/irods_server through python-irodsclient's real network code.

B2SAFE users log in with their iRODS credentials at /auth/b2safeproxy; the landing pages
read through iRODS' own anonymous account."""

from __future__ import annotations

import pytest
import requests

from tests.api.deployments import PASSWORD, ZONE, add_irods_users, irods_settings
from tests.irods_server import IrodsTestServer
from tests.live import running_api

TIMEOUT = 30  # a safeguard against a hang, not a measurement


@pytest.fixture(scope="module")
def irods_b2stage(tmp_path_factory):
    server = IrodsTestServer(zone=ZONE).start()
    try:
        add_irods_users(server, "alice", "bob")
        with running_api(tmp_path_factory.mktemp("b2stage-irods"), PROJECT="b2stage",
                         **irods_settings(server)) as live:
            yield live, server
    finally:
        server.stop()


def b2safe_login(live, **body) -> requests.Response:
    return requests.post(live.url + "/auth/b2safeproxy", json=body, timeout=TIMEOUT)


def test_b2safe_users_log_in_with_their_irods_credentials(irods_b2stage):
    live, _ = irods_b2stage
    answer = b2safe_login(live, username="alice", password=PASSWORD, authscheme="native")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["b2safe_user"] == "alice" and body["b2safe_home"] == f"/{ZONE}/home/alice"
    assert body["token_type"] == "Bearer" and body["user"]["username"] == "alice"
    alice = live.session(body["token"])
    assert alice.get(live.url + "/auth/profile", timeout=TIMEOUT).json()["username"] == "alice"
    # The default scheme is the deployment's (native).
    assert b2safe_login(live, username="alice", password=PASSWORD).status_code == 200

    for wrong in ({"username": "alice", "password": "not-the-password"},
                  {"username": "nobody-here", "password": PASSWORD}):
        refused = b2safe_login(live, **wrong, authscheme="native")
        assert refused.status_code == 401, refused.text
        assert refused.json()["type"] == "unauthorized" and "token" not in refused.json()
    bad = b2safe_login(live, username="alice", password=PASSWORD, authscheme="native", extra=1)
    assert bad.status_code == 400 and "extra" in bad.json()["error"]


def test_registered_data_pids_and_publication_on_irods(irods_b2stage):
    live, server = irods_b2stage
    alice = live.session(b2safe_login(live, username="alice", password=PASSWORD).json()["token"])
    bob = live.session(b2safe_login(live, username="bob", password=PASSWORD).json()["token"])
    path = f"/{ZONE}/home/alice/registered.txt"
    content = b"irods bytes"

    stored = alice.put(live.url + "/api/registered" + path, data=content, timeout=TIMEOUT)
    assert stored.status_code == 201, stored.text
    pid = stored.json()["PID"]
    metadata = alice.get(live.url + "/api/metadata" + path, timeout=TIMEOUT).json()["metadata"]
    assert {"attribute": "PID", "value": pid, "unit": ""} in metadata

    resolved = alice.get(live.url + "/api/pids/" + pid, timeout=TIMEOUT).json()
    assert resolved["path"] == path and alice.get(resolved["url"], timeout=TIMEOUT).content == content
    assert bob.get(live.url + "/api/pids/" + pid, timeout=TIMEOUT).status_code in (403, 404)

    renamed = alice.patch(live.url + "/api/registered" + path, json={"newname": "kept.txt"}, timeout=TIMEOUT)
    assert renamed.status_code == 200 and renamed.json()["PID"] == pid
    path = f"/{ZONE}/home/alice/kept.txt"
    assert alice.get(live.url + "/api/pids/" + pid, timeout=TIMEOUT).json()["path"] == path
    assert alice.delete(live.url + "/api/registered" + path, timeout=TIMEOUT).status_code == 405

    # Published: iRODS' anonymous account reads it, for visitors without a token.
    anonymous = live.session()
    assert anonymous.get(live.url + "/public" + path, timeout=TIMEOUT).status_code == 404
    assert bob.put(live.url + "/api/publish" + path, timeout=TIMEOUT).status_code in (403, 404)
    published = alice.put(live.url + "/api/publish" + path, timeout=TIMEOUT)
    assert published.status_code == 200 and published.json()["published"] is True, published.text
    page = anonymous.get(live.url + "/public" + path, timeout=TIMEOUT)
    assert page.status_code == 200 and pid in page.text and "kept.txt" in page.text
    download = anonymous.get(live.url + "/public" + path, params={"download": "true"}, timeout=TIMEOUT)
    assert download.status_code == 200 and download.content == content

    assert alice.delete(live.url + "/api/publish" + path, timeout=TIMEOUT).json()["published"] is False
    assert anonymous.get(live.url + "/public" + path, timeout=TIMEOUT).status_code == 404
    assert path in server.catalog.objs  # still stored
