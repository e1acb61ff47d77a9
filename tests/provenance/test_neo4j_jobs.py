"""Jobs with PROV_STORE=neo4j, end to end on a real Neo4j 5 server: a real worker runs the
three-step example, its PROV is served in every format and traced both ways; and records
made while Neo4j is stopped reach it through the outbox once it has restarted.
"""

from __future__ import annotations

import pytest
from prov.model import ProvDocument

from backend.provenance import formats
from backend.provenance import vocabulary as v
from tests.live import free_port, wait_for
from tests.neo4j import connect, empty_store, neo4j_settings
from tests.provenance.test_provenance_api import ID, activities, located
from tests.services.neo4j_server import Neo4jServer
from tests.workflows.deployment import example, jobs_deployment

TEXT, APPENDIX = b"graph databases remember\n", b"what the workflow did\n"


@pytest.fixture(scope="module")
def neo4j():
    settings = neo4j_settings()
    empty_store(settings).close()
    return settings


@pytest.fixture(scope="module")
def api(tmp_path_factory, neo4j):
    with jobs_deployment(tmp_path_factory.mktemp("neo4j-jobs"), PROV_STORE="neo4j", **neo4j) as client:
        yield client


@pytest.fixture(scope="module")
def alice(api):
    return api.user("alice")


@pytest.fixture(scope="module")
def run(api, alice):
    folder = api.unique("alice", "in")
    inputs = {"text": f"{folder}/text.txt", "appendix": f"{folder}/appendix.txt"}
    api.upload(alice, inputs["text"], TEXT)
    api.upload(alice, inputs["appendix"], APPENDIX)
    workflow = api.register(alice, example("three-step-text"))
    created = api.submit(alice, workflow, {port: {"href": path} for port, path in inputs.items()},
                         api.unique("alice", "out"))
    assert created.status_code == 201, created.text
    job = api.wait(alice, created.json()["id"])
    assert job["status"] == "successful", job
    output = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counted"]["path"]
    return job, inputs, output


def stored(neo4j, job_id: str) -> ProvDocument:
    """The job's bundle as Neo4j holds it, read with the store, not through the API."""
    store = connect(neo4j)
    try:
        return store.bundle(f"job:{job_id}")
    finally:
        store.close()


def lineage(api, session, **params) -> ProvDocument:
    response = session.get(api.url("/api/provenance/lineage"), params={"f": "json", **params})
    assert response.status_code == 200, response.text
    return ProvDocument.deserialize(content=response.text, format="json")


@pytest.mark.parametrize("short", ["json", "xml", "ttl", "nt", "jsonld"])
def test_every_format_parses_back_into_what_neo4j_holds(api, alice, neo4j, run, short):
    job = run[0]
    reference = stored(neo4j, job["id"])
    assert reference is not None and len(activities(reference)) >= 4

    chosen = formats.BY_SHORT[short]
    response = alice.get(api.url(f"/api/jobs/{job['id']}/prov"), headers={"Accept": chosen.media_type})

    assert response.status_code == 200, response.text
    assert formats.parse(response.content, chosen, reference.namespaces) == reference


def test_provn_and_a_picture_come_from_neo4j_too(api, alice, run):
    job = run[0]
    provn = alice.get(api.url(f"/api/jobs/{job['id']}/prov"), params={"f": "provn"})
    assert provn.status_code == 200 and v.step_id(job['id'], "count").localpart in provn.text
    svg = alice.get(api.url(f"/api/jobs/{job['id']}/prov"), headers={"Accept": "image/svg+xml"})
    assert svg.status_code == 200 and b"step.count" in svg.content


def test_lineage_backward_from_the_result_reaches_the_inputs(api, alice, run):
    job, inputs, output = run
    found = lineage(api, alice, path=output, direction="backward", depth=10)
    assert {v.step_id(job['id'], name).uri for name in ("upper", "join", "count")} <= activities(found)
    assert set(located(found)) == {output, *inputs.values()}


def test_lineage_forward_from_each_input_reaches_the_result(api, alice, run):
    job, inputs, output = run
    for path in inputs.values():
        found = lineage(api, alice, path=path, direction="forward", depth=10)
        assert output in located(found)
        assert v.step_id(job['id'], "count").uri in activities(found)


def test_records_made_while_neo4j_is_stopped_arrive_after_it_restarts(tmp_path):
    neo4j_settings()  # the same server software as the others; this test runs a private one to restart
    server = Neo4jServer(free_port(), tmp_path / "neo4j")
    server.start()
    settings = {"NEO4J_URI": server.uri, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": server.password}
    try:
        with jobs_deployment(tmp_path / "data", PROV_STORE="neo4j", **settings) as api:
            alice = api.user("alice")
            before = api.unique("alice", "in") + "/before.txt"
            api.upload(alice, before, b"recorded while Neo4j was up\n")
            workflow = api.register(alice, example("two-step-text"))

            server.stop()
            during = api.unique("alice", "in") + "/during.txt"
            api.upload(alice, during, b"recorded while Neo4j was stopped\n")
            job = api.wait(alice, api.submit(alice, workflow, {"text": {"href": during}},
                                             api.unique("alice", "out")).json()["id"])
            assert job["status"] == "successful"  # jobs do not wait for the store
            down = alice.get(api.url(f"/api/jobs/{job['id']}/prov"))
            assert down.status_code == 503 and down.json()["type"] == "service_unavailable"
            status = alice.get(api.url("/api/status")).json()["services"]["provenance"]
            assert status["status"] == "down" and status["pending"] == 2  # the upload's and the job's

            server.start()  # same data directory: what was stored before is still there
            assert wait_for(lambda: alice.get(api.url(f"/api/jobs/{job['id']}/prov")).status_code == 200, 90)
            assert wait_for(lambda: alice.get(api.url("/api/status")).json()
                            ["services"]["provenance"]["pending"] == 0, 60)
            for path in (before, during):
                found = lineage(api, alice, path=path, direction="backward", depth=2, f="json")
                assert path in located(found)
            forward = lineage(api, alice, path=during, direction="forward", depth=10)
            assert v.step_id(job['id'], "count").uri in activities(forward)
    finally:
        server.stop()
