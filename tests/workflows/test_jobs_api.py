"""Jobs through HTTP with a real Celery worker on the real RabbitMQ: the example workflows
end as they should, their outputs land in storage with checksums and AVUs, failures keep
the failing step, and bad requests are refused before anything is queued.

The main paths run on both storage backends (the irods one through python-irodsclient
against tests/irods_server); the rest on the embedded default.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from backend.provenance.vocabulary import output_id
from tests.api.deployments import PASSWORD
from tests.workflows.deployment import example, jobs_deployment, sha2

TEXT = b"the quick brown fox\njumps over the lazy dog\n"


@pytest.fixture(scope="module", params=["local", "irods"])
def deployment(request, tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp(f"jobs-{request.param}"), request.param) as client:
        yield client


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("jobs-local")) as client:
        yield client


def run_on_fox(api, session, name: str) -> tuple[dict, str]:
    """Upload TEXT as a fresh fox.txt, run the example workflow `name` on it into a fresh
    outputs collection; the finished job and that collection."""
    source = api.unique("alice", "in") + "/fox.txt"
    api.upload(session, source, TEXT)
    workflow = api.register(session, example(name))
    outputs = api.unique("alice", "out")
    created = api.submit(session, workflow, {"text": {"href": source}}, outputs)
    assert created.status_code == 201, created.text
    return api.wait(session, created.json()["id"]), outputs


def _times(step: dict) -> tuple[datetime, datetime]:
    started, finished = (datetime.fromisoformat(step[key]) for key in ("started", "finished"))
    assert started.tzinfo is not None and finished.tzinfo is not None, step
    return started, finished


def test_a_two_step_workflow_ends_successful_with_its_outputs_in_storage(deployment):
    api, alice = deployment, deployment.user("alice")
    source = api.unique("alice", "in") + "/fox.txt"
    api.upload(alice, source, TEXT)
    workflow = api.register(alice, example("two-step-text"))
    outputs = api.unique("alice", "out")

    created = api.submit(alice, workflow, {"text": {"class": "File", "path": source}}, outputs)
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith(f"/api/jobs/{created.json()['id']}")
    assert created.json()["status"] in ("accepted", "running", "successful")
    job = api.wait(alice, created.json()["id"])

    assert job["status"] == "successful", job
    assert job["progress"] == {"done": 2, "total": 2, "percent": 100}
    assert [step["name"] for step in job["steps"]] == ["upper", "count"]
    assert all(step["status"] == "successful" and step["exit_code"] == 0 for step in job["steps"])
    upper, count = (_times(step) for step in job["steps"])
    created_at, started, finished = (datetime.fromisoformat(job[key])
                                     for key in ("created", "started", "finished"))
    assert created_at <= started <= upper[0] <= upper[1] <= count[0] <= count[1] <= finished

    results = api.live.session(alice.headers["Authorization"].split()[1]).get(
        api.url(f"/api/jobs/{job['id']}/results")).json()
    stored = results["counted"]
    assert stored["path"] == f"{outputs}/counted/count.txt"
    content = api.download(alice, stored["path"])
    assert content.strip() == b"9"  # words in TEXT, upper-cased first
    assert stored["checksum"] == sha2(content) and stored["size"] == len(content)
    avus = {avu["attribute"]: avu["value"] for avu in
            alice.get(api.url("/api/metadata" + stored["path"])).json()["metadata"]}
    assert avus == {"rapydo.job": job["id"], "rapydo.workflow": workflow,
                    "rapydo.step": "count", "rapydo.output": "counted",
                    "rapydo.prov.entity": output_id(job["id"], "counted", 0).uri}
    assert job["inputs"]["text"]["checksum"] == sha2(TEXT)
    # The work directory is gone; cwltool's research object stays, a whole bag (this one is
    # far below CWLPROV_MAX_SIZE): records and the data/ copies its manifest lists.
    kept = api.live.data_dir / "jobs" / job["id"]
    assert sorted(path.name for path in kept.iterdir()) == ["cwltool.log", "provenance"]
    assert (kept / "provenance/metadata/provenance/primary.cwlprov.json").is_file()
    listed = (kept / "provenance/manifest-sha1.txt").read_text().split()[1::2]
    assert listed and all((kept / "provenance" / name).is_file() for name in listed)


def test_a_failing_step_is_named_with_its_exit_code_and_stderr_and_leaves_no_output(deployment):
    api, alice = deployment, deployment.user("alice")

    job, outputs = run_on_fox(api, alice, "fails-on-purpose")

    assert job["status"] == "failed", job
    assert job["failed_step"] == "fail" and job["exit_code"] == 3
    assert "failing on purpose" in job["stderr_tail"]
    assert job["message"] == "step fail failed with exit code 3: failing on purpose"
    steps = {step["name"]: step for step in job["steps"]}
    assert steps["copy"]["status"] == "successful" and steps["fail"]["status"] == "failed"
    assert steps["fail"]["exit_code"] == 3
    assert job["progress"]["done"] == 1 and job["progress"]["total"] == 2

    results = alice.get(api.url(f"/api/jobs/{job['id']}/results"))
    assert results.status_code == 409 and "failed" in results.json()["error"]
    listing = alice.get(api.url("/api/data" + outputs)).json()
    assert listing["items"] == []  # cwltool's empty never.txt was not presented as a result
    log = alice.get(api.url(f"/api/jobs/{job['id']}/logs"), params={"step": "fail"})
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "failing on purpose" in log.text and "exited with status: 3" in log.text


def test_a_scatter_workflow_stores_one_output_per_input(local):
    api, alice = local, local.user("alice")
    folder = api.unique("alice", "in")
    files = {"a.txt": b"1\n2\n3\n", "b.txt": b"x\n"}
    for name, content in files.items():
        api.upload(alice, f"{folder}/{name}", content)
    workflow = api.register(alice, example("scatter-line-count"))
    outputs = api.unique("alice", "out")
    job = api.wait(alice, api.submit(alice, workflow, {"files": [
        {"class": "File", "path": f"{folder}/{name}"} for name in files]}, outputs).json()["id"])

    assert job["status"] == "successful", job
    results = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()
    counted = {item["path"].rsplit("/", 1)[-1]: api.download(alice, item["path"]).split()[0]
               for item in results["counts"]}
    assert counted == {"a.count": b"3", "b.count": b"1"}


def test_inputs_and_outputs_download_as_zip_archives(local):
    api, alice = local, local.user("alice")
    job, _ = run_on_fox(api, alice, "two-step-text")

    inputs = alice.get(api.url(f"/api/jobs/{job['id']}/inputs.zip"))
    assert inputs.status_code == 200 and inputs.headers["Content-Type"] == "application/zip"
    assert int(inputs.headers["Content-Length"]) == len(inputs.content)
    with zipfile.ZipFile(io.BytesIO(inputs.content)) as archive:
        assert archive.namelist() == ["text/fox.txt"] and archive.read("text/fox.txt") == TEXT
    outputs = alice.get(api.url(f"/api/jobs/{job['id']}/outputs.zip"))
    with zipfile.ZipFile(io.BytesIO(outputs.content)) as archive:
        assert archive.namelist() == ["counted/count.txt"]
        assert archive.read("counted/count.txt").strip() == b"9"


def _jobs_of(api, session) -> int:
    return session.get(api.url("/api/jobs")).json()["total"]


@pytest.mark.parametrize("case", ["unknown workflow", "unreadable input", "missing input",
                                  "unknown input", "wrong kind", "missing file", "busy outputs",
                                  "foreign outputs", "outside the zone", "literal for a file"])
def test_bad_requests_get_a_clear_4xx_and_queue_nothing(local, case):
    api, alice, bob = local, local.user("alice"), local.user("bob")
    mine = api.unique("alice", "in") + "/fox.txt"
    api.upload(alice, mine, TEXT)
    bobs = api.unique("bob", "private") + "/secret.txt"
    api.upload(bob, bobs, b"not for alice\n")
    workflow = api.register(alice, example("two-step-text"))
    busy = api.unique("alice", "busy")
    api.upload(alice, f"{busy}/something.txt", b"already here")
    outputs = api.unique("alice", "out")
    good = {"text": {"class": "File", "path": mine}}
    requests_by_case = {
        "unknown workflow": ("no-such-workflow/1.0", good, outputs, 404, "no workflow"),
        "unreadable input": (workflow, {"text": {"class": "File", "path": bobs}}, outputs, 403, ""),
        "missing input": (workflow, {}, outputs, 422, "missing input text"),
        "unknown input": (workflow, {**good, "colour": "red"}, outputs, 422, "unknown input colour"),
        "wrong kind": (workflow, {"text": {"class": "File", "path": api.home("alice")}}, outputs,
                       422, "is a collection"),
        "missing file": (workflow, {"text": {"href": mine + ".gone"}}, outputs, 404,
                         "no such file"),
        "busy outputs": (workflow, good, busy, 409, "not empty"),
        "foreign outputs": (workflow, good, api.unique("bob", "out"), 403, ""),
        "outside the zone": (workflow, good, "/otherZone/home/alice/out", 403, "outside the zone"),
        "literal for a file": (workflow, {"text": "fox.txt"}, outputs, 422, "expected a File"),
    }
    name, inputs, target, status, words = requests_by_case[case]
    before = _jobs_of(api, alice)

    response = api.submit(alice, name, inputs, target)

    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status and words in body["error"], body
    assert _jobs_of(api, alice) == before
    if case != "busy outputs" and target.startswith(api.home("alice")):
        assert alice.get(api.url("/api/data" + target)).status_code == 404  # not even created


def test_jobs_are_private_to_their_owner_and_admins_and_listing_filters(local):
    api, alice, bob = local, local.user("alice"), local.user("bob")
    ok, _ = run_on_fox(api, alice, "two-step-text")
    failed, _ = run_on_fox(api, alice, "fails-on-purpose")
    bad = f"{failed['workflow']['name']}/{failed['workflow']['version']}"

    assert bob.get(api.url(f"/api/jobs/{ok['id']}")).status_code == 404
    assert bob.delete(api.url(f"/api/jobs/{ok['id']}")).status_code == 404
    assert bob.get(api.url("/api/jobs"), params={"user": "alice"}).status_code == 403
    assert api.admin.get(api.url(f"/api/jobs/{ok['id']}")).json()["owner"] == "alice"
    assert ok["id"] not in [job["id"] for job in bob.get(api.url("/api/jobs")).json()["jobs"]]

    by_status = alice.get(api.url("/api/jobs"), params={"status": "failed",
                                                        "workflow": bad}).json()
    assert [job["id"] for job in by_status["jobs"]] == [failed["id"]]
    page = alice.get(api.url("/api/jobs"), params={"limit": 1}).json()
    assert len(page["jobs"]) == 1 and page["total"] >= 2
    assert alice.get(api.url("/api/jobs"), params={"status": "sleeping"}).status_code == 400
    everyone = api.admin.get(api.url("/api/jobs"), params={"user": "alice", "limit": 1000}).json()
    assert {ok["id"], failed["id"]} <= {job["id"] for job in everyone["jobs"]}


def test_dismissing_a_finished_job_keeps_its_outputs_in_storage(local):
    api, alice = local, local.user("alice")
    job, outputs = run_on_fox(api, alice, "two-step-text")

    dismissed = alice.delete(api.url(f"/api/jobs/{job['id']}"))

    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert dismissed.json()["finished"] == job["finished"]
    assert alice.get(api.url(f"/api/jobs/{job['id']}/results")).status_code == 404
    assert api.download(alice, f"{outputs}/counted/count.txt").strip() == b"9"


def test_jobs_run_on_the_embedded_transport_of_the_default_deployment(tmp_path):
    """`rapydo start` with nothing configured: the worker takes jobs from files in DATA_DIR."""
    with jobs_deployment(tmp_path / "data", broker="embedded") as api:
        alice = api.user("alice")
        job, outputs = run_on_fox(api, alice, "two-step-text")

        assert job["status"] == "successful", job
        assert api.download(alice, f"{outputs}/counted/count.txt").strip() == b"9"
        assert "filesystem" in api.live.engine.worker_log_file.read_text()


def test_in_irods_user_mode_the_worker_acts_with_the_users_own_credentials(tmp_path):
    """The token's sealed iRODS credentials travel (sealed again) with the job to the worker."""
    with jobs_deployment(tmp_path / "data", "irods", IRODS_SESSION_MODE="user") as api:
        login = api.live.session().post(api.url("/auth/irods"), json={
            "username": "alice", "password": PASSWORD, "scheme": "native"})
        assert login.status_code == 200, login.text
        alice = api.live.session(login.json()["token"])
        job, outputs = run_on_fox(api, alice, "two-step-text")

        assert job["status"] == "successful", job
        stored = alice.get(api.url("/api/data" + outputs + "/counted/count.txt"),
                           params={"stat": "true"}).json()
        assert stored["owner"] == "alice"
        assert PASSWORD not in api.live.engine.worker_log_file.read_text()


def test_registering_workflows_leaves_every_worker_able_to_queue_jobs(local):
    """Validation runs in a forked child: it must not close its uWSGI worker's broker connection
    (a multiprocessing child did, through kombu's after-fork hook: the next submissions got 503)."""
    alice = local.user("alice")
    source = local.unique("alice", "in") + "/text.txt"
    local.upload(alice, source, b"queued after registrations\n")
    workflows = [local.register(alice, example("two-step-text")) for _ in range(6)]
    answers = [local.submit(alice, workflow, {"text": {"href": source}}, local.unique("alice", "out"))
               for workflow in workflows + workflows[:2]]
    assert [answer.status_code for answer in answers] == [201] * 8, [a.text for a in answers]
    for answer in answers:
        assert local.wait(alice, answer.json()["id"])["status"] == "successful"
