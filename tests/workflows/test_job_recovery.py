"""Jobs whose run is interrupted: cancelled by the user, or whose worker is SIGKILLed.
A real worker on the real RabbitMQ; the job's tool is `sleep <n>` with a distinctive n, so
the test can see whether that process still exists.
"""

from __future__ import annotations

import time

from tests.live import wait_for
from tests.workflows.deployment import jobs_deployment, kill_worker, sleepers, sleeping_workflow

TEXT = b"rested\n"


def _start_sleeping_job(api, seconds: int):
    alice = api.user("alice")
    source = api.unique("alice", "in") + "/in.txt"
    api.upload(alice, source, TEXT)
    workflow = api.register(alice, sleeping_workflow(seconds))
    outputs = api.unique("alice", "out")
    created = api.submit(alice, workflow, {"text": {"href": source}}, outputs)
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    api.wait_for_step(alice, job_id, "nap", "running")
    assert wait_for(lambda: sleepers(seconds), 30), "the step's process never started"
    return alice, job_id, outputs


def test_cancelling_a_running_job_stops_its_process_within_seconds(tmp_path):
    with jobs_deployment(tmp_path / "data") as api:
        alice, job_id, outputs = _start_sleeping_job(api, 311)

        cancelled = alice.delete(api.url(f"/api/jobs/{job_id}"))
        began = time.monotonic()

        assert cancelled.status_code == 200 and cancelled.json()["status"] == "dismissed"
        assert wait_for(lambda: not sleepers(311), 10), "the step's process survived the cancel"
        assert time.monotonic() - began < 10
        job = api.job(alice, job_id)
        assert job["status"] == "dismissed" and job["message"] == "cancelled by alice"
        assert job["steps"][0]["status"] == "dismissed"
        assert alice.get(api.url("/api/data" + outputs)).json()["items"] == []
        # The worker is free again: the next job runs.
        assert api.wait(alice, _start_sleeping_job(api, 1)[1])["status"] == "successful"


def test_a_job_whose_worker_is_killed_runs_again_after_a_restart(tmp_path):
    with jobs_deployment(tmp_path / "data") as api:
        alice, job_id, outputs = _start_sleeping_job(api, 5)

        kill_worker(api.live)
        api.live.engine.start_worker()
        job = api.wait(alice, job_id, timeout=90)

        assert job["status"] == "successful", job
        assert job["attempt"] == 2
        assert api.download(alice, f"{outputs}/out/rested.txt") == TEXT
        assert not sleepers(5), "the killed attempt's tool was left running"


def test_a_job_that_lost_its_worker_too_often_fails_saying_why(tmp_path):
    with jobs_deployment(tmp_path / "data", JOB_MAX_ATTEMPTS=1) as api:
        alice, job_id, outputs = _start_sleeping_job(api, 313)

        kill_worker(api.live)
        api.live.engine.start_worker()
        job = api.wait(alice, job_id, timeout=90)

        assert job["status"] == "failed", job
        assert "worker running this job was lost 1 times" in job["message"]
        assert job["steps"][0]["status"] == "failed"
        assert wait_for(lambda: not sleepers(313), 10), "the lost attempt's tool was left running"


def test_without_any_worker_a_lost_job_goes_back_to_the_queue(tmp_path):
    """Nobody redelivers (the worker stays down): the API's own check, when the job is read
    after JOB_LOST_AFTER, queues it again instead of reporting it running for ever, and
    stops the tool the lost attempt left running."""
    with jobs_deployment(tmp_path / "data") as api:
        alice, job_id, _ = _start_sleeping_job(api, 317)

        kill_worker(api.live)
        job = api.wait(alice, job_id, statuses=("accepted",), timeout=30)

        assert job["status"] == "accepted" and "stopped sending heartbeats" in job["message"]
        assert not sleepers(317), "the lost attempt's tool was left running"
        api.live.engine.start_worker()
        assert api.wait(alice, job_id, statuses=("running",), timeout=60)["attempt"] == 2
        alice.delete(api.url(f"/api/jobs/{job_id}"))
        assert wait_for(lambda: not sleepers(317), 10)
