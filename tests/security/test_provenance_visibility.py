"""Lineage tells an ordinary user only what they may read now: another user's private paths,
sizes and checksums never appear, other users' run ids are not confirmed (404), and what is
hidden is counted, not described (attack: lineage answered other users' private data)."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest

from backend.provenance import vocabulary as v
from tests.workflows.deployment import example, jobs_deployment

HIDDEN = "Provenance-Hidden-Elements"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("prov-visibility")) as client:
        yield client


@pytest.fixture(scope="module")
def scene(api):
    """bob publishes a reference to alice; alice runs a job on it and on her private notes."""
    alice, bob = api.user("alice"), api.user("bob")
    private_bytes = f"alice's private notes {uuid.uuid4().hex}\n".encode()
    private = api.unique("alice", "private") + "/notes.txt"
    api.upload(alice, private, private_bytes)
    reference = api.unique("bob", "shared") + "/reference.txt"
    api.upload(bob, reference, b"a reference everybody may use\n")
    granted = bob.put(api.url("/api/permissions" + reference), json={"user": "alice", "level": "read"})
    assert granted.status_code == 200, granted.text

    workflow = api.register(alice, example("three-step-text"))
    created = api.submit(alice, workflow, {"text": {"href": private}, "appendix": {"href": reference}},
                         api.unique("alice", "out"))
    assert created.status_code == 201, created.text
    job = api.wait(alice, created.json()["id"])
    assert job["status"] == "successful", job
    output = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counted"]["path"]
    checksum = "sha2:" + base64.b64encode(hashlib.sha256(private_bytes).digest()).decode()
    secrets = [private, checksum, hashlib.sha256(private_bytes).hexdigest()]
    return {"alice": alice, "bob": bob, "job": job, "private": private, "reference": reference,
            "output": output, "secrets": secrets}


def lineage(api, session, **params):
    return session.get(api.url("/api/provenance/lineage"), params={"f": "json", **params})


def assert_nothing_of_alice(response, scene):
    for secret in scene["secrets"]:
        assert secret not in response.text, f"{secret!r} leaked"


def test_another_users_run_ids_are_not_confirmed(api, scene):
    bob, job = scene["bob"], scene["job"]
    for entity in (v.output_id(job['id'], "counted", 0).uri, v.step_id(job['id'], "count").uri,
                   v.run_id(job['id']).uri):
        answer = lineage(api, bob, entity=entity)
        assert answer.status_code == 404, (entity, answer.text)
        assert_nothing_of_alice(answer, scene)
    assert lineage(api, bob, path=scene["output"]).status_code == 403
    assert lineage(api, scene["alice"], entity=v.step_id(job['id'], "count").uri).status_code == 200


def test_forward_from_a_shared_file_hides_what_others_made_with_it(api, scene):
    answer = lineage(api, scene["bob"], path=scene["reference"], direction="forward", depth=10)

    assert answer.status_code == 200, answer.text
    assert scene["reference"] in answer.text
    assert_nothing_of_alice(answer, scene)
    assert scene["output"] not in answer.text and scene["job"]["id"] not in answer.text
    assert int(answer.headers[HIDDEN]) > 0
    # alice, who ran the job, sees all of it from the same starting point.
    hers = lineage(api, scene["alice"], path=scene["reference"], direction="forward", depth=10)
    assert scene["output"] in hers.text and hers.headers[HIDDEN] == "0"


def test_a_shared_result_shows_only_the_inputs_the_reader_may_read(api, scene):
    alice, bob = scene["alice"], scene["bob"]
    shared = alice.put(api.url("/api/permissions" + scene["output"]), json={"user": "bob", "level": "read"})
    assert shared.status_code == 200, shared.text

    answer = lineage(api, bob, path=scene["output"], direction="backward", depth=10)

    assert answer.status_code == 200, answer.text
    assert scene["output"] in answer.text and scene["reference"] in answer.text
    assert_nothing_of_alice(answer, scene)  # her private input and its checksums
    assert f"{scene['job']['id']}/step/" not in answer.text  # nor her run's steps
    assert int(answer.headers[HIDDEN]) >= 4
    # Once bob may read the notes too, they appear: current permissions decide.
    alice.put(api.url("/api/permissions" + scene["private"]), json={"user": "bob", "level": "read"})
    later = lineage(api, bob, path=scene["output"], direction="backward", depth=10)
    assert scene["private"] in later.text
