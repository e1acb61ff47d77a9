"""Issue 14, point 4: a workflow name belongs to its owner.

The attack: bob publishes a newer version under alice's workflow name; alice's next job,
naming no version, runs bob's document on alice's private input. Reproduced over HTTP by
ordinary users against a live deployment (uWSGI, a Celery worker, RabbitMQ): bob's
version is refused, alice's job runs alice's latest, a private workflow does not exist for
bob, and a public one runs for him and says so in listings. Names registered before names
had owners (rows of an older release) get theirs when the API starts.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from backend.auth.db import Database
from backend.workflows.models import Workflow
from backend.workflows.validation import validate
from tests.live import running_api
from tests.workflows.deployment import JobsClient, example, jobs_deployment

TEXT = b"the quick brown fox\njumps over the lazy dog\n"
# What bob would have liked alice's job to run: her input, copied where he can read it.
SQUATTER = """cwlVersion: v1.2
class: CommandLineTool
baseCommand: [cp]
arguments: [$(inputs.text.path), /tmp/stolen.txt]
inputs: {text: File}
outputs: {}
"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("security-names")) as client:
        yield client


def unique_name() -> str:
    return f"wordcount-{uuid.uuid4().hex[:8]}"


def register(api, session, name: str, version: str, cwl: str, **extra):
    return session.post(api.url("/api/workflows"),
                        json={"name": name, "version": version, "cwl": cwl, **extra})


def fox(api, session, user: str) -> dict:
    source = api.unique(user, "in") + "/fox.txt"
    api.upload(session, source, TEXT)
    return {"text": {"class": "File", "path": source}}


def listed(api, session, name: str) -> list[dict]:
    response = session.get(api.url("/api/workflows"), params={"name": name})
    assert response.status_code == 200, response.text
    return response.json()["workflows"]


def test_nobody_else_adds_a_version_to_a_name(deployment):
    api, alice, bob = deployment, deployment.user("alice"), deployment.user("bob")
    name = unique_name()
    assert register(api, alice, name, "1.0", example("two-step-text")).status_code == 201

    squatted = register(api, bob, name, "2.0", SQUATTER)

    assert squatted.status_code == 403, squatted.text
    assert squatted.json()["type"] == "permission_denied" and "alice" not in squatted.json()["error"]
    assert [each["version"] for each in listed(api, alice, name)] == ["1.0"]
    assert api.admin.get(api.url(f"/api/workflows/{name}/2.0")).status_code == 404
    # Public or not, the name stays alice's; administrators do not publish under it either.
    assert alice.put(api.url(f"/api/workflows/{name}"), json={"public": True}).status_code == 200
    assert register(api, bob, name, "2.0", SQUATTER).status_code == 403
    assert register(api, api.admin, name, "2.0", SQUATTER).status_code == 403
    assert register(api, alice, name, "1.1", example("two-step-text")).status_code == 201


def test_a_job_naming_no_version_runs_the_owners_latest_version(deployment):
    api, alice, bob = deployment, deployment.user("alice"), deployment.user("bob")
    name = unique_name()
    assert register(api, alice, name, "1.0", example("fails-on-purpose")).status_code == 201
    assert register(api, alice, name, "1.1", example("two-step-text")).status_code == 201
    assert register(api, bob, name, "2.0", SQUATTER).status_code == 403
    outputs = api.unique("alice", "out")

    created = api.submit(alice, name, fox(api, alice, "alice"), outputs)

    assert created.status_code == 201, created.text
    assert created.json()["workflow"]["version"] == "1.1"
    finished = api.wait(alice, created.json()["id"])
    assert finished["status"] == "successful", finished
    assert api.download(alice, f"{outputs}/counted/count.txt").strip() == b"9"


def test_a_private_workflow_does_not_exist_for_other_users(deployment):
    api, alice, bob = deployment, deployment.user("alice"), deployment.user("bob")
    name = unique_name()
    created = register(api, alice, name, "1.0", example("two-step-text"))
    assert created.status_code == 201 and created.json()["public"] is False
    url = created.json()["url"]
    jobs_before = bob.get(api.url("/api/jobs")).json()["total"]

    assert listed(api, bob, name) == []
    assert name not in {each["name"] for each in
                        bob.get(api.url("/api/workflows"), params={"limit": 1000}).json()["workflows"]}
    for response in (bob.get(url), bob.put(url, json={"inputs": {}}), bob.delete(url),
                     bob.get(api.url(f"/api/workflows/{name}")),
                     bob.put(api.url(f"/api/workflows/{name}"), json={"public": True}),
                     api.submit(bob, name, fox(api, bob, "bob"), api.unique("bob", "out")),
                     api.submit(bob, f"{name}/1.0", fox(api, bob, "bob"), api.unique("bob", "out"))):
        assert response.status_code == 404, response.text
        assert response.json()["type"] == "not_found" and "alice" not in response.text
    assert bob.get(api.url("/api/jobs")).json()["total"] == jobs_before  # nothing queued
    # Its owner and administrators still see it.
    assert [each["version"] for each in listed(api, alice, name)] == ["1.0"]
    assert [each["version"] for each in listed(api, api.admin, name)] == ["1.0"]


