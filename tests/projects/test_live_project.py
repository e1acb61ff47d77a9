"""A project chain served by the real API under uWSGI, with its tasks on a real worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery import Celery

from backend.settings import Settings
from backend.tasks import celery_config
from tests import live
from tests.live import running_api

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixture_projects(monkeypatch):
    """The controller finds projects in the repository's projects/ only (controller/config.py):
    hand the backend what the controller would for a fixture project, PROJECT and PROJECTS_DIR."""
    framework_environment = live.live_environment

    def environment(data_dir, port, PROJECT, **env):
        return {**framework_environment(data_dir, port, **env), "PROJECT": PROJECT,
                "PROJECTS_DIR": str(FIXTURES)}

    monkeypatch.setattr(live, "live_environment", environment)


def test_an_extending_project_over_http_and_on_the_worker(tmp_path, fixture_projects):
    with running_api(tmp_path, PROJECT="beta", PIDS="true", worker=True) as api:
        session = api.session(api.admin_token())
        assert session.get(api.url + "/api/beta/hello", timeout=30).json() == {"project": "beta",
                                                                               "library": "alpha"}
        assert session.get(api.url + "/api/alpha/samples", timeout=30).json() == {"project": "alpha",
                                                                                 "user": api.admin[0],
                                                                                 "samples": []}
        assert session.get(api.url + "/api/pids/21.T1-x", timeout=30).json() == {"pid": "21.T1-x"}
        paths = session.get(api.url + "/api/specs", timeout=30).json()["paths"]
        assert {"/api/beta/hello", "/api/alpha/samples", "/api/pids/{pid}", "/api/status"} <= set(paths)

        # A client on the same (embedded) broker as the API and the worker.
        client = Celery(config_source=celery_config(Settings(data_dir=tmp_path)))
        result = client.send_task("alpha.crunch", kwargs={"text": "hi"})
        assert result.get(timeout=60) == {"project": "alpha", "echo": "hi"}
