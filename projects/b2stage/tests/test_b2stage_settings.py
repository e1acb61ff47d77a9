"""The project's settings as an operator sets them: publication switched off, and a PID
service that does not exist."""

from __future__ import annotations

import pytest

from tests.api.deployments import ZONE
from tests.live import running_api

TIMEOUT = 30  # a safeguard against a hang, not a measurement


def test_without_publication_there_is_no_publishing_and_no_landing_page(tmp_path):
    with running_api(tmp_path, PROJECT="b2stage", B2STAGE_PUBLISH="false") as api:
        admin = api.session(api.admin_token())
        path = f"/{ZONE}/home/{api.admin[0]}/open.txt"
        stored = admin.put(api.url + "/api/registered" + path, data=b"data", timeout=TIMEOUT)
        assert stored.status_code == 201 and stored.json()["PID"]  # the rest is there

        for method in ("get", "put", "delete"):
            assert getattr(admin, method)(api.url + "/api/publish" + path,
                                          timeout=TIMEOUT).status_code == 404
        # Published by hand (an ACL for public), it still has no landing page here.
        granted = admin.put(api.url + "/api/permissions" + path, json={"user": "public", "level": "read"},
                            timeout=TIMEOUT)
        assert granted.status_code == 200, granted.text
        assert api.session().get(api.url + "/public" + path, timeout=TIMEOUT).status_code == 404
        assert api.session().get(api.url + "/public" + path, params={"download": "true"},
                                 timeout=TIMEOUT).status_code == 404

        paths = api.session().get(api.url + "/api/specs", timeout=TIMEOUT).json()["paths"]
        assert "/api/publish/{irods_path}" not in paths and "/public/{irods_path}" not in paths
        assert {"/api/registered/{irods_path}", "/api/pids/{pid}", "/auth/b2safeproxy"} <= set(paths)


def test_an_unknown_pid_service_stops_the_start_up(tmp_path):
    with pytest.raises(AssertionError, match="unknown PID_SERVICE 'epic'"):
        with running_api(tmp_path, PROJECT="b2stage", PID_SERVICE="epic"):
            pass  # pragma: no cover - the start-up fails


def test_pid_records_in_postgresql(tmp_path, postgres_url):
    """AUTH_DB_URL on PostgreSQL: the handles table lives there, and follows renames."""
    with running_api(tmp_path, PROJECT="b2stage", AUTH_DB_URL=postgres_url) as api:
        admin = api.session(api.admin_token())
        folder = f"/{ZONE}/home/{api.admin[0]}/folder"
        stored = admin.put(api.url + "/api/registered" + folder + "/a_%.txt", data=b"pg",
                           params={"parents": "true"}, timeout=TIMEOUT)
        assert stored.status_code == 201, stored.text
        pid = stored.json()["PID"]
        again = admin.put(api.url + "/api/registered" + folder + "/a_%.txt", data=b"pg2",
                          params={"force": "true"}, timeout=TIMEOUT)
        assert again.status_code == 200 and again.json()["PID"] == pid
        renamed = admin.patch(api.url + "/api/registered" + folder, json={"newname": "renamed"},
                              timeout=TIMEOUT)
        assert renamed.status_code == 200, renamed.text
        resolved = admin.get(api.url + "/api/pids/" + pid, timeout=TIMEOUT).json()
        assert resolved["path"] == f"/{ZONE}/home/{api.admin[0]}/renamed/a_%.txt"
        assert resolved["checksum"] == again.json()["checksum"]
        assert admin.get(resolved["url"], timeout=TIMEOUT).content == b"pg2"
