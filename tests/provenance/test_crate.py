"""A job as a Workflow Run RO-Crate: zipped, unzipped, read back with `rocrate`, and checked
for what a user of the crate would look at."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rocrate.rocrate import ROCrate

from backend.provenance import vocabulary as v
from backend.provenance.crate import crate_zip

CWL = (Path(__file__).parents[2] / "projects/default/workflows/two-step-text.cwl").read_text()
JOB = "3f1c2a9e-0b7d-4c1e-9a55-2f0e8d6b7a10"
TEXT = b"the quick brown fox jumps over the lazy dog\n"
COUNT = b"9\n"
PROV_JSON = '{"prefix": {"rapydo": "https://w3id.org/rapydo/id/"}, "activity": {}}'
API = "http://127.0.0.1:8080/api"
WFRUN = "https://w3id.org/ro/wfrun"
COMPLETED, FAILED = "http://schema.org/CompletedActionStatus", "http://schema.org/FailedActionStatus"


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def a_run(status: str = "successful", **changes) -> dict:
    """A run description as the jobs layer builds it for the two-step-text workflow."""
    failed = status != "successful"
    run = {
        "job": {"id": JOB, "status": status,
                "message": "step count failed with exit code 2: wc: invalid option" if failed else "",
                "created": "2026-12-01T20:18:19.049344+00:00", "started": "2026-12-01T20:18:20.120000+00:00",
                "finished": "2026-12-01T20:18:25.870000+00:00", "owner": "alice",
                "outputs": "/tempZone/home/alice/out1"},
        "workflow": {"name": "text-two-step", "version": "1.0",
                     "checksum": "sha256:" + hashlib.sha256(CWL.encode()).hexdigest(), "cwl": CWL,
                     "path": "/tempZone/home/alice/workflows/text-two-step/1.0/workflow.cwl"},
        "inputs": [{"port": "text", "path": "/tempZone/home/alice/in/quick fox.txt", "size": len(TEXT),
                    "checksum": sha2(TEXT), "entity": "https://w3id.org/rapydo/id/object/5b0c7c2e"}],
        "outputs": [] if failed else [
            {"port": "counted", "path": "/tempZone/home/alice/out1/counted/count.txt", "size": len(COUNT),
             "checksum": sha2(COUNT), "step": "count", "created": "2026-12-01T20:18:25.600000+00:00",
             "entity": f"https://w3id.org/rapydo/id/run/{JOB}/output/counted/0"}],
        "steps": [
            {"name": "upper", "status": "successful", "started": "2026-12-01T20:18:21.000000+00:00",
             "finished": "2026-12-01T20:18:22.500000+00:00", "exit_code": 0},
            {"name": "count", "status": status, "started": "2026-12-01T20:18:23.000000+00:00",
             "finished": "2026-12-01T20:18:25.400000+00:00", "exit_code": 2 if failed else 0}],
        "agents": {"user": "alice", "software": {"name": "rapydo-irods", "version": "0.1.0"},
                   "engine": {"name": "cwltool", "version": "3.3.20260925135507"}, "host": "vm"},
        "urls": {"data": f"{API}/data", "job": f"{API}/jobs/{JOB}", "provenance": f"{API}/jobs/{JOB}/prov"},
        "prov_json": PROV_JSON,
    }
    run.update(changes)
    return run


def unzip(run: dict, tmp_path: Path) -> tuple[ROCrate, Path]:
    folder = tmp_path / "crate"
    with zipfile.ZipFile(io.BytesIO(crate_zip(run))) as archive:
        archive.extractall(folder)
    return ROCrate(folder), folder


def the_run(crate: ROCrate):
    """The CreateAction of the workflow run: the one whose instrument is the main entity."""
    runs = [action for action in crate.get_by_type("CreateAction")
            if action["instrument"] is crate.mainEntity]
    assert len(runs) == 1
    return runs[0]


def status(action) -> str:
    """The action's status: a reference to a schema.org ActionStatusType, as the profiles write it."""
    value = action.properties()["actionStatus"]
    assert isinstance(value, dict) and list(value) == ["@id"]
    return value["@id"]


