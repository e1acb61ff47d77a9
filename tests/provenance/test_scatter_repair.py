"""The worker-start repair of scatters stored as one activity (backend/provenance/rebuild.py), on
a real job: scatter-line-count run by the live deployment's worker, its bundle written back the
way older versions stored it (one `count` activity for both instances), then repaired from the
research object the worker kept, by the deployment's worker when it starts again; then called
directly (split_scatters on the deployment's provenance store, job store and a DATA_DIR/jobs)
to show that a second run changes nothing and that a job without its research object stays
as stored. With the SQL store (the embedded default) and with Neo4j.
"""

from __future__ import annotations

import pytest
from prov.constants import PROV_LABEL, PROV_TYPE
from prov.identifier import QualifiedName
from prov.model import ProvDocument

from backend.auth.db import Database
from backend.provenance import migrations, rebuild
from backend.provenance import vocabulary as v
from backend.provenance.store.sql import SqlStore
from backend.workflows.jobs import JobStore
from tests.live import wait_for
from tests.neo4j import connect, empty_store, neo4j_settings
from tests.provenance.test_lineage_cases import finished, lineage, paths, prov, records
from tests.workflows.deployment import example, jobs_deployment


@pytest.fixture(scope="module", params=["sql", "neo4j"])
def deployment(request, tmp_path_factory):
    """(client, the deployment's provenance store opened here, its job store)."""
    extra = {}
    if request.param == "neo4j":
        extra = {"PROV_STORE": "neo4j", **neo4j_settings()}
        empty_store(neo4j_settings()).close()
    data_dir = tmp_path_factory.mktemp(f"scatter-repair-{request.param}")
    with jobs_deployment(data_dir, **extra) as client:
        store = connect(neo4j_settings()) if request.param == "neo4j" else \
            SqlStore(f"sqlite:///{data_dir / 'provenance.sqlite'}")
        database = Database(f"sqlite:///{data_dir / 'auth.sqlite'}")
        try:
            yield client, store, JobStore(database, lost_after=60, max_attempts=1)
        finally:
            store.close()
            database.dispose()


def count_activities(document: ProvDocument) -> list:
    return [r for r in records(document, "Activity")
            if [value for key, value in r.attributes if key == v.STEP] == ["count"]]


def merged(document: ProvDocument, job_id: str, *, contents: bool = True) -> ProvDocument:
    """`document` as older versions stored it: the instances of `count` as one activity;
    `contents=False`: without content entities either (no sha1 of any file)."""
    instances = {r.identifier for r in count_activities(document)}
    one = v.step_id(job_id, "count")
    first, *_, last = sorted(count_activities(document), key=lambda r: r.get_startTime())
    old = ProvDocument()
    for namespace in document.namespaces:
        old.add_namespace(namespace)
    old.activity(one, first.get_startTime(), last.get_endTime(),
                 [(key, value) for key, value in first.attributes
                  if key not in (v.INSTANCE, PROV_LABEL) and key.localpart not in ("startTime", "endTime")]
                 + [(PROV_LABEL, "step count")])
    for record in document.get_records():
        if record.is_element() and record.identifier in instances:
            continue
        if not contents and (record.get_type().localpart == "Specialization" or record.is_element()
                             and v.CONTENT in record.get_attribute(PROV_TYPE)):
            continue
        attributes = [(key, one if isinstance(value, QualifiedName) and value in instances else value)
                      for key, value in record.attributes]
        old.new_record(record.get_type(), record.identifier, attributes)
    return old


def reset_marker(store, version: int) -> None:
    """The store's schema version set back to `version` (the repair's marker is the next)."""
    if isinstance(store, SqlStore):
        from backend.provenance.store.sql import schema_versions

        with store._transaction(write=True) as session:
            session.execute(schema_versions.delete())
            session.execute(schema_versions.insert(), [{"version": version}])
    else:
        with store._driver.session() as session:
            session.run("MATCH (s:ProvSchema {name: 'rapydo'}) SET s.version = $version",
                        version=version).consume()


