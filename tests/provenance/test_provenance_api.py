"""Provenance of real jobs, through HTTP: a real worker on RabbitMQ runs the three-step
example; its PROV is read back in every format, traced backward and forward, exported as
RO-Crate and STAC, and checked against the SCAPE provenance requirements.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from prov.model import ProvDocument
from rocrate.rocrate import ROCrate

from backend.provenance import formats
from backend.provenance import vocabulary as v
from backend.provenance.store.sql import SqlStore
from tests.provenance.test_stac import errors as stac_errors
from tests.workflows.deployment import example, jobs_deployment, sleepers, sleeping_workflow

TEXT, APPENDIX = b"the quick brown fox\n", b"jumps over the lazy dog\n"
ID = "https://w3id.org/rapydo/id/"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("prov")) as client:
        yield client


@pytest.fixture(scope="module")
def alice(api):
    return api.user("alice")


@pytest.fixture(scope="module")
def inputs(api, alice):
    folder = api.unique("alice", "in")
    api.upload(alice, f"{folder}/text.txt", TEXT)
    api.upload(alice, f"{folder}/appendix.txt", APPENDIX)
    return {"text": f"{folder}/text.txt", "appendix": f"{folder}/appendix.txt"}


@pytest.fixture(scope="module")
def three_step(api, alice):
    return api.register(alice, example("three-step-text"))


def run(api, alice, workflow, inputs) -> dict:
    created = api.submit(alice, workflow, {port: {"href": path} for port, path in inputs.items()},
                         api.unique("alice", "out"))
    assert created.status_code == 201, created.text
    return api.wait(alice, created.json()["id"])


@pytest.fixture(scope="module")
def job(api, alice, three_step, inputs):
    finished = run(api, alice, three_step, inputs)
    assert finished["status"] == "successful", finished
    return finished


def stored(api, job_id: str) -> ProvDocument:
    """The document as the store holds it (the embedded default: SQLite in DATA_DIR)."""
    store = SqlStore(f"sqlite:///{api.live.data_dir / 'provenance.sqlite'}")
    try:
        return store.bundle(f"job:{job_id}")
    finally:
        store.close()


def prov(api, alice, job_id: str, **params):
    return alice.get(api.url(f"/api/jobs/{job_id}/prov"), params=params)


def records(document: ProvDocument, kind: str) -> list:
    return [record for record in document.get_records() if record.get_type().localpart == kind]


def attributes(record) -> dict:
    return {str(key): value for key, value in record.attributes}


def located(document: ProvDocument) -> dict[str, str]:
    """storage path -> entity id, for the entities that are storage objects."""
    # prov:location names a prov:Location holding the path (vocabulary.paths_by_entity).
    return {path: uri for uri, paths in v.paths_by_entity(document).items() for path in paths}


def activities(document: ProvDocument) -> set[str]:
    return {record.identifier.uri for record in records(document, "Activity")}


# --- every format ------------------------------------------------------------------------

@pytest.mark.parametrize("short", ["json", "provjson", "xml", "provxml", "textxml", "ttl", "nt",
                                   "jsonld"])
def test_every_readable_format_parses_back_into_the_stored_document(api, alice, job, short):
    chosen = formats.BY_SHORT[short]
    reference = stored(api, job["id"])

    by_query = prov(api, alice, job["id"], f=short)
    by_accept = alice.get(api.url(f"/api/jobs/{job['id']}/prov"),
                          headers={"Accept": chosen.media_type})

    assert by_query.status_code == 200 and by_accept.status_code == 200
    assert by_accept.headers["Content-Type"].split(";")[0] == chosen.media_type
    assert formats.parse(by_query.content, chosen, reference.namespaces) == reference
    assert formats.parse(by_accept.content, chosen, reference.namespaces) == reference


def _provn_lines(text: str) -> list[str]:
    def normal(line: str) -> str:
        head, bracket, rest = line.strip().partition("[")
        if not bracket:
            return line.strip()
        inside, _, tail = rest.rpartition("]")
        return head + "[" + ", ".join(sorted(inside.split(", "))) + "]" + tail

    return sorted(normal(line) for line in text.splitlines() if line.strip())


def test_prov_n_and_pictures_are_served_too(api, alice, job):
    reference = stored(api, job["id"])
    provn = prov(api, alice, job["id"], f="provn")
    assert provn.headers["Content-Type"].startswith("text/provenance-notation")
    # prov cannot read PROV-N back: compare the text, records and attributes in any order.
    assert _provn_lines(provn.text) == _provn_lines(reference.get_provn())
    svg = alice.get(api.url(f"/api/jobs/{job['id']}/prov"), headers={"Accept": "image/svg+xml"})
    assert svg.status_code == 200 and b"<svg" in svg.content and b"step.count" in svg.content
    png = prov(api, alice, job["id"], f="png")
    assert png.headers["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_an_unservable_type_is_406_and_a_job_without_provenance_is_a_typed_404(api, alice, inputs):
    job_id = None
    refused = alice.get(api.url("/api/jobs/x/prov"), headers={"Accept": "application/pdf"})
    assert refused.status_code in (404, 406)
    sleepy = api.register(alice, sleeping_workflow(331))
    created = api.submit(alice, sleepy, {"text": {"href": inputs["text"]}}, api.unique("alice", "out"))
    job_id = created.json()["id"]
    api.wait_for_step(alice, job_id, "nap")
    try:
        missing = prov(api, alice, job_id)
        assert missing.status_code == 404 and missing.json()["type"] == "no_provenance"
        refused = alice.get(api.url(f"/api/jobs/{job_id}/prov"), headers={"Accept": "application/pdf"})
        assert refused.status_code == 406 and refused.json()["type"] == "not_acceptable"
    finally:
        alice.delete(api.url(f"/api/jobs/{job_id}"))
    assert not sleepers(331) or api.wait(alice, job_id)["status"] == "dismissed"


# --- lineage -------------------------------------------------------------------------------

def lineage(api, session, **params) -> ProvDocument:
    response = session.get(api.url("/api/provenance/lineage"), params={"f": "json", **params})
    assert response.status_code == 200, response.text
    return ProvDocument.deserialize(content=response.text, format="json")


def test_backward_lineage_of_the_result_reaches_exactly_the_inputs_through_the_steps(api, alice, job, inputs):
    output = job and alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counted"]["path"]

    found = lineage(api, alice, path=output, direction="backward", depth=10)

    steps = {v.step_id(job['id'], name).uri for name in ("upper", "join", "count")}
    assert steps <= activities(found)
    others = activities(found) - steps - {v.run_id(job['id']).uri}
    assert all(activity.startswith(f"{ID}op.") for activity in others)  # the inputs' uploads
    assert set(located(found)) == {output, *inputs.values()}
    shallow = lineage(api, alice, path=output, direction="backward", depth=1)
    assert v.step_id(job['id'], "count").uri in activities(shallow)
    assert v.step_id(job['id'], "upper").uri not in activities(shallow)


def test_forward_lineage_of_an_input_reaches_what_was_made_from_it(api, alice, job, inputs):
    output = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counted"]["path"]
    for path in inputs.values():
        found = lineage(api, alice, path=path, direction="forward", depth=10)
        assert output in located(found)
        assert v.step_id(job['id'], "count").uri in activities(found)


def test_lineage_is_only_for_what_the_user_may_read(api, alice, job):
    bob = api.user("bob")
    output = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counted"]["path"]
    assert bob.get(api.url("/api/provenance/lineage"), params={"path": output}).status_code == 403
    entity = v.output_id(job['id'], "counted", 0).uri
    assert bob.get(api.url("/api/provenance/lineage"), params={"entity": entity}).status_code == 404
    assert alice.get(api.url("/api/provenance/lineage"), params={"entity": entity}).status_code == 200


def test_outputs_name_their_prov_entity_in_an_avu(api, alice, job):
    output = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counted"]["path"]
    avus = {avu["attribute"]: avu["value"] for avu in
            alice.get(api.url("/api/metadata" + output)).json()["metadata"]}
    document = stored(api, job["id"])
    assert located(document)[output] == avus["rapydo.prov.entity"]
    assert avus["rapydo.job"] == job["id"]


def test_a_second_run_shares_the_inputs_entities_and_none_of_what_it_generated(api, alice, job,
                                                                                three_step, inputs):
    again = run(api, alice, three_step, inputs)
    first, second = stored(api, job["id"]), stored(api, again["id"])

    for path in inputs.values():
        assert located(first)[path] == located(second)[path]
    generated = lambda document: {record.identifier.uri for record in records(document, "Entity")
                                  if record.identifier.uri.startswith(f"{ID}run.")}
    assert generated(first) and generated(second)
    assert not generated(first) & generated(second)
    assert not activities(first) & activities(second)


def test_all_times_carry_a_timezone(api, job):
    document = stored(api, job["id"])
    times = [value for record in document.get_records() for _, value in record.attributes
             if isinstance(value, datetime)]
    assert len(times) > 10 and all(value.tzinfo is not None for value in times)


def test_importing_the_same_run_again_changes_nothing(api, job):
    document = stored(api, job["id"])
    store = SqlStore(f"sqlite:///{api.live.data_dir / 'provenance.sqlite'}")
    try:
        before = store.counts()
        store.save(f"job:{job['id']}", document)
        assert store.counts() == before
        assert store.bundle(f"job:{job['id']}") == document
    finally:
        store.close()


# --- text views, RO-Crate, STAC --------------------------------------------------------------

def test_the_text_views(api, alice, job, inputs):
    def view(path):
        response = alice.get(api.url(f"/api/jobs/{job['id']}/prov/{path}"))
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
        return response.text

    assert "status: successful" in view("info") and "steps: 3" in view("info")
    assert "prov:Person" in view("who") and "cwltool" in view("who")
    assert [line.split()[0] for line in view("runs").splitlines()] == ["run", "upper", "join", "count"]
    assert all(path in view("inputs") for path in inputs.values())
    assert "counted/count.txt" in view("outputs")
    step = view("run/join")
    assert "wf:main.join.second" in step and inputs["appendix"] in step  # roles are QNames valid in XML
    assert alice.get(api.url(f"/api/jobs/{job['id']}/prov/everything")).status_code == 404


def test_the_ro_crate_reads_back(api, alice, job, inputs, tmp_path):
    response = alice.get(api.url(f"/api/jobs/{job['id']}/crate"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
    crate = ROCrate(tmp_path)

    actions = [entity for entity in crate.get_entities() if entity.type == "CreateAction"
               and entity.id == v.run_id(job['id']).uri]
    assert len(actions) == 1
    action = actions[0]
    assert action["actionStatus"].endswith("CompletedActionStatus")
    assert datetime.fromisoformat(action["startTime"]).tzinfo is not None
    assert crate.mainEntity["name"].startswith("three-step") or crate.mainEntity is not None
    objects = {entity["contentUrl"] for entity in action["object"]}
    assert all(any(url.endswith(path) for url in objects) for path in inputs.values())


def test_the_stac_items_validate(api, alice, job):
    response = alice.get(api.url(f"/api/jobs/{job['id']}/stac"))
    assert response.status_code == 200
    items = response.json()["features"]
    assert len(items) == 1
    assert stac_errors(items[0]) == []
    links = {link["rel"] for link in items[0]["links"]}
    assert "derived_from" in links


# --- failures and data operations ---------------------------------------------------------------

def test_a_failed_job_has_provenance_naming_the_failure(api, alice, inputs):
    failing = api.register(alice, example("fails-on-purpose"))
    finished = run(api, alice, failing, {"text": inputs["text"]})
    assert finished["status"] == "failed"
    document = stored(api, finished["id"])
    step = next(record for record in records(document, "Activity")
                if record.identifier.uri.endswith(".step.fail"))
    details = attributes(step)
    assert details["rapydo-terms:status"] == "failed" and details["rapydo-terms:exitCode"] == 3
    assert "failing on purpose" in details["rapydo-terms:errorMessage"]
    assert details["rapydo-terms:stderr"].endswith("/logs?step=fail")


def test_data_operations_are_recorded(api, alice):
    folder = api.unique("alice", "ops")
    api.upload(alice, f"{folder}/a.txt", b"original\n")
    assert alice.post(api.url("/api/copy"), json={"source": f"{folder}/a.txt",
                                                   "destination": f"{folder}/b.txt"}).status_code == 201
    assert alice.post(api.url("/api/move"), json={"source": f"{folder}/b.txt",
                                                   "destination": f"{folder}/c.txt"}).status_code == 200

    moved = lineage(api, alice, path=f"{folder}/c.txt", direction="backward", depth=5)
    copy = located(moved)
    assert copy[f"{folder}/c.txt"] == copy[f"{folder}/b.txt"]  # moved: the same entity
    assert f"{folder}/a.txt" in copy  # derived from the original by the copy
    derivations = records(moved, "Derivation")
    assert any(str(attributes(d)["prov:usedEntity"]) for d in derivations)

    assert alice.delete(api.url(f"/api/data{folder}/a.txt")).status_code == 204
    forward = lineage(api, alice, entity=copy[f"{folder}/a.txt"], direction="forward", depth=2)
    assert records(forward, "Invalidation")


# --- the SCAPE provenance requirements, one by one -------------------------------------------
# (SCAPE project, "Preservation provenance": a minimum set and a highly desirable set.)

def _relations(document, kind):
    return [attributes(record) for record in records(document, kind)]



SCAPE = {
    # minimum
    "artifacts used, with ids": lambda d: all(r.get("prov:entity") for r in _relations(d, "Usage"))
    and len(_relations(d, "Usage")) >= 5,
    "artifacts generated, with ids": lambda d: all(r.get("prov:entity") for r in _relations(d, "Generation"))
    and len(_relations(d, "Generation")) >= 3,  # upper, join, count: each output generated once
    "process executions": lambda d: {str(r.identifier).rsplit(".", 1)[-1] for r in records(d, "Activity")}
    >= {"upper", "join", "count"},
    "roles": lambda d: all("prov:role" in r for r in _relations(d, "Usage") + _relations(d, "Generation")),
    # highly desirable
    "start and end times with a timezone": lambda d: all(
        r.get_startTime() and r.get_endTime() and r.get_startTime().tzinfo and r.get_endTime().tzinfo
        for r in records(d, "Activity")),
    "the agent who ran it": lambda d: any("prov:Person" in str(attributes(r).get("prov:type"))
                                          for r in records(d, "Agent")),
    "the host": lambda d: any("rapydo-terms:Host" in str(attributes(r).get("prov:type"))
                              for r in records(d, "Agent")),
    "the software, with versions": lambda d: {str(r.identifier).split(".")[1] for r in records(d, "Agent")
                                              if "SoftwareAgent" in str(list(r.attributes))
                                              and attributes(r).get("rapydo-terms:version")}
    >= {"rapydo-irods", "cwltool"},
    "checksums of the data": lambda d: all(attributes(r).get("rapydo-terms:sha256")
                                           for r in records(d, "Entity")
                                           if "prov:location" in attributes(r)
                                           and "prov:Plan" not in str(list(r.attributes))),
}


@pytest.mark.parametrize("requirement", list(SCAPE))
def test_scape_requirement(api, job, requirement):
    assert SCAPE[requirement](stored(api, job["id"])), requirement


def test_scape_requirement_failures_are_recorded(api, alice, inputs):
    failing = api.register(alice, example("fails-on-purpose"))
    document = stored(api, run(api, alice, failing, {"text": inputs["text"]})["id"])
    run_activity = next(r for r in records(document, "Activity") if "WorkflowRun" in str(list(r.attributes)))
    assert attributes(run_activity)["rapydo-terms:status"] == "failed"
    assert "step fail failed with exit code 3" in attributes(run_activity)["rapydo-terms:errorMessage"]


DIRECTORY_WORKFLOW = """cwlVersion: v1.2
class: Workflow
inputs: {folder: Directory}
outputs:
  all: {type: File, outputSource: concat/out}
