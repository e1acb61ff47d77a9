"""Jobs run sandboxed (JOB_SANDBOX=bwrap, the default): a hostile workflow, submitted over
HTTP by an ordinary user and run by a real worker, reaches nothing outside its own job:
not DATA_DIR (users database, catalog, secrets, logs, the vault, other jobs), not the
checkout or any home, not the secret the deployment runs with, not the network; what it
writes outside its work directory never reaches the host. An honest workflow still runs.

The hostile script (hostile.sh) prints one DENIED / LEAKED line per attempt.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.live import ROOT
from tests.workflows.deployment import example, jobs_deployment

SECRET = f"jwt-{uuid.uuid4().hex}-never-in-a-job"
HOSTILE_SCRIPT = (Path(__file__).parent / "hostile.sh").read_bytes()
TEXT = b"the quick brown fox\njumps over the lazy dog\n"
ATTEMPTS = ("users-db", "catalog", "worker-log", "vault", "data-dir-listing", "other-jobs-listing",
            "other-job-dir", "other-job-log", "checkout", "settings-defaults", "root-home", "homes",
            "etc-passwd", "worker-environment", "secret-variable", "api-connection",
            "broker-connection", "processes", "big-file")
WRITES = ("tmp-escape", "data-dir-escape", "jobs-escape", "checkout-escape")
# What a sandboxed job's processes may find in their environment, and nothing else.
ALLOWED_VARIABLES = {"PATH", "HOME", "TMPDIR", "LANG", "USER", "LOGNAME", "RAPYDO_JOB",
                     "LD_LIBRARY_PATH", "PWD", "SHLVL", "_", "OLDPWD"}


def hostile_tool(network: bool = False) -> str:
    requirement = "requirements: {NetworkAccess: {networkAccess: true}}\n" if network else ""
    return f"""cwlVersion: v1.2
class: CommandLineTool
{requirement}baseCommand: [bash]
inputs:
  script: {{type: File, inputBinding: {{position: 1}}}}
  data_dir: {{type: string, inputBinding: {{position: 2}}}}
  checkout: {{type: string, inputBinding: {{position: 3}}}}
  other_job: {{type: string, inputBinding: {{position: 4}}}}
  api_port: {{type: int, inputBinding: {{position: 5}}}}
  unique: {{type: string, inputBinding: {{position: 6}}}}
  worker_pid: {{type: int, inputBinding: {{position: 7}}}}
stdout: report.txt
outputs:
  report: stdout
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("sandboxed"), JWT_SECRET=SECRET, JOB_MAX_PROCESSES="200",
                         JOB_MAX_FILE_SIZE=str(1024 * 1024)) as client:
        yield client


def honest_job(api, session) -> tuple[dict, str]:
    source = api.unique("alice", "in") + "/fox.txt"
    api.upload(session, source, TEXT)
    outputs = api.unique("alice", "out")
    created = api.submit(session, api.register(session, example("two-step-text")),
                         {"text": {"href": source}}, outputs)
    assert created.status_code == 201, created.text
    return api.wait(session, created.json()["id"]), outputs


def run_hostile(api, session, other_job: str, unique: str, network: bool = False):
    script = api.unique("alice", "script") + "/hostile.sh"
    api.upload(session, script, HOSTILE_SCRIPT)
    outputs = api.unique("alice", "out")
    created = api.submit(session, api.register(session, hostile_tool(network)), {
        "script": {"href": script}, "data_dir": str(api.live.data_dir), "checkout": str(ROOT),
        "other_job": other_job, "api_port": urlparse(api.live.url).port, "unique": unique,
        "worker_pid": api.live.engine.worker_status().pids[0]}, outputs)
    assert created.status_code == 201, created.text
    return created, api.wait(session, created.json()["id"]), outputs


def report_lines(text: str) -> dict[str, str]:
    """attempt -> DENIED | LEAKED | WROTE (the report's own lines, by the attempt's name)."""
    found = {}
    for line in text.splitlines():
        verdict, _, rest = line.partition(" ")
        if verdict in ("DENIED", "LEAKED", "WROTE"):
            found[rest.split(":", 1)[0]] = verdict
    return found


def test_an_honest_workflow_runs_sandboxed_and_succeeds(api):
    alice = api.user("alice")
    job, outputs = honest_job(api, alice)

    assert job["status"] == "successful", job
    assert api.download(alice, f"{outputs}/counted/count.txt").strip() == b"9"
    status = api.live.session().get(api.url("/api/status")).json()
    assert status["services"]["sandbox"] == {"status": "ok", "mode": "bwrap", "network": False}


