"""The contract every provenance store passes: SQLite, PostgreSQL and Neo4j.

PostgreSQL runs in a fresh schema per test; Neo4j (NEO4J_URI) in the server's default database,
emptied of this store's labels before each test. Both are skipped when their server is missing,
and fail under CI.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from prov.constants import PROV_ATTR_STARTTIME, PROV_LOCATION
from prov.model import ProvActivity, ProvAgent, ProvDocument, ProvEntity, ProvRelation

from backend.errors import BadRequest, NotFound, ServiceUnavailable
from backend.provenance import vocabulary as v
from backend.provenance.store import build_store
from backend.provenance.store.base import key_of, split
from backend.provenance.store.neo4j import Neo4jStore
from backend.provenance.store.sql import SqlStore
from backend.settings import Settings
from tests.neo4j import empty_store
from tests.postgres import postgres_schema_url
from tests.provenance.documents import ZONE, Input, checksum, data_input, linear_run

@pytest.fixture(params=["sqlite", "postgresql", "neo4j"])
def store(request, tmp_path):
    if request.param == "sqlite":
        made = SqlStore(f"sqlite:///{tmp_path / 'provenance.sqlite'}")
        yield made
        made.close()
    elif request.param == "postgresql":
        for url in postgres_schema_url():
            made = SqlStore(url)
            yield made
            made.close()
    else:
        made = empty_store()
        yield made
        made.close()


def ids(document: ProvDocument, kind) -> set[str]:
    return {key_of(r.identifier) for r in document.get_records(kind)}


def relations(document: ProvDocument, name: str) -> set[tuple[str, str]]:
    return {(key_of(r.args[0]), key_of(r.args[1])) for r in document.get_records(ProvRelation)
            if r.get_type().localpart == name}


def test_bundle_round_trip_is_equal(store):
    run = linear_run("j1")
    store.save(run.bundle, run.document)
    assert store.bundle(run.bundle) == run.document
    assert store.bundle("job:unknown") is None


def test_every_kind_of_value_survives(store):
    run = linear_run("j1", steps=1)
    store.save(run.bundle, run.document)
    again = store.bundle(run.bundle)
    step = again.get_record(v.step_id("j1", "step1"))[0]
    values = {str(name): value for name, value in step.attributes}
    assert values["rapydo-terms:exitCode"] == 0 and type(values["rapydo-terms:exitCode"]) is int
    assert values["rapydo-terms:cpuSeconds"] == 12.75
    assert values["rapydo-terms:cached"] is False
    agent = again.get_record(v.ID["user/alice"])[0]
    (name,) = agent.get_attribute("foaf:name")
    assert (name.value, name.langtag) == ("Alice Liddell", "en")


def test_times_keep_their_timezone(store):
    run = linear_run("j1")
    store.save(run.bundle, run.document)
    for document in (store.bundle(run.bundle), store.lineage(run.output, "backward", 3)):
        step = document.get_record(v.step_id("j1", "step3"))[0]
        (started,) = step.get_attribute(PROV_ATTR_STARTTIME)
        assert started.utcoffset() == timedelta(hours=2)
        assert started.microsecond == 123456
        used = [r for r in document.get_records(ProvRelation) if r.get_type().localpart == "Usage"]
        assert used and all(r.args[2].utcoffset() == ZONE.utcoffset(None) for r in used)


def test_saving_again_changes_nothing(store):
    run = linear_run("j1")
    store.save(run.bundle, run.document)
    before = store.counts()
    store.save(run.bundle, run.document)
    store.save(run.bundle, linear_run("j1").document)  # the same records, built anew
    assert store.counts() == before
    assert before["bundles"] == 1 and before["records"] == len(set(run.document.get_records()))
    assert store.bundle(run.bundle) == run.document


def test_saving_more_records_adds_them(store):
    run = linear_run("j1")
    first = ProvDocument(run.document.get_records()[:10])
    store.save(run.bundle, first)
    assert store.bundle(run.bundle) == first
    partial = store.counts()
    store.save(run.bundle, run.document)
    assert store.bundle(run.bundle) == run.document
    assert store.counts()["records"] > partial["records"]


def test_an_input_shared_by_two_runs_is_one_node(store):
    shared = data_input("shared", "reference.fa")
    one = linear_run("j1", inputs=[shared, data_input("j1", "reads.fq")])
    two = linear_run("j2", inputs=[shared, data_input("j2", "reads.fq")])
    store.save(one.bundle, one.document)
    alone = store.counts()
    store.save(two.bundle, two.document)
    both = store.counts()
    # The second run adds all of its nodes but the shared input and the two agents.
    assert both["nodes"] == 2 * alone["nodes"] - 3
    reference = key_of(v.ID[shared.id])
    forward = store.lineage(reference, "forward", 1)
    assert relations(forward, "Usage") == {(one.steps[0], reference), (two.steps[0], reference)}
    assert store.bundle(one.bundle) == one.document and store.bundle(two.bundle) == two.document


def test_concurrent_saves_of_runs_sharing_nodes(store):
    """Runs saved at once that share an input and the agents: no deadlock, no lost
    record, one node for each shared identifier."""
    shared = data_input("shared", "reference.fa")
    runs = [linear_run(f"j{i}", inputs=[shared, data_input(f"j{i}", "reads.fq")]) for i in range(16)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda run: store.save(run.bundle, run.document), runs))
    counts = store.counts()
    store.save(runs[0].bundle, runs[0].document)
    assert counts == store.counts() and counts["bundles"] == 16
    # Each run's nodes, less the shared input and the two agents for all runs but one.
    assert counts["nodes"] == 16 * len(split(runs[0].document).kinds) - 15 * 3
    reference = key_of(v.ID[shared.id])
    assert {a for a, _ in relations(store.lineage(reference, "forward", 1), "Usage")} == {
        run.steps[0] for run in runs}
    assert all(store.bundle(run.bundle) == run.document for run in runs)


def test_attributes_from_several_bundles_are_merged(store):
    first, second = ProvDocument(), ProvDocument()
    first.entity(v.ID["data/x"], {PROV_LOCATION: "/tempZone/home/alice/x"})
    second.entity(v.ID["data/x"], {v.SIZE: 7})
    second.activity(v.ID["op/1"])
    second.wasGeneratedBy(v.ID["data/x"], v.ID["op/1"])
    store.save("op:1", first)
    store.save("op:2", second)
    (entity,) = store.lineage(key_of(v.ID["data/x"]), "backward").get_record(v.ID["data/x"])
    assert {str(name): value for name, value in entity.attributes} == {
        "prov:location": "/tempZone/home/alice/x", "rapydo-terms:size": 7}
    assert store.bundle("op:1") == first and store.bundle("op:2") == second


def test_backward_lineage_reaches_the_inputs_through_the_steps(store):
    run = linear_run("j1")
    other = linear_run("j2")
    store.save(run.bundle, run.document)
    store.save(other.bundle, other.document)
    lineage = store.lineage(run.output, "backward", 3)
    assert ids(lineage, ProvActivity) == set(run.steps)
    assert ids(lineage, ProvEntity) == {run.output, *run.intermediates, *run.inputs}
    assert ids(lineage, ProvAgent) == {key_of(v.ID["engine/cwltool-3.1"])}
    steps = run.steps
    assert relations(lineage, "Generation") == {
        (run.output, steps[2]), (run.intermediates[1], steps[1]), (run.intermediates[0], steps[0])}
    assert relations(lineage, "Usage") == {
        (steps[2], run.intermediates[1]), (steps[1], run.intermediates[0]),
        (steps[0], run.inputs[0]), (steps[0], run.inputs[1])}
    assert relations(lineage, "Derivation") == {(run.output, i) for i in run.inputs}
    assert relations(lineage, "Association") == {(s, key_of(v.ID["engine/cwltool-3.1"])) for s in steps}
    # The inputs are where it ends: nothing generated them.
    generated = {entity for entity, _ in relations(lineage, "Generation")}
    assert ids(lineage, ProvEntity) - generated == set(run.inputs)
    # Nodes come with their attributes.
    (output,) = lineage.get_record(v.ID["data/j1/out.txt"])
    assert set(output.get_attribute(PROV_LOCATION)) == {"/tempZone/home/alice/j1/out.txt"}


def test_forward_lineage_reaches_every_derived_output(store):
    run = linear_run("j1")
    store.save(run.bundle, run.document)
    lineage = store.lineage(run.inputs[0], "forward", 10)
    assert ids(lineage, ProvEntity) == {run.inputs[0], *run.intermediates, run.scratch, run.output,
                                        run.collection}
    assert ids(lineage, ProvActivity) == set(run.steps)
    assert relations(lineage, "Membership") == {(run.collection, run.output)}
    assert (run.output, run.inputs[0]) in relations(lineage, "Derivation")


def test_depth_is_counted_in_activity_or_derivation_hops(store):
    run = linear_run("j1", steps=10)
    store.save(run.bundle, run.document)
    # Through the steps only (the run's derivation shortcut reaches the inputs at once).
    chain = [run.output, *reversed(run.intermediates)]
    for depth in range(11):
        lineage = store.lineage(run.output, "backward", depth)
        activities = ids(lineage, ProvActivity)
        assert activities == set(run.steps[10 - depth:]), depth
        expected = set(chain[:depth + 1]) | (set(run.inputs) if depth else set())
        assert ids(lineage, ProvEntity) == expected, depth
    assert ids(store.lineage(run.output, "backward", 0), ProvEntity) == {run.output}
    forward = store.lineage(run.inputs[0], "forward", 2)
    # Steps 1 and 2, and the last step as the one that invalidated step 1's scratch file.
    assert ids(forward, ProvActivity) == {*run.steps[:2], run.steps[-1]}
    # out (derived from the input) and its collection are one derivation hop away; step 1
    # also made a scratch file.
    assert ids(forward, ProvEntity) == {run.inputs[0], *run.intermediates[:2], run.scratch,
                                        run.output, run.collection}


def test_both_directions(store):
    run = linear_run("j1")
    store.save(run.bundle, run.document)
    middle = run.intermediates[0]
    lineage = store.lineage(middle, "both", 1)
    assert ids(lineage, ProvActivity) == {run.steps[0], run.steps[1]}
    assert ids(lineage, ProvEntity) == {middle, *run.inputs, run.intermediates[1]}
    backward, forward = store.lineage(middle, "backward", 1), store.lineage(middle, "forward", 1)
    assert set(lineage.get_records()) == set(backward.get_records()) | set(forward.get_records())


def test_forward_lineage_tells_how_entities_ended(store):
    """An entity reached forward comes with its invalidation (a delete), the activity that
    invalidated it and that activity's agents; backward lineage does not look there."""
    run = linear_run("j1")
    removal = ProvDocument()
    removal.wasInvalidatedBy(v.ID["data/j1/out.txt"], v.ID["op/delete-1"])
    removal.activity(v.ID["op/delete-1"], other_attributes={"prov:type": v.DELETE})
    removal.wasAssociatedWith(v.ID["op/delete-1"], v.ID["user/bob"])
    removal.agent(v.ID["user/bob"])
    store.save(run.bundle, run.document)
    store.save("op:delete-1", removal)
    forward = store.lineage(run.intermediates[1], "forward", 1)
    assert relations(forward, "Invalidation") == {(run.output, key_of(v.ID["op/delete-1"]))}
    assert key_of(v.ID["op/delete-1"]) in ids(forward, ProvActivity)
    assert ids(forward, ProvAgent) == {key_of(v.ID["engine/cwltool-3.1"]), key_of(v.ID["user/bob"])}
    backward = store.lineage(run.output, "backward", 1)
    assert relations(backward, "Invalidation") == set()
    assert key_of(v.ID["user/bob"]) not in ids(backward, ProvAgent)