def test_a_public_workflow_is_listed_as_public_and_runs_for_other_users(deployment):
    api, alice, bob = deployment, deployment.user("alice"), deployment.user("bob")
    name = unique_name()
    assert register(api, alice, name, "1.0", example("two-step-text")).status_code == 201
    assert bob.put(api.url(f"/api/workflows/{name}"), json={"public": True}).status_code == 404

    shared = alice.put(api.url(f"/api/workflows/{name}"), json={"public": True})

    assert shared.status_code == 200, shared.text
    assert shared.json()["public"] is True and shared.json()["owner"] == "alice"
    [entry] = listed(api, bob, name)
    assert entry["public"] is True and entry["owner"] == "alice" and entry["version"] == "1.0"
    assert bob.get(api.url(f"/api/workflows/{name}")).json()["public"] is True
    outputs = api.unique("bob", "out")
    created = api.submit(bob, name, fox(api, bob, "bob"), outputs)
    assert created.status_code == 201, created.text
    assert api.wait(bob, created.json()["id"])["status"] == "successful"
    assert api.download(bob, f"{outputs}/counted/count.txt").strip() == b"9"
    # Shared is not owned: bob may neither change it nor take the sharing back.
    assert bob.put(entry["url"], json={"cwl": SQUATTER}).status_code == 403
    assert bob.put(api.url(f"/api/workflows/{name}"), json={"public": False}).status_code == 403
    assert alice.put(api.url(f"/api/workflows/{name}"), json={"public": False}).status_code == 200
    assert listed(api, bob, name) == []


def _legacy_rows(data_dir, rows) -> None:
    """Rows as an older release left them: versions without an owned name."""
    db = Database(f"sqlite:///{data_dir / 'auth.sqlite'}")
    start = datetime.now(timezone.utc) - timedelta(days=1)
    with db.transaction(write=True) as session:
        for minutes, (name, version, owner, cwl) in enumerate(rows):
            try:
                summary = {k: v for k, v in validate(cwl).items() if k != "checksum"}
            except Exception:  # accepted then: nothing was refused before issue 14
                summary = {}
            session.add(Workflow(name=name, version=version, owner=owner, cwl=cwl,
                                 summary=json.dumps(summary), checksum="sha256:legacy",
                                 storage_path=f"/tempZone/home/{owner}/workflows/{name}/{version}",
                                 created=start + timedelta(minutes=minutes),
                                 updated=start + timedelta(minutes=minutes)))
    db.dispose()


def test_names_registered_by_an_older_release_go_to_their_first_owner(tmp_path):
    data_dir, name = tmp_path / "data", unique_name()
    with running_api(data_dir) as live:
        api = JobsClient(live)
        alice, bob = api.user("alice"), api.user("bob")
    leaking = """cwlVersion: v1.2
class: Workflow
inputs: {}
outputs: {}
steps: {leak: {run: /etc/passwd, in: {}, out: []}}
"""
    _legacy_rows(data_dir, [(name, "0.9", "alice", leaking),
                            (name, "1.0", "alice", example("two-step-text")),
                            (name, "2.0", "bob", SQUATTER)])

    with running_api(data_dir) as live:  # the upgrade: the API starts on the old rows
        api = JobsClient(live)
        alice, bob = api.user("alice"), api.user("bob")
        created = api.submit(alice, name, fox(api, alice, "alice"), api.unique("alice", "out"))
        assert created.status_code == 201, created.text
        assert created.json()["workflow"]["version"] == "1.0"  # alice's latest, not bob's 2.0
        assert [each["version"] for each in listed(api, alice, name)] == ["0.9", "1.0", "2.0"]
        assert [each["version"] for each in listed(api, bob, name)] == ["2.0"]  # only his own
        assert api.submit(bob, name, fox(api, bob, "bob"), api.unique("bob", "out")).status_code == 404
        assert register(api, bob, name, "3.0", SQUATTER).status_code == 403
        # A document accepted before documents had to be self-contained does not run.
        refused = api.submit(alice, f"{name}/0.9", fox(api, alice, "alice"), api.unique("alice", "out"))
        assert refused.status_code == 422 and "self-contained" in refused.json()["error"]
        assert "root:" not in refused.text
