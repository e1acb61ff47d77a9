"""A job's outputs as STAC Items, validated offline against the STAC Item 1.0.0, Processing
1.2.0 and File 2.1.0 JSON Schemas (vendored in schemas/, see its README)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT7

from backend.provenance.stac import FILE, PROCESSING, stac_collection, stac_item, stac_items

SCHEMAS = Path(__file__).parent / "schemas"
JOB = "9b2f4d1a-6c3e-4f7a-8d2b-0e1f2a3b4c5d"
API = "http://127.0.0.1:8080/api"
CWL = "cwlVersion: v1.2\nclass: Workflow\n# ...\n"
TEXT, OTHER = b"the quick brown fox jumps over the lazy dog\n", b"pack my box with five dozen liquor jugs\n"
COUNT, UPPER, LOWER = b"9\n", TEXT.upper(), TEXT.lower()


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def a_run() -> dict:
    """A finished run with two inputs, and outputs on two ports (one of them an array)."""
    def output(port, path, data, step, created):
        return {"port": port, "path": f"/tempZone/home/alice/out2/{path}", "size": len(data),
                "checksum": sha2(data), "step": step, "created": created,
                "entity": f"https://w3id.org/rapydo/id/run/{JOB}/output/{port}"}

    return {
        "job": {"id": JOB, "status": "successful", "message": "",
                "created": "2026-12-01T20:18:19.049344+00:00", "started": "2026-12-01T20:18:20+00:00",
                "finished": "2026-12-01T20:18:31.250000+00:00", "owner": "alice",
                "outputs": "/tempZone/home/alice/out2"},
        "workflow": {"name": "text-fan-out", "version": "2.1", "checksum": "sha256:" + "0" * 64,
                     "cwl": CWL, "path": "/tempZone/home/alice/workflows/text-fan-out/2.1/workflow.cwl"},
        "inputs": [
            {"port": "text", "path": "/tempZone/home/alice/in/quick fox.txt", "size": len(TEXT),
             "checksum": sha2(TEXT), "entity": "https://w3id.org/rapydo/id/object/1"},
            {"port": "extra", "path": "/tempZone/home/alice/in/jugs.txt", "size": len(OTHER),
             "checksum": sha2(OTHER), "entity": "https://w3id.org/rapydo/id/object/2"}],
        "outputs": [
            output("counted", "counted/count.txt", COUNT, "count", "2026-12-01T20:18:25.600000+00:00"),
            output("cases", "cases/upper.txt", UPPER, "cases", "2026-12-01T20:18:28+00:00"),
            output("cases", "cases/lower.txt", LOWER, "cases", "2026-12-01T20:18:29+00:00")],
        "steps": [{"name": "count", "status": "successful", "started": None, "finished": None, "exit_code": 0},
                  {"name": "cases", "status": "successful", "started": None, "finished": None, "exit_code": 0}],
        "agents": {"user": "alice", "software": {"name": "rapydo-irods", "version": "0.1.0"},
                   "engine": {"name": "cwltool", "version": "3.3.20260925135507"}, "host": "vm"},
        "urls": {"data": f"{API}/data", "job": f"{API}/jobs/{JOB}", "provenance": f"{API}/jobs/{JOB}/prov"},
    }


def _refuse(uri: str):
    # No network at test time: a schema that is not vendored is an error, never a download.
    raise NoSuchResource(ref=uri)


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.rglob("*.json")):
        contents = json.loads(path.read_text())
        resources.append((contents["$id"].rstrip("#"),
                          Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry(retrieve=_refuse).with_resources(resources)


REGISTRY = _registry()
ITEM = "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json"


# STAC's datetimes are "format": "date-time": checked only where rfc3339-validator is installed.
assert "date-time" in Draft7Validator.FORMAT_CHECKER.checkers


def validator(uri: str) -> Draft7Validator:
    schema = REGISTRY.contents(uri)
    return Draft7Validator(schema, registry=REGISTRY, format_checker=Draft7Validator.FORMAT_CHECKER)


VALIDATORS = {name: validator(uri) for name, uri in
              (("item", ITEM), ("processing", PROCESSING), ("file", FILE))}


def errors(item: dict) -> list[str]:
    return [f"{name}: {error.message} at {list(error.absolute_path)}"
            for name, check in VALIDATORS.items() for error in check.iter_errors(item)]


def utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == timedelta(0)
    return moment


def test_every_output_is_a_valid_stac_item():
    collection = stac_items(a_run())

    assert collection["type"] == "FeatureCollection"
    items = collection["features"]
    assert [item["id"] for item in items] == [f"{JOB}-counted-0", f"{JOB}-cases-0", f"{JOB}-cases-1"]
    for item in items:
        assert errors(item) == []
        assert item["stac_version"] == "1.0.0" and item["type"] == "Feature"
        assert PROCESSING in item["stac_extensions"] and FILE in item["stac_extensions"]
        assert item["geometry"] is None and "bbox" not in item  # no footprint known


def test_the_processing_fields_say_what_made_the_output():
    [counted, upper, _] = stac_items(a_run())["features"]
    props = counted["properties"]

    assert props["processing:software"] == {
        "rapydo-irods": "0.1.0", "cwltool": "3.3.20260925135507", "text-fan-out": "2.1"}
    assert props["processing:version"] == "2.1"
    assert utc(props["processing:datetime"]) == datetime.fromisoformat("2026-12-01T20:18:31.25+00:00")
    assert props["processing:facility"] == "vm"
    assert props["processing:expression"] == {"format": "cwl", "expression": CWL}
    lineage = props["processing:lineage"]
    assert "step 'count'" in lineage and "text-fan-out 2.1" in lineage and JOB in lineage
    assert "/tempZone/home/alice/in/quick fox.txt" in lineage and "/tempZone/home/alice/in/jugs.txt" in lineage
    assert "step 'cases'" in upper["properties"]["processing:lineage"]
    # datetime: when the output was made, not when the job ended.
    assert utc(props["datetime"]) == datetime.fromisoformat("2026-12-01T20:18:25.6+00:00")
    assert utc(upper["properties"]["datetime"]) == datetime.fromisoformat("2026-12-01T20:18:28+00:00")


def test_the_asset_is_the_output_file_in_storage():
    [counted, upper, lower] = stac_items(a_run())["features"]

    assert counted["assets"] == {"data": {
        "href": f"{API}/data/tempZone/home/alice/out2/counted/count.txt", "title": "count.txt",
        "type": "text/plain", "roles": ["data"], "file:size": len(COUNT),
        # multihash: 0x12 = sha2-256, 0x20 = 32 bytes, then the digest
        "file:checksum": "1220" + hashlib.sha256(COUNT).hexdigest()}}
    assert upper["assets"]["data"]["file:checksum"] == "1220" + hashlib.sha256(UPPER).hexdigest()
    assert lower["assets"]["data"]["href"].endswith("/cases/lower.txt")


def test_links_lead_to_the_inputs_and_to_the_provenance():
    for item in stac_items(a_run())["features"]:
        links = item["links"]
        derived = [link for link in links if link["rel"] == "derived_from"]
        assert [link["href"] for link in derived] == [
            f"{API}/data/tempZone/home/alice/in/quick%20fox.txt", f"{API}/data/tempZone/home/alice/in/jugs.txt"]
        assert derived[0]["file:checksum"] == "1220" + hashlib.sha256(TEXT).hexdigest()
        assert derived[1]["file:size"] == len(OTHER) and derived[1]["type"] == "text/plain"
        [via] = [link for link in links if link["rel"] == "via"]
        assert via["href"] == f"{API}/jobs/{JOB}/prov"
        assert {"rel": "related", "href": f"{API}/jobs/{JOB}"}.items() <= next(
            link for link in links if link["rel"] == "related").items()


def test_a_checksum_that_is_not_sha256_is_left_out():
    run = a_run()
    run["outputs"][0]["checksum"] = "d41d8cd98f00b204e9800998ecf8427e"  # an iRODS md5

    item = stac_items(run)["features"][0]
    assert "file:checksum" not in item["assets"]["data"] and errors(item) == []


def test_no_outputs_no_items():
    run = a_run()
    run["outputs"] = []
    assert stac_items(run) == {"type": "FeatureCollection", "features": []}


def _without_processing(item):
    for key in [key for key in item["properties"] if key.startswith("processing:")]:
        del item["properties"][key]


def _without_processing_extension(item):
    item["stac_extensions"].remove(PROCESSING)


def _local_processing_time(item):
    item["properties"]["processing:datetime"] = "2026-12-01T21:18:31+01:00"


def _unreadable_datetime(item):
    item["properties"]["datetime"] = "yesterday"


def _no_datetime(item):
    del item["properties"]["datetime"]


def _expression_without_format(item):
    del item["properties"]["processing:expression"]["format"]


def _software_version_not_a_string(item):
    item["properties"]["processing:software"]["cwltool"] = 3.3


def _bad_checksum(item):
    item["assets"]["data"]["file:checksum"] = "sha2:XYZ="


def _a_bbox_without_geometry(item):
    item["bbox"] = [0, 0, 1, 1]


@pytest.mark.parametrize("spoil", [
    _without_processing, _without_processing_extension, _local_processing_time, _unreadable_datetime,
    _no_datetime, _expression_without_format, _software_version_not_a_string, _bad_checksum,
    _a_bbox_without_geometry])
def test_an_item_that_breaks_the_schemas_fails_validation(spoil):
    # The validators are really wired: each of these must be caught by some schema.
    item = copy.deepcopy(stac_items(a_run())["features"][0])
    spoil(item)
    assert errors(item) != []


def test_a_schema_that_is_not_vendored_is_an_error_not_a_download():
    check = Draft7Validator({"$ref": "https://example.org/not-here.json"}, registry=REGISTRY)
    with pytest.raises(Unresolvable):
        check.validate({})


def test_an_unknown_step_or_version_is_not_made_up():
    run = a_run()
    run["outputs"][0]["step"] = "text-fan-out"  # the jobs layer's fallback: the workflow's name
    run["agents"]["engine"]["version"] = ""  # the PROV record named no cwltool version

    item = stac_items(run)["features"][0]
    assert item["properties"]["processing:lineage"].startswith("Made by workflow text-fan-out 2.1 ")
    assert item["properties"]["processing:software"] == {"rapydo-irods": "0.1.0", "text-fan-out": "2.1"}
    assert errors(item) == []


# --- the job as a STAC Collection, Items on their own, derived_from Items ---------------------

def _collection_validator() -> Draft7Validator:
    """STAC Collection 1.1.0, offline: the schemas pystac ships (pystac's local validation
    cache, the same files its own validator reads), nothing fetched."""
    from pystac.validation.local_validator import get_local_schema_cache

    cache = get_local_schema_cache()
    registry = Registry(retrieve=_refuse).with_resources(
        (uri, Resource.from_contents(schema, default_specification=DRAFT7))
        for uri, schema in cache.items())
    uri = "https://schemas.stacspec.org/v1.1.0/collection-spec/json-schema/collection.json"
    return Draft7Validator(cache[uri], registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


COLLECTION = _collection_validator()


def collection_errors(collection: dict) -> list[str]:
    return [f"{error.message} at {list(error.absolute_path)}" for error in COLLECTION.iter_errors(collection)]


def served_run() -> dict:
    run = a_run()
    run["urls"]["stac"] = f"{API}/jobs/{JOB}/stac"
    return run


def test_the_job_is_a_valid_stac_collection_of_its_items():
    collection = stac_collection(served_run())

    assert collection_errors(collection) == []
    assert collection["type"] == "Collection" and collection["id"] == f"job-{JOB}"
    assert collection["license"] == "CC-BY-4.0"
    assert collection["extent"]["spatial"]["bbox"] == [[-180.0, -90.0, 180.0, 90.0]]
    [[start, end]] = collection["extent"]["temporal"]["interval"]
    assert utc(start) == datetime.fromisoformat("2026-12-01T20:18:20+00:00")
    assert utc(end) == datetime.fromisoformat("2026-12-01T20:18:31.25+00:00")
    items = [link["href"] for link in collection["links"] if link["rel"] == "item"]
    assert items == [f"{API}/jobs/{JOB}/stac/items/{JOB}-{port}" for port in ("counted-0", "cases-0", "cases-1")]
    rels = {link["rel"]: link["href"] for link in collection["links"]}
    assert rels["self"] == f"{API}/jobs/{JOB}/stac/collection" and rels["via"] == f"{API}/jobs/{JOB}/prov"


def test_another_licence_is_other_with_a_link_and_a_running_job_is_open_ended():
    run = served_run()
    run["license"] = "https://example.org/our-data-policy"
    run["job"]["finished"] = None
    collection = stac_collection(run)

    assert collection_errors(collection) == []
    assert collection["license"] == "other"
    assert {"rel": "license", "href": "https://example.org/our-data-policy"}.items() <= next(
        link for link in collection["links"] if link["rel"] == "license").items()
    assert collection["extent"]["temporal"]["interval"][0][1] is None


def test_a_collection_that_breaks_the_schema_fails_validation():
    collection = stac_collection(served_run())
    del collection["extent"]["spatial"]
    assert collection_errors(collection) != []


def test_served_items_link_to_themselves_and_their_collection():
    run = served_run()
    for item in stac_items(run)["features"]:
        assert errors(item) == []
        rels = {link["rel"]: link["href"] for link in item["links"]}
        assert rels["self"] == f"{API}/jobs/{JOB}/stac/items/{item['id']}"
        assert rels["collection"] == f"{API}/jobs/{JOB}/stac/collection"
        assert item["collection"] == f"job-{JOB}"
    assert stac_item(run, f"{JOB}-cases-1")["assets"]["data"]["href"].endswith("/cases/lower.txt")
    assert stac_item(run, f"{JOB}-cases-2") is None


def test_an_input_made_by_an_earlier_job_is_derived_from_its_item():
    run = a_run()
    earlier = "http://127.0.0.1:8080/api/jobs/0e1f/stac/items/0e1f-counted-0"
    run["inputs"][0]["stac_item"] = earlier
    item = stac_items(run)["features"][0]

    derived = [link for link in item["links"] if link["rel"] == "derived_from"]
    assert derived[0] == {"rel": "derived_from", "href": earlier, "type": "application/geo+json",
                          "title": "input 'text': /tempZone/home/alice/in/quick fox.txt"}
    assert derived[1]["href"] == f"{API}/data/tempZone/home/alice/in/jugs.txt"  # an upload: the file
    assert errors(item) == []


# --- live: a chained run ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def chained(tmp_path_factory):
    """Job 1 (two-step-text) on an upload, then job 2 (the same workflow) on job 1's output."""
    from tests.workflows.deployment import example, jobs_deployment

    with jobs_deployment(tmp_path_factory.mktemp("stac")) as api:
        alice = api.user("alice")
        source = f"{api.unique('alice', 'in')}/text.txt"
        api.upload(alice, source, TEXT)
        workflow = api.register(alice, example("two-step-text"))
        jobs = []
        for text in (source, None):
            text = text or alice.get(api.url(f"/api/jobs/{jobs[0]['id']}/results")).json()["counted"]["path"]
            created = api.submit(alice, workflow, {"text": {"class": "File", "path": text}},
                                 api.unique("alice", "out"))
            assert created.status_code == 201, created.text
            jobs.append(api.wait(alice, created.json()["id"]))
            assert jobs[-1]["status"] == "successful", jobs[-1]
        yield api, alice, jobs