def test_lineage_of_an_unknown_node_is_not_found(store):
    store.save("op:1", linear_run("j1", steps=1).document)
    with pytest.raises(NotFound):
        store.lineage(key_of(v.ID["data/nowhere"]))
    with pytest.raises(BadRequest):
        store.lineage(linear_run("j1", steps=1).output, "sideways")
    with pytest.raises(BadRequest):
        store.lineage(linear_run("j1", steps=1).output, depth=-1)


def test_lineage_from_an_activity_and_a_qualified_name(store):
    run = linear_run("j1")
    store.save(run.bundle, run.document)
    lineage = store.lineage(v.step_id("j1", "step2"), "backward", 0)
    assert ids(lineage, ProvEntity) == {run.intermediates[0]}
    assert ids(lineage, ProvActivity) == {run.steps[1]}


def test_find_entity(store):
    old = Input("data/j1/in.txt", "/tempZone/home/alice/in.txt", checksum("old"))
    store.save("job:j1", linear_run("j1", inputs=[old]).document)
    assert store.find_entity(old.location) == key_of(v.ID[old.id])
    assert store.find_entity(old.location, old.checksum) == key_of(v.ID[old.id])
    assert store.find_entity(old.location, checksum("other")) is None
    assert store.find_entity("/tempZone/home/alice/elsewhere") is None
    # The file changed: a new entity at the same path is the one saved last.
    new = Input("data/j2/in.txt", old.location, checksum("new"))
    store.save("job:j2", linear_run("j2", inputs=[new]).document)
    assert store.find_entity(old.location) == key_of(v.ID[new.id])
    assert store.find_entity(old.location, old.checksum) == key_of(v.ID[old.id])
    # Saving the old run again (a redelivery) does not make its input the latest.
    store.save("job:j1", linear_run("j1", inputs=[old]).document)
    assert store.find_entity(old.location) == key_of(v.ID[new.id])


