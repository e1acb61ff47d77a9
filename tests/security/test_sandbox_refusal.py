"""Without a usable sandbox no job runs: each fails saying why, /api/status and the worker's
log say so, and so does `rapydo check`. Unless the operator says JOB_SANDBOX=none: then jobs
run unsandboxed, and every worker start warns about it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.controller.test_validation import deployment, run  # noqa: F401  (deployment is a fixture)
from tests.live import free_port
from tests.workflows.deployment import example, jobs_deployment, kill_worker

TEXT = b"the quick brown fox\n"
# Where the worker finds Python, uWSGI and Celery, and no bubblewrap.
WITHOUT_BWRAP = str(Path(sys.executable).parent)


def _run_example(api) -> dict:
    alice = api.user("alice")
    source = api.unique("alice", "in") + "/fox.txt"
    api.upload(alice, source, TEXT)
    created = api.submit(alice, api.register(alice, example("two-step-text")), {"text": {"href": source}},
                         api.unique("alice", "out"))
    assert created.status_code == 201, created.text
    return api.wait(alice, created.json()["id"])


def test_without_bubblewrap_jobs_fail_saying_why_and_the_status_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", WITHOUT_BWRAP)
    with jobs_deployment(tmp_path / "data") as api:
        job = _run_example(api)
        status = api.live.session().get(api.url("/api/status"))
        worker_log = api.live.engine.worker_log_file.read_text(errors="replace")

    assert job["status"] == "failed", job
    assert "no usable sandbox: bubblewrap (bwrap) is not installed" in job["message"]
    assert "JOB_SANDBOX=none" in job["message"]  # what the operator may choose instead
    assert job["steps"][0]["status"] != "successful"
    assert status.status_code == 503
    assert status.json()["services"]["sandbox"]["status"] == "down"
    assert "bwrap" in status.json()["services"]["sandbox"]["error"]
    assert "jobs will be refused: no usable sandbox" in worker_log


def test_with_job_sandbox_none_jobs_run_and_every_worker_start_warns(tmp_path):
    with jobs_deployment(tmp_path / "data", JOB_SANDBOX="none") as api:
        job = _run_example(api)
        kill_worker(api.live)
        api.live.engine.start_worker()
        worker_log = api.live.engine.worker_log_file.read_text(errors="replace")
        status = api.live.session().get(api.url("/api/status"))

    assert job["status"] == "successful", job
    assert worker_log.count("JOB_SANDBOX=none: jobs run unsandboxed") == 2
    assert status.status_code == 200
    assert status.json()["services"]["sandbox"]["mode"] == "none"


def test_rapydo_check_says_whether_jobs_can_be_sandboxed(deployment, monkeypatch):  # noqa: F811
    arguments = ["--data-dir", str(deployment / "data"), "--env", f"API_PORT={free_port()}"]
    monkeypatch.setenv("PATH", WITHOUT_BWRAP)

    missing = run(deployment, *arguments, "check")
    unsandboxed = run(deployment, *arguments, "--env", "JOB_SANDBOX=none", "check")

    assert missing.exit_code == 1, missing.output
    assert "✗ bubblewrap for JOB_SANDBOX=bwrap: bwrap not found" in missing.output
    assert unsandboxed.exit_code == 0, unsandboxed.output
    assert "✓ JOB_SANDBOX=none: jobs run unsandboxed" in unsandboxed.output