def test_a_scatter_stored_as_one_activity_is_split_from_the_kept_record(deployment):
    api, store, job_store = deployment
    alice = api.user("alice")
    folder = api.unique("alice", "in")
    first, second = f"{folder}/first.txt", f"{folder}/second.txt"
    api.upload(alice, first, b"a\nb\n")
    api.upload(alice, second, b"c\nd\ne\n")
    workflow = api.register(alice, example("scatter-line-count"))
    job = finished(api, alice, workflow, {"files": [{"href": first}, {"href": second}]})
    assert job["status"] == "successful", job
    outputs = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counts"]
    by_name = {item["path"].rsplit("/", 1)[-1]: item["path"] for item in outputs}
    jobs_dir = api.live.data_dir / "jobs"
    bundle = v.bundle_of_job(job["id"])

    # The worker started on a new store: it is at the repair's version already, nothing to do.
    assert wait_for(lambda: store._schema_version() == rebuild.SCHEMA_VERSION, 30)
    assert rebuild.split_scatters(store, job_store, jobs_dir) == []

    # The bundle as older versions stored it, and the store before the repair.
    current = store.bundle(bundle)
    assert len(count_activities(current)) == 2
    reset_marker(store, 1)
    stored_old = merged(current, job["id"], contents=False)
    assert store._replace_bundles({bundle: stored_old}, migrations.SCHEMA_VERSION)
    old = prov(api, alice, job["id"])
    assert len(count_activities(old)) == 1 and not records(old, "Specialization")
    wrong = lineage(api, alice, path=second, direction="forward", depth=5)
    assert by_name["first.count"] in paths(wrong)  # what users saw: both outputs from one input

    api.live.engine.start_worker()  # a new worker: its start repairs the store (worker_ready)
    assert wait_for(lambda: store._schema_version() == rebuild.SCHEMA_VERSION, 60)

    # What the job recorded when it ran, again (the same builder, from the same records).
    assert store.bundle(bundle) == current
    document = prov(api, alice, job["id"])
    counts = count_activities(document)
    assert len(counts) == 2
    assert sorted(value for r in counts for key, value in r.attributes if key == v.INSTANCE) == [1, 2]
    assert not document.get_record(v.step_id(job["id"], "count"))
    forward = lineage(api, alice, path=second, direction="forward", depth=5)
    assert by_name["second.count"] in paths(forward)
    assert by_name["first.count"] not in paths(forward)
    backward = lineage(api, alice, path=by_name["first.count"], direction="backward", depth=5)
    assert first in paths(backward) and second not in paths(backward)
    # The inputs keep their ids: the entity the store knew at each path is the one used.
    assert {path for path in paths(current) if path.startswith(folder)} == \
        {path for path in paths(document) if path.startswith(folder)}
    assert store.find_entity(second) in {r.args[1].uri for r in records(document, "Usage")}

    # Once: the marker is set. Again with the marker put back: a new-shape bundle is left alone.
    assert store._schema_version() == rebuild.SCHEMA_VERSION
    before, counted = store.bundle(bundle), store.counts()
    assert rebuild.split_scatters(store, job_store, jobs_dir) == []
    reset_marker(store, migrations.SCHEMA_VERSION)
    assert rebuild.split_scatters(store, job_store, jobs_dir) == []
    assert store.bundle(bundle) == before and store.counts() == counted
    assert store._schema_version() == rebuild.SCHEMA_VERSION


def test_a_job_without_its_research_object_stays_as_stored(deployment, tmp_path):
    api, store, job_store = deployment
    alice = api.user("alice")
    folder = api.unique("alice", "in")
    api.upload(alice, f"{folder}/one.txt", b"1\n")
    api.upload(alice, f"{folder}/two.txt", b"2\n3\n")
    workflow = api.register(alice, example("scatter-line-count"))
    job = finished(api, alice, workflow, {"files": [{"href": f"{folder}/one.txt"},
                                                    {"href": f"{folder}/two.txt"}]})
    assert job["status"] == "successful", job
    bundle = v.bundle_of_job(job["id"])
    reset_marker(store, 1)
    old = merged(store.bundle(bundle), job["id"])
    assert store._replace_bundles({bundle: old}, migrations.SCHEMA_VERSION)

    # Another DATA_DIR/jobs, where this job's research object is not.
    assert job["id"] not in rebuild.split_scatters(store, job_store, tmp_path)
    assert len(count_activities(prov(api, alice, job["id"]))) == 1
    assert store._schema_version() == rebuild.SCHEMA_VERSION