def test_a_chained_runs_item_is_derived_from_the_earlier_item(chained):
    api, alice, (first, second) = chained
    [item] = alice.get(api.url(f"/api/jobs/{second['id']}/stac")).json()["features"]
    assert errors(item) == []

    [derived] = [link for link in item["links"] if link["rel"] == "derived_from"]
    assert derived["href"] == api.url(f"/api/jobs/{first['id']}/stac/items/{first['id']}-counted-0")
    earlier = alice.get(derived["href"])
    assert earlier.status_code == 200 and earlier.headers["Content-Type"] == "application/geo+json"
    assert earlier.json()["id"] == f"{first['id']}-counted-0" and errors(earlier.json()) == []
    # Job 1's own input was an upload: its Item points at the file.
    [first_item] = alice.get(api.url(f"/api/jobs/{first['id']}/stac")).json()["features"]
    [raw] = [link for link in first_item["links"] if link["rel"] == "derived_from"]
    assert "/api/data/" in raw["href"] and "/stac/" not in raw["href"]


def test_the_collection_and_items_are_served_to_whoever_may_see_the_job(chained):
    api, alice, (first, _) = chained
    collection = alice.get(api.url(f"/api/jobs/{first['id']}/stac/collection"))
    assert collection.status_code == 200 and collection_errors(collection.json()) == []
    [item_link] = [link for link in collection.json()["links"] if link["rel"] == "item"]
    assert alice.get(item_link["href"]).json()["id"] == f"{first['id']}-counted-0"
    assert alice.get(api.url(f"/api/jobs/{first['id']}/stac/items/nothing-0")).status_code == 404

    bob = api.user("bob")
    for path in ("stac/collection", f"stac/items/{first['id']}-counted-0", "stac"):
        assert bob.get(api.url(f"/api/jobs/{first['id']}/{path}")).status_code == 404