def ids(entities) -> list[str]:
    return [entity.id for entity in (entities if isinstance(entities, list) else [entities])]


def utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == timedelta(0), f"{value} is not in UTC with its offset"
    return moment


def test_the_workflow_is_the_main_entity_with_its_document_and_checksum(tmp_path):
    crate, folder = unzip(a_run(), tmp_path)

    workflow = crate.mainEntity
    assert workflow.id == "workflow.cwl"
    assert {"File", "SoftwareSourceCode", "ComputationalWorkflow"} <= set(workflow.type)
    assert (folder / "workflow.cwl").read_text() == CWL
    assert workflow["sha256"] == hashlib.sha256(CWL.encode()).hexdigest()
    assert workflow["name"] == "text-two-step" and workflow["version"] == "1.0"
    assert workflow["programmingLanguage"].id == "https://w3id.org/workflowhub/workflow-ro-crate#cwl"
    assert workflow["programmingLanguage"]["version"] == "v1.2"
    assert workflow["contentUrl"] == f"{API}/data/tempZone/home/alice/workflows/text-two-step/1.0/workflow.cwl"
    # The ports the run used, as the workflow's formal parameters.
    assert [(p["name"], p.type) for p in workflow["input"]] == [("text", "FormalParameter")]
    assert [(p["name"], p.type) for p in workflow["output"]] == [("counted", "FormalParameter")]