def test_a_hostile_workflow_reaches_nothing_outside_its_job(api):
    alice, bob = api.user("alice"), api.user("bob")
    bobs_words = f"bob-private-{uuid.uuid4().hex}"
    api.upload(bob, api.unique("bob", "private") + "/diary.txt", bobs_words.encode())
    other, _ = honest_job(api, alice)
    unique = uuid.uuid4().hex
    escapes = [Path(f"/tmp/escape-{unique}"), api.live.data_dir / f"escape-{unique}",
               api.live.data_dir / "jobs" / f"escape-{unique}", ROOT / f"escape-{unique}"]

    # What it tries to read is there, for the worker to read.
    assert all(path.exists() for path in (api.live.data_dir / "auth.sqlite", api.live.data_dir / "catalog.sqlite",
                                          api.live.data_dir / "jobs" / other["id"] / "cwltool.log",
                                          ROOT / "confs" / "defaults.yml"))
    assert SECRET in Path(f"/proc/{api.live.engine.worker_status().pids[0]}/environ").read_text(errors="replace")

    created, job, outputs = run_hostile(api, alice, other["id"], unique)

    assert job["status"] == "successful", job
    report = api.download(alice, f"{outputs}/report/report.txt").decode()
    verdicts = report_lines(report)
    assert "LEAKED" not in report, report
    assert {attempt: verdicts.get(attempt) for attempt in ATTEMPTS} == dict.fromkeys(ATTEMPTS, "DENIED")
    assert set(WRITES) <= set(verdicts) and report.rstrip().endswith("DONE"), report
    assert not [path for path in escapes if path.exists()], "a write escaped the job"
    uid = next(line.split()[1] for line in report.splitlines() if line.startswith("UID "))
    assert uid != "0", "the job ran as root"
    forked = int(next(line.split()[1] for line in report.splitlines() if line.startswith("FORKED ")))
    assert 0 < forked < 200, "the process limit did not hold, or the job could not start any process"
    seen = {line[4:].split("=", 1)[0] for line in report.splitlines() if line.startswith("ENV ")}
    assert "RAPYDO_JOB" in seen and seen <= ALLOWED_VARIABLES, seen
    assert bobs_words not in report
    # The secret is in no answer about the job: its record, logs, results, outputs, provenance.
    answers = [created.text, json.dumps(job), report]
    for path in ("", "/logs", "/logs?format=text", "/results", "/outputs.zip", "/prov"):
        answer = alice.get(api.url(f"/api/jobs/{job['id']}{path}"))
        assert answer.status_code == 200, (path, answer.text)
        answers.append(answer.content.decode("utf-8", errors="replace"))
    assert not [answer for answer in answers if SECRET in answer]


def test_a_workflow_requiring_network_fails_saying_the_deployment_gives_none(api):
    alice = api.user("alice")
    _, job, _ = run_hostile(api, alice, "none", uuid.uuid4().hex, network=True)

    assert job["status"] == "failed", job
    assert "requires network access (NetworkAccess)" in job["message"]
    assert "JOB_NETWORK=false" in job["message"]


def test_with_job_network_on_only_workflows_asking_for_it_get_the_network(tmp_path):
    with jobs_deployment(tmp_path / "data", JOB_NETWORK="true") as api:
        alice = api.user("alice")
        _, asking, asking_out = run_hostile(api, alice, "none", uuid.uuid4().hex, network=True)
        _, plain, plain_out = run_hostile(api, alice, "none", uuid.uuid4().hex)

        assert asking["status"] == plain["status"] == "successful", (asking, plain)
        with_network = report_lines(api.download(alice, f"{asking_out}/report/report.txt").decode())
        without = report_lines(api.download(alice, f"{plain_out}/report/report.txt").decode())
        assert with_network["api-connection"] == "LEAKED"  # it asked, the operator allows it
        assert without["api-connection"] == "DENIED"
        # Network or not, the files stay out of reach.
        assert with_network["users-db"] == with_network["root-home"] == "DENIED"


def test_an_output_linking_out_of_its_job_fails_the_job_and_stores_nothing(api):
    """The worker stages outputs with more rights than the job: a link the job leaves in an
    output directory (to a path it made in its own /tmp, which on the host holds another
    file) must not be followed."""
    alice = api.user("alice")
    target = Path(f"/tmp/link-target-{uuid.uuid4().hex}")
    target.write_text(f"host-only-{SECRET}\n")
    linking = f"""cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c, 'echo mine > {target}; mkdir found; ln -s {target} found/copy.txt']
inputs: {{}}
outputs:
  found: {{type: Directory, outputBinding: {{glob: found}}}}
"""
    outputs = api.unique("alice", "out")
    try:
        created = api.submit(alice, api.register(alice, linking), {}, outputs)
        assert created.status_code == 201, created.text
        job = api.wait(alice, created.json()["id"])
    finally:
        target.unlink()

    assert job["status"] == "failed", job
    assert "output found: copy.txt is not a file of the job's own" in job["message"]
    assert stored_files(api, alice, outputs) == []


def stored_files(api, session, collection: str) -> list[str]:
    """Every data object below `collection` (the collections a failed job made may stay)."""
    found = []
    for item in session.get(api.url("/api/data" + collection)).json()["items"]:
        found += stored_files(api, session, item["path"]) if item["type"] == "collection" else [item["path"]]
    return found