steps:
  concat:
    in: {dir: folder}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'cat "$0"/*']
      arguments: [$(inputs.dir.path)]
      stdout: all.txt
      inputs: {dir: Directory}
      outputs: {out: stdout}
"""


def test_a_collection_input_is_a_prov_collection_of_its_files(api, alice):
    folder = api.unique("alice", "folder")
    api.upload(alice, f"{folder}/a.txt", b"alpha\n")
    api.upload(alice, f"{folder}/b.txt", b"beta\n")
    workflow = api.register(alice, DIRECTORY_WORKFLOW)
    created = api.submit(alice, workflow, {"folder": {"class": "Directory", "path": folder}},
                         api.unique("alice", "out"))
    finished = api.wait(alice, created.json()["id"])
    assert finished["status"] == "successful", finished

    document = stored(api, finished["id"])
    collections = [r for r in records(document, "Entity") if "prov:Collection" in str(list(r.attributes))]
    assert [v.paths_of(document, r) for r in collections] == [[folder]]
    members = {str(attributes(m)["prov:entity"]) for m in records(document, "Membership")}
    by_path = {path: entity for path, entity in located(document).items()}
    assert {by_path[f"{folder}/a.txt"], by_path[f"{folder}/b.txt"]} <= {
        ID + name.split(":", 1)[1] for name in members}
    output = alice.get(api.url(f"/api/jobs/{finished['id']}/results")).json()["all"]["path"]
    assert api.download(alice, output) == b"alpha\nbeta\n"
