"""The provenance graph for people (/api/provenance/graph, backend/provenance/graph.py): a real
worker runs the two-step example; its PROV and a file's lineage come back as nodes (with where
each leads), edges and a Graphviz picture; expansions add one hop; bad parameters are 400 with
a JSON message; another user gets what the lineage endpoint gives them (404, 403)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from backend.provenance import graph
from backend.provenance import vocabulary as v
from tests.provenance.documents import linear_run
from tests.workflows.deployment import example, jobs_deployment

TEXT = b"three little words\n"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("graph")) as client:
        yield client


@pytest.fixture(scope="module")
def alice(api):
    return api.user("alice")


@pytest.fixture(scope="module")
def job(api, alice):
    source = f"{api.unique('alice', 'in')}/in.txt"
    api.upload(alice, source, TEXT)
    created = api.submit(alice, api.register(alice, example("two-step-text")),
                         {"text": {"class": "File", "path": source}}, api.unique("alice", "out"))
    assert created.status_code == 201, created.text
    finished = api.wait(alice, created.json()["id"])
    assert finished["status"] == "successful", finished
    output = alice.get(api.url(f"/api/jobs/{finished['id']}/results")).json()["counted"]["path"]
    return {**finished, "input": source, "output": output}


def fetch(api, session, **params) -> dict:
    response = session.get(api.url("/api/provenance/graph"), params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def by_label(found: dict) -> dict[str, dict]:
    return {node["label"]: node for node in found["nodes"]}


def edges(found: dict) -> set[tuple[str, str, str]]:
    labels = {node["id"]: node["label"] for node in found["nodes"]}
    return {(labels[edge["from"]], edge["relation"], labels[edge["to"]]) for edge in found["edges"]}


def drawn(found: dict) -> dict[str, str]:
    """node id attribute in the picture -> the text it shows."""
    root = ElementTree.fromstring(found["svg"].encode())
    return {group.get("id"): " ".join(text.text or "" for text in group.iter(f"{SVG}text"))
            for group in root.iter(f"{SVG}g") if "node" in (group.get("class") or "").split()}


def test_a_jobs_graph_names_where_each_node_leads_and_draws_each_node(api, alice, job):
    found = fetch(api, alice, job=job["id"])
    nodes = by_label(found)
    assert found["start"] == v.run_id(job["id"]).uri and found["nodes"][0]["id"] == found["start"]
    assert nodes["in.txt"]["path"] == job["input"] and nodes["in.txt"]["kind"] == "entity"
    assert nodes["count.txt"]["path"] == job["output"]
    assert nodes["upper"]["job"] == job["id"] and nodes["count"]["job"] == job["id"]
    assert nodes["upper"]["kind"] == nodes["count"]["kind"] == "activity"
    assert "alice" in nodes and nodes["alice"]["kind"] == "agent"
    # The data flows input -> upper -> intermediate -> count -> output.
    assert {("in.txt", "used by", "upper"), ("upper", "generated", "out of step upper"),
            ("out of step upper", "used by", "count"), ("count", "generated", "count.txt")} <= edges(found)
    # Locations are folded into their files: no node is a storage path of its own.
    assert not any("prov:Location" in node["types"] for node in found["nodes"])
    assert found["hidden"] == 0
    pictured = drawn(found)
    assert len(pictured) == len(found["nodes"])
    for index, node in enumerate(found["nodes"]):
        shown = node["label"] if len(node["label"]) <= 40 else node["label"][:39] + "…"
        assert pictured[f"prov-node-{index}"] == shown


def test_a_files_lineage_follows_direction_and_depth_and_grows_by_expansions(api, alice, job):
    back = fetch(api, alice, path=job["output"], direction="backward", depth=1)
    assert {"count.txt", "count", "out of step upper", "in.txt"} <= set(by_label(back))  # in.txt: derived
    assert "upper" not in by_label(back)
    assert back["start"] == by_label(back)["count.txt"]["id"]
    intermediate = by_label(back)["out of step upper"]["id"]
    grown = fetch(api, alice, path=job["output"], direction="backward", depth=1, backward=intermediate)
    assert ("in.txt", "used by", "upper") in edges(grown)
    deep = fetch(api, alice, path=job["output"], direction="backward", depth=2)
    assert "upper" in by_label(deep)
    assert "count" not in by_label(fetch(api, alice, path=job["input"], direction="forward", depth=1))
    forward = fetch(api, alice, path=job["input"], direction="forward", depth=1, forward=intermediate)
    assert ("count", "generated", "count.txt") in edges(forward)
    # By entity id too; the same graph as by path.
    by_entity = fetch(api, alice, entity=back["start"], direction="backward", depth=1)
    assert by_label(by_entity).keys() == by_label(back).keys()


@pytest.mark.parametrize("params, message", [
    ({"direction": "sideways"}, "direction must be one of"),
    ({"depth": "0"}, "depth"),
    ({"depth": "51"}, "depth"),
    ({"depth": "deep"}, "depth"),
    ({"path": None}, "give one of job, path or entity"),
    ({"job": "x"}, "give one of job, path or entity"),
    ({"backward": ["x"] * 51}, "at most 50 expansions"),
    ({"forward": ""}, "backward and forward name node ids"),
])
def test_bad_values_are_400_with_a_message(api, alice, job, params, message):
    query = {"path": job["output"], **params}
    if query["path"] is None:
        del query["path"]
    refused = alice.get(api.url("/api/provenance/graph"), params=query)
    assert refused.status_code == 400, refused.text
    assert message in refused.json()["error"]


def test_others_get_what_lineage_gives_them(api, alice, job):
    bob = api.user("bob")
    assert bob.get(api.url("/api/provenance/graph"), params={"job": job["id"]}).status_code == 404
    assert bob.get(api.url("/api/provenance/graph"), params={"path": job["output"]}).status_code == 403
    entity = fetch(api, alice, path=job["output"])["start"]
    assert bob.get(api.url("/api/provenance/graph"), params={"entity": entity}).status_code == 404
    # Nor may an expansion name what they may not see, from a start of their own.
    own = f"{api.unique('bob', 'mine')}/mine.txt"
    api.upload(bob, own, b"bob's\n")
    assert fetch(api, bob, path=own)["nodes"]
    step = v.step_id(job["id"], "upper").uri
    answer = bob.get(api.url("/api/provenance/graph"), params={"path": own, "backward": step})
    assert answer.status_code == 404 and "error" in answer.json()
    assert api.live.session().get(api.url("/api/provenance/graph"),
                                  params={"job": job["id"]}).status_code == 401


def test_labels_are_text_in_the_picture_whatever_they_hold():
    """No service: a label with quotes, a backslash and markup stays that text in the SVG."""
    run = linear_run("j1", 1)
    found = graph.build(run.document, run.output)
    found["nodes"][0]["label"] = 'a "quoted" \\N <b>label</b> & co'
    found["svg"] = graph.picture(found)
    assert drawn(found)["prov-node-0"] == 'a "quoted" \\N <b>label</b> & co'


def test_a_jobs_graph_shows_only_what_its_viewer_may_read_now(api, alice):
    """Bob ran the example on a file Alice shared with him; once she takes the share back, his
    job's graph (and its expansions) leave her file out and count it as hidden."""
    bob = api.user("bob")
    shared = f"{api.unique('alice', 'shared')}/shared.txt"
    api.upload(alice, shared, TEXT)
    grant = alice.put(api.url("/api/permissions" + shared), json={"user": "bob", "level": "read"})
    assert grant.status_code == 200, grant.text
    created = api.submit(bob, api.register(bob, example("two-step-text")),
                         {"text": {"class": "File", "path": shared}}, api.unique("bob", "out"))
    assert created.status_code == 201, created.text
    job_id = api.wait(bob, created.json()["id"])["id"]
    before = fetch(api, bob, job=job_id)
    assert by_label(before)["shared.txt"]["path"] == shared

    revoke = alice.put(api.url("/api/permissions" + shared), json={"user": "bob", "level": "null"})
    assert revoke.status_code == 200, revoke.text
    after = fetch(api, bob, job=job_id)
    assert "shared.txt" not in by_label(after) and after["hidden"] >= 1
    assert shared not in after["svg"]
    step = v.step_id(job_id, "upper").uri
    expanded = fetch(api, bob, job=job_id, backward=step)
    assert "shared.txt" not in by_label(expanded) and "upper" in by_label(expanded)
    # Alice still sees her file in the lineage of her own object.
    assert fetch(api, alice, path=shared)["nodes"][0]["path"] == shared
