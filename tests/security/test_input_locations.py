"""Inputs come from storage only: a job's File or Directory given as file://, a URL or a host
path, in the request or in the workflow's registered default inputs, is refused at
submission (400 naming the input, nothing queued). A workflow document naming one (e.g. as
an input's default) is refused when registered (documents.py) and, registered before that
rule, when submitted. A job whose record names one anyway (queued before an upgrade, changed
behind the API's back) fails at staging, saying why.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.workflows.deployment import example, jobs_deployment, kill_worker

TEXT = b"the quick brown fox\n"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("locations")) as client:
        yield client


def _jobs_of(api, session) -> int:
    return session.get(api.url("/api/jobs")).json()["total"]


def _refused(api, session, workflow: str, inputs: dict, words: str) -> None:
    before = _jobs_of(api, session)
    response = api.submit(session, workflow, inputs, api.unique("alice", "out"))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 400 and words in body["error"], body
    assert "storage only" in body["error"], body
    assert _jobs_of(api, session) == before


@pytest.mark.parametrize("value", [
    {"class": "File", "location": "file:///etc/passwd"},
    {"class": "File", "path": "file:///etc/passwd"},
    {"href": "http://example.org/fox.txt"},
    {"class": "File", "location": "https://example.org/fox.txt"},
    {"class": "File", "path": "/etc/passwd"},
    {"class": "File", "path": "../../auth.sqlite"},
], ids=["file-location", "file-path", "http-href", "https-location", "host-path", "relative"])
def test_a_job_input_outside_storage_gets_400_naming_it(api, value):
    alice = api.user("alice")
    workflow = api.register(alice, example("two-step-text"))

    _refused(api, alice, workflow, {"text": value}, f"input text: {value.get('href') or value.get('path') or value['location']}")


def test_a_url_hidden_in_a_storage_file_is_refused_too(api):
    alice = api.user("alice")
    mine = api.unique("alice", "in") + "/fox.txt"
    api.upload(alice, mine, TEXT)
    workflow = api.register(alice, example("two-step-text"))

    _refused(api, alice, workflow, {"text": {"class": "File", "path": mine, "secondaryFiles": [
        {"class": "File", "location": "file:///etc/shadow"}]}}, "input text: file:///etc/shadow")


def test_registered_default_inputs_outside_storage_get_400_naming_the_input(api):
    alice = api.user("alice")
    name = "defaults-from-the-web"
    registered = alice.post(api.url("/api/workflows"), json={
        "name": name, "version": "1.0", "cwl": example("two-step-text"),
        "inputs": {"text": {"href": "https://example.org/fox.txt"}}})
    assert registered.status_code == 201, registered.text

    _refused(api, alice, f"{name}/1.0", {}, "input text: https://example.org/fox.txt")


WITH_DEFAULT = """cwlVersion: v1.2
class: CommandLineTool
baseCommand: [wc, -c]
stdin: $(inputs.text.path)
stdout: count.txt
inputs:
  text:
    type: File
    default: {class: File, location: %s}
outputs: {count: stdout}
"""

STEP_DEFAULT = """cwlVersion: v1.2
class: Workflow
inputs: {}
outputs:
  count: {type: File, outputSource: count/out}
steps:
  count:
    in:
      src: {default: {class: File, location: %s}}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: [wc, -c]
      stdin: $(inputs.src.path)
      stdout: count.txt
      inputs: {src: File}
      outputs: {out: stdout}
"""


@pytest.mark.parametrize("document,location", [
    (WITH_DEFAULT, "file:///etc/passwd"),
    (WITH_DEFAULT, "http://example.org/fox.txt"),
    (STEP_DEFAULT, "file:///etc/passwd"),
], ids=["input-file", "input-http", "step-file"])
def test_a_workflow_whose_document_defaults_to_a_host_file_or_url_never_runs(api, document, location):
    alice = api.user("alice")
    name = "defaults-to-the-host"

    registered = alice.post(api.url("/api/workflows"), json={"name": name, "version": "1.0",
                                                             "cwl": document % location})

    assert registered.status_code == 422, registered.text
    assert "'location' of a File is not allowed" in registered.json()["error"]
    assert alice.get(api.url(f"/api/workflows/{name}/1.0")).status_code == 404


def test_a_workflow_registered_before_the_rule_cannot_be_submitted(api):
    """Its document changed in the registry's table (as a row from an older version may be)."""
    alice = api.user("alice")
    workflow = api.register(alice, example("two-step-text"))
    name, version = workflow.split("/")
    with sqlite3.connect(api.live.data_dir / "auth.sqlite", timeout=30) as db:
        db.execute("UPDATE workflows SET cwl = ? WHERE name = ? AND version = ?",
                   (WITH_DEFAULT % "file:///etc/passwd", name, version))
    before = _jobs_of(api, alice)

    response = api.submit(alice, workflow, {}, api.unique("alice", "out"))

    assert response.status_code == 422, response.text
    assert "'location' of a File is not allowed" in response.json()["error"]
    assert _jobs_of(api, alice) == before


def test_a_job_record_naming_a_host_file_fails_at_staging_saying_why(tmp_path):
    """The worker holds every job to the rule, whatever the API let through."""
    with jobs_deployment(tmp_path / "data") as api:
        alice = api.user("alice")
        mine = api.unique("alice", "in") + "/fox.txt"
        api.upload(alice, mine, TEXT)
        workflow = api.register(alice, example("two-step-text"))
        kill_worker(api.live)  # the jobs wait in the queue while their records change
        jobs = []
        for _ in range(2):
            created = api.submit(alice, workflow, {"text": {"href": mine}}, api.unique("alice", "out"))
            assert created.status_code == 201, created.text
            jobs.append(created.json()["id"])
        with sqlite3.connect(api.live.data_dir / "auth.sqlite", timeout=30) as db:
            db.execute("UPDATE jobs SET inputs = ? WHERE id = ?",
                       (json.dumps({"text": {"class": "File", "location": "file:///etc/passwd"}}), jobs[0]))
            db.execute("UPDATE jobs SET workflow_cwl = ? WHERE id = ?",
                       (WITH_DEFAULT % "file:///etc/passwd", jobs[1]))

        api.live.engine.start_worker()
        by_input, by_document = (api.wait(alice, job_id) for job_id in jobs)

        assert by_input["status"] == "failed", by_input
        assert "input text: file:///etc/passwd is a URL" in by_input["message"]
        assert by_document["status"] == "failed", by_document
        assert "'location' of a File is not allowed" in by_document["message"]