def test_an_empty_bundle_exists(store):
    store.save("op:empty", ProvDocument())
    assert store.bundle("op:empty") == ProvDocument()


def test_health(store):
    assert store.health()["status"] == "ok"


@pytest.mark.parametrize("make", [
    lambda: SqlStore("postgresql+psycopg://postgres@127.0.0.1:1/test"),
    lambda: Neo4jStore("bolt://127.0.0.1:1", retry_time=0),
], ids=["postgresql", "neo4j"])
def test_an_unreachable_store_is_unavailable(make):
    store = make()
    run = linear_run("j1", steps=1)
    for call in (lambda: store.save(run.bundle, run.document), lambda: store.bundle(run.bundle),
                 lambda: store.lineage(run.output), lambda: store.find_entity("/x")):
        with pytest.raises(ServiceUnavailable):
            call()
    assert store.health()["status"] == "down"
    store.close()


def test_build_store_follows_the_settings(tmp_path):
    store = build_store(Settings(data_dir=tmp_path))
    assert isinstance(store, SqlStore)
    store.save("op:1", linear_run("j1", steps=1).document)
    assert (tmp_path / "provenance.sqlite").is_file()
    store.close()
    neo = build_store(Settings(data_dir=tmp_path, prov_store="neo4j", neo4j_uri="bolt://127.0.0.1:1",
                               neo4j_password="secret"))
    assert isinstance(neo, Neo4jStore)
    neo.close()
    with pytest.raises(ValueError):
        build_store(Settings(data_dir=tmp_path, prov_store="neo4j"))