def test_the_crate_declares_the_run_crate_profiles(tmp_path):
    crate, _ = unzip(a_run(), tmp_path)

    # The released profiles: the 0.5 run profiles build on RO-Crate 1.1 and Workflow RO-Crate
    # 1.0, which (as that profile asks) the metadata descriptor names beside RO-Crate 1.1.
    assert crate.metadata.properties()["conformsTo"] == [
        {"@id": "https://w3id.org/ro/crate/1.1"},
        {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"}]
    profiles = crate.root_dataset["conformsTo"]
    assert sorted(ids(profiles)) == [f"{WFRUN}/process/0.5", f"{WFRUN}/provenance/0.5",
                                     f"{WFRUN}/workflow/0.5",
                                     "https://w3id.org/workflowhub/workflow-ro-crate/1.0"]
    for profile in profiles:
        assert profile.get("name") and profile["version"] in ("0.5", "1.0")
    assert crate.root_dataset["datePublished"] == "2026-12-01T20:18:25.870000+00:00"


def test_every_term_is_defined_by_a_context_the_crate_names(tmp_path):
    _, folder = unzip(a_run(), tmp_path)
    metadata = json.loads((folder / "ro-crate-metadata.json").read_text())

    assert metadata["@context"] == ["https://w3id.org/ro/crate/1.1/context",
                                    "https://w3id.org/ro/terms/workflow-run/context",
                                    {"exitCode": "https://w3id.org/rapydo/terms#exitCode"}]
    # exitCode is ours (the term the PROV records use): described in the crate too.
    [term] = [e for e in metadata["@graph"] if e["@id"] == "https://w3id.org/rapydo/terms#exitCode"]
    assert term["@type"] == "rdf:Property" and term["rdfs:label"] == "exitCode"


@pytest.mark.parametrize("licence, expected", [
    (None, {"@id": "https://creativecommons.org/licenses/by/4.0/"}),
    ("https://creativecommons.org/publicdomain/zero/1.0/",
     {"@id": "https://creativecommons.org/publicdomain/zero/1.0/"}),
    ("for members of the consortium only", "for members of the consortium only"),
])
def test_the_crate_has_the_deployments_licence(tmp_path, licence, expected):
    run = a_run() if licence is None else a_run(license=licence)
    _, folder = unzip(run, tmp_path)
    graph = {e["@id"]: e for e in json.loads((folder / "ro-crate-metadata.json").read_text())["@graph"]}

    assert graph["./"]["license"] == expected
    if isinstance(expected, dict):
        assert graph[expected["@id"]]["@type"] == "CreativeWork" and graph[expected["@id"]]["name"]


def test_a_successful_run_is_a_completed_create_action(tmp_path):
    crate, _ = unzip(a_run(), tmp_path)

    action = the_run(crate)
    assert action.id == v.run_id(JOB).uri  # the run's id in PROV
    assert action in crate.root_dataset["mentions"]
    assert status(action) == COMPLETED
    assert "error" not in action
    assert utc(action["startTime"]) == datetime.fromisoformat("2026-12-01T20:18:20.120000+00:00")
    assert utc(action["endTime"]) == datetime.fromisoformat("2026-12-01T20:18:25.870000+00:00")
    assert action["agent"].type == "Person" and action["agent"]["name"] == "alice"
    assert ids(action["object"]) == [f"{API}/data/tempZone/home/alice/in/quick%20fox.txt"]
    assert ids(action["result"]) == [f"{API}/data/tempZone/home/alice/out1/counted/count.txt"]


@pytest.mark.parametrize("role", ["object", "result"])
def test_inputs_and_outputs_are_located_in_storage_and_not_copied(tmp_path, role):
    run = a_run()
    crate, folder = unzip(run, tmp_path)
    item, content = (run["inputs"][0], TEXT) if role == "object" else (run["outputs"][0], COUNT)

    [entity] = the_run(crate)[role]
    url = f"{API}/data" + item["path"].replace(" ", "%20")
    assert entity.type == "File" and entity.id == url and entity["contentUrl"] == url
    assert entity["contentSize"] == str(len(content))
    assert entity["sha256"] == hashlib.sha256(content).hexdigest()
    assert entity["identifier"] == item["entity"]  # the same object in the PROV record
    assert entity["encodingFormat"] == "text/plain"
    assert item["path"] in entity["description"]
    utc(entity["sdDatePublished"])
    assert entity in crate.root_dataset["hasPart"]
    [parameter] = entity["exampleOfWork"]
    assert parameter["name"] == item["port"]
    # Data stays in iRODS: the crate holds the metadata, the workflow and the PROV record only.
    assert sorted(path.name for path in folder.rglob("*")) == [
        "provenance.json", "ro-crate-metadata.json", "workflow.cwl"]


def test_steps_cwltool_and_rapydo_are_recorded(tmp_path):
    crate, _ = unzip(a_run(), tmp_path)
    workflow, action = crate.mainEntity, the_run(crate)

    steps = workflow["step"]
    assert [(step["name"], step["position"]) for step in steps] == [("upper", "0"), ("count", "1")]
    assert "HowTo" in workflow.type
    controls = {control["instrument"]["name"]: control for control in crate.get_by_type("ControlAction")}
    assert sorted(controls) == ["count", "upper"]
    count = controls["count"]["object"]
    assert count.id == v.step_id(JOB, "count").uri
    assert count["instrument"] is controls["count"]["instrument"]["workExample"]
    assert count["instrument"] in workflow["hasPart"]
    assert status(count) == COMPLETED and count["exitCode"] == 0
    assert (utc(count["startTime"]), utc(count["endTime"])) == (
        datetime.fromisoformat("2026-12-01T20:18:23+00:00"), datetime.fromisoformat("2026-12-01T20:18:25.4+00:00"))
    assert ids(count["result"]) == ids(action["result"])  # count made the workflow's output

    [engine_run] = crate.get_by_type("OrganizeAction")
    assert engine_run["result"] is action
    assert sorted(ids(engine_run["object"])) == sorted(ids(list(controls.values())))
    engine = engine_run["instrument"]
    assert engine.type == "SoftwareApplication"
    assert (engine["name"], engine["softwareVersion"]) == ("cwltool", "3.3.20260925135507")
    rapydo = engine_run["participant"]
    assert (rapydo.type, rapydo["name"], rapydo["softwareVersion"]) == (
        "SoftwareApplication", "rapydo-irods", "0.1.0")


def test_the_prov_record_is_in_the_crate_about_the_run(tmp_path):
    crate, folder = unzip(a_run(), tmp_path)

    prov = crate.get("provenance.json")
    assert (folder / "provenance.json").read_text() == PROV_JSON
    assert prov["encodingFormat"] == "application/json"
    assert prov["about"] is the_run(crate)
    assert prov["url"] == f"{API}/jobs/{JOB}/prov"


@pytest.mark.parametrize("job_status, message, step_status, exit_code, step_error", [
    ("failed", "step count failed with exit code 2: wc: invalid option", "failed", 2,
     "step count failed with exit code 2"),
    ("dismissed", "dismissed by alice", "running", None, "step count was running when the job stopped"),
])
def test_a_run_that_did_not_complete_is_a_failed_action_with_its_error(
        tmp_path, job_status, message, step_status, exit_code, step_error):
    run = a_run(job_status)
    run["job"]["message"] = message
    run["steps"][1].update(status=step_status, exit_code=exit_code)
    run["steps"].append({"name": "never", "status": "waiting", "started": None, "finished": None,
                         "exit_code": None})
    crate, _ = unzip(run, tmp_path)

    action = the_run(crate)
    assert status(action) == FAILED
    assert action["error"] == message
    assert "result" not in action  # no outputs were stored
    utc(action["endTime"])
    by_name = {step["name"]: step for step in crate.mainEntity["step"]}
    assert sorted(by_name) == ["count", "upper"]  # a step that never ran had no execution
    runs = {c["instrument"]["name"]: c["object"] for c in crate.get_by_type("ControlAction")}
    assert status(runs["upper"]) == COMPLETED and "error" not in runs["upper"]
    assert status(runs["count"]) == FAILED and runs["count"]["error"] == step_error
    assert runs["count"].get("exitCode") == exit_code


def test_without_prov_or_steps_it_is_still_a_workflow_run_crate(tmp_path):
    run = a_run(steps=[])
    del run["prov_json"]
    crate, folder = unzip(run, tmp_path)

    assert not (folder / "provenance.json").exists() and crate.get("provenance.json") is None
    profiles = ids(crate.root_dataset["conformsTo"])
    assert f"{WFRUN}/workflow/0.5" in profiles and f"{WFRUN}/provenance/0.5" not in profiles
    assert status(the_run(crate)) == COMPLETED
    assert "step" not in crate.mainEntity


def test_times_without_an_offset_are_taken_as_utc(tmp_path):
    run = a_run()
    run["job"] = {**run["job"], "started": "2026-12-01T20:18:20", "finished": "2026-12-01T21:18:25+01:00"}
    crate, _ = unzip(run, tmp_path)

    action = the_run(crate)
    assert action["startTime"] == "2026-12-01T20:18:20+00:00"
    assert action["endTime"] == "2026-12-01T20:18:25+00:00"


def test_the_same_run_gives_the_same_bytes():
    assert crate_zip(a_run()) == crate_zip(a_run())


def test_building_the_crate_fetches_nothing(monkeypatch):
    # Inputs and outputs are only named by URL: neither downloaded nor checked on the network.
    def refuse(*args, **kwargs):
        raise AssertionError("the crate tried to reach the network")

    monkeypatch.setattr("socket.socket.connect", refuse)
    monkeypatch.setattr("socket.create_connection", refuse)
    assert zipfile.ZipFile(io.BytesIO(crate_zip(a_run()))).testzip() is None


def test_software_without_a_recorded_version_has_none(tmp_path):
    run = a_run()
    run["agents"]["engine"]["version"] = ""
    crate, _ = unzip(run, tmp_path)

    [engine_run] = crate.get_by_type("OrganizeAction")
    engine = engine_run["instrument"]
    assert engine["name"] == "cwltool" and "softwareVersion" not in engine
    assert engine.id == v.ident("software/cwltool").uri
