"""OGC API - Processes 1.0 (/api/ogc) on a live deployment (uWSGI + a Celery worker on the
real RabbitMQ), driven by OWSLib, a real OGC client; every document it answers is validated
against the OGC schemas (tests/ogc/schemas/).

OWSLib 0.35's `Processes` has processes(), process(), execute() and conformance(), but no
call for a job's status, results or dismissal: those go through its generic `_request` (the
same HTTP machinery, with the same headers). Its execute() always sends
`Prefer: respond-async` or `respond-sync`, so executions with `Prefer: wait=N` use requests.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import rdflib
import requests
from owslib.ogcapi.processes import Processes

from tests.live import wait_for
from tests.ogc.ogc_schemas import check
from tests.workflows.deployment import example, jobs_deployment, sha2, sleeping_workflow

TEXT = b"the quick brown fox\njumps over the lazy dog\n"
OTHER = b"one\ntwo\nthree\n"
OGC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
CONFORMANCE = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"
RESULTS_REL = "http://www.opengis.net/def/rel/ogc/1.0/results"
HAS_PROVENANCE = "http://www.w3.org/ns/prov#has_provenance"


class Ogc:
    """What the tests share: the deployment, alice's OWSLib client, her uploads and processes."""

    def __init__(self, api):
        self.api, self.alice = api, api.user("alice")
        self.base = api.url("/api/ogc")
        self.fox = api.unique("alice", "in") + "/fox.txt"
        self.other = api.unique("alice", "in") + "/other.txt"
        api.upload(self.alice, self.fox, TEXT)
        api.upload(self.alice, self.other, OTHER)
        tag = uuid.uuid4().hex[:6]
        self.two_step = api.register(self.alice, example("two-step-text"), f"two-step-{tag}").split("/")[0]
        self.scatter = api.register(self.alice, example("scatter-line-count"), f"scatter-{tag}").split("/")[0]
        self.fails = api.register(self.alice, example("fails-on-purpose"), f"fails-{tag}").split("/")[0]
        self.sleeps = api.register(self.alice, sleeping_workflow(4711), f"sleeps-{tag}").split("/")[0]

    def token(self, session) -> str:
        return session.headers["Authorization"].split()[1]

    def owslib(self, session=None) -> Processes:
        # OWSLib keeps its request headers in one module-level dict shared by every client:
        # set the caller's token each time.
        client = Processes(self.base, headers={"Authorization": f"Bearer {self.token(session or self.alice)}"})
        client.headers["Authorization"] = f"Bearer {self.token(session or self.alice)}"
        return client

    def execute(self, process: str, inputs: dict, prefer: str | None = None, session=None):
        headers = {"Prefer": prefer} if prefer else {}
        return (session or self.alice).post(f"{self.base}/processes/{process}/execution",
                                            json={"inputs": inputs}, headers=headers, timeout=120)

    def status(self, job_id: str, session=None) -> requests.Response:
        return (session or self.alice).get(f"{self.base}/jobs/{job_id}")

    def wait(self, job_id: str, statuses=("successful", "failed", "dismissed")) -> dict:
        seen = {}

        def ended():
            seen.update(check(self.status(job_id).json(), "statusInfo"))
            return seen["status"] in statuses

        assert wait_for(ended, 120), seen
        return dict(seen)


@pytest.fixture(scope="module")
def ogc(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("ogc")) as api:
        yield Ogc(api)


@pytest.fixture(scope="module")
def ran(ogc):
    """Three of alice's jobs, created one after the other: two-step (successful), fails
    (failed), scatter (successful); their statusInfo once ended."""
    jobs = {}
    for name, process, inputs in (
            ("two_step", ogc.two_step, {"text": {"href": ogc.fox}}),
            ("fails", ogc.fails, {"text": {"href": ogc.fox}}),
            ("scatter", ogc.scatter, {"files": [{"href": ogc.fox}, {"href": ogc.other}]})):
        created = ogc.execute(process, inputs)
        assert created.status_code == 201, created.text
        jobs[name] = ogc.wait(created.json()["jobID"])
    assert [jobs[name]["status"] for name in jobs] == ["successful", "failed", "successful"]
    return jobs


def test_owslib_reads_the_landing_page_conformance_and_processes(ogc):
    client = ogc.owslib()
    check(client.response, "landingPage")
    rels = {link["rel"] for link in client.links}
    assert {"service-desc", "http://www.opengis.net/def/rel/ogc/1.0/conformance",
            "http://www.opengis.net/def/rel/ogc/1.0/processes",
            "http://www.opengis.net/def/rel/ogc/1.0/job-list"} <= rels

    conformance = check(client.conformance(), "confClasses")["conformsTo"]
    assert {CONFORMANCE + name for name in ("core", "ogc-process-description", "json", "oas30",
                                            "job-list", "dismiss")} <= set(conformance)

    first_page = client.processes()  # OGC's default limit: 10
    assert 0 < len(first_page) <= 10
    whole = check(ogc.alice.get(f"{ogc.base}/processes", params={"limit": 10000}).json(),
                  "processList")
    listed = {process["id"]: process for process in whole["processes"]}
    assert {ogc.two_step, ogc.scatter, ogc.fails, ogc.sleeps} <= set(listed)
    assert [process["id"] for process in first_page] == list(listed)[:len(first_page)]
    summary = listed[ogc.two_step]
    assert summary["version"] == "1.0"
    assert {"async-execute", "sync-execute", "dismiss"} <= set(summary["jobControlOptions"])
    assert summary["outputTransmission"] == ["reference"]


def test_owslib_describes_processes_from_their_cwl(ogc):
    client = ogc.owslib()
    two_step = check(client.process(ogc.two_step), "process")
    assert two_step["id"] == ogc.two_step and two_step["version"] == "1.0"
    text = two_step["inputs"]["text"]
    assert text["minOccurs"] == 1 and text["maxOccurs"] == 1
    assert text["schema"]["type"] == "string" and text["schema"]["contentEncoding"] == "binary"
    assert two_step["outputs"]["counted"]["schema"]["type"] == "string"
    assert any(link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/execute"
               for link in two_step["links"])

    scatter = check(client.process(ogc.scatter), "process")
    files = scatter["inputs"]["files"]
    assert files["maxOccurs"] == "unbounded" and files["schema"]["type"] == "string"
    assert scatter["outputs"]["counts"]["schema"]["type"] == "array"
    # The same version by its versioned id.
    assert client.process(f"{ogc.scatter}@1.0")["inputs"] == scatter["inputs"]


def test_a_cwl_label_doc_format_and_literal_types_become_the_description(ogc):
    cwl = """cwlVersion: v1.2
class: CommandLineTool
label: Head of a text
doc: The first lines of a text file.
$namespaces: {iana: "https://www.iana.org/assignments/media-types/"}
baseCommand: [head]
inputs:
  text: {type: File, format: "iana:text/plain", label: The text, doc: Any text file., inputBinding: {position: 2}}
  lines: {type: int, default: 3, inputBinding: {prefix: -n, position: 1}}
  ratio: float?
  loud: boolean?
  mode: {type: {type: enum, symbols: [fast, slow]}, default: fast}
outputs:
  head: {type: stdout, label: The first lines}
stdout: head.txt
"""
    name = ogc.api.register(ogc.alice, cwl, f"head-{uuid.uuid4().hex[:6]}").split("/")[0]
    process = check(ogc.owslib().process(name), "process")
    assert process["title"] == "Head of a text"
    assert process["description"] == "The first lines of a text file."
    text = process["inputs"]["text"]
    assert text["title"] == "The text" and text["description"] == "Any text file."
    assert text["schema"]["contentMediaType"] == "text/plain"
    assert process["inputs"]["lines"]["schema"] == {"type": "integer", "default": 3}
    assert process["inputs"]["lines"]["minOccurs"] == 0
    assert process["inputs"]["ratio"]["schema"] == {"type": "number"}
    assert process["inputs"]["ratio"]["minOccurs"] == 0
    assert process["inputs"]["loud"]["schema"] == {"type": "boolean"}
    assert process["inputs"]["mode"]["schema"]["enum"] == ["fast", "slow"]
    assert process["outputs"]["head"]["title"] == "The first lines"


def test_owslib_executes_asynchronously_polls_and_reads_results(ogc):
    client = ogc.owslib()
    created = check(client.execute(ogc.two_step, {"text": {"href": ogc.fox}}, async_=True),
                    "statusInfo")
    assert created["type"] == "process" and created["processID"] == ogc.two_step
    assert created["status"] in ("accepted", "running", "successful")
    job_id = created["jobID"]
    assert client.response_headers["Location"] == f"{ogc.base}/jobs/{job_id}"
    assert client.response_headers["Preference-Applied"] == "respond-async"

    seen = []

    def ended():
        seen.append(check(client._request(path=f"jobs/{job_id}"), "statusInfo"))
        return seen[-1]["status"] in ("successful", "failed", "dismissed")

    assert wait_for(ended, 120), seen[-1]
    status = seen[-1]
    assert status["status"] == "successful" and status["progress"] == 100
    assert all(isinstance(each["progress"], int) and 0 <= each["progress"] <= 100 for each in seen)
    assert datetime.fromisoformat(status["created"]) <= datetime.fromisoformat(status["started"]) \
        <= datetime.fromisoformat(status["finished"])
    links = {link["rel"]: link["href"] for link in status["links"]}
    assert links["self"] == f"{ogc.base}/jobs/{job_id}"
    assert links[RESULTS_REL] == f"{ogc.base}/jobs/{job_id}/results"
    assert links[HAS_PROVENANCE] == links["provenance"] == f"{ogc.base}/jobs/{job_id}/prov"

    results = check(client._request(path=f"jobs/{job_id}/results"), "results")
    counted = results["counted"]
    assert counted["type"] == "text/plain"
    content = ogc.alice.get(counted["href"]).content
    assert content.strip() == b"9"  # the words of TEXT
    # The same bytes the job stored, as /api/jobs says.
    stored = ogc.alice.get(ogc.api.url(f"/api/jobs/{job_id}/results")).json()["counted"]
    assert counted["href"] == ogc.api.url("/api/data" + stored["path"])
    assert sha2(content) == stored["checksum"]
    # One job model: /api/jobs sees it, with the provenance links too.
    job = ogc.alice.get(ogc.api.url(f"/api/jobs/{job_id}")).json()
    assert job["status"] == "successful" and job["workflow"]["name"] == ogc.two_step
    assert {link["rel"] for link in job["links"]} >= {HAS_PROVENANCE, "provenance"}


def test_prefer_wait_answers_the_results_of_a_job_that_ends_in_time(ogc):
    # Inputs as URLs of this API's /api/data, as the results give them.
    inputs = {"files": [{"href": ogc.api.url("/api/data" + ogc.fox)},
                        {"href": ogc.api.url("/api/data" + ogc.other)}]}
    answer = ogc.execute(ogc.scatter, inputs, prefer="wait=60")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Preference-Applied"] == "wait=60"
    results = check(answer.json(), "results")
    counts = [ogc.alice.get(each["href"]).content.split()[0] for each in results["counts"]]
    assert sorted(counts) == [b"2", b"3"]  # lines of TEXT and OTHER

    # Longer than OGC_MAX_WAIT (60 s): what was applied is the bound.
    answer = ogc.execute(ogc.two_step, {"text": {"href": ogc.fox}}, prefer="respond-async, wait=3600")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Preference-Applied"] == "wait=60"

    # A job that fails within the wait answers its exception.
    failed = ogc.execute(ogc.fails, {"text": {"href": ogc.fox}}, prefer="wait=60")
    assert failed.status_code == 409, failed.text
    exception = check(failed.json(), "exception")
    assert exception["failedStep"] == "fail" and exception["exitCode"] == 3
    assert "failing on purpose" in exception["detail"]


def test_prefer_wait_shorter_than_the_job_answers_201_with_its_status(ogc):
    started = datetime.now()
    answer = ogc.execute(ogc.sleeps, {"text": {"href": ogc.fox}}, prefer="wait=1")
    assert answer.status_code == 201, answer.text
    assert 1 <= (datetime.now() - started).total_seconds() < 4
    assert answer.headers["Preference-Applied"] == "wait=1"
    status = check(answer.json(), "statusInfo")
    assert status["status"] in ("accepted", "running")
    assert answer.headers["Location"].endswith(f"/api/ogc/jobs/{status['jobID']}")
    # Not finished: no results, and no provenance yet (Weaver's exception type).
    early = ogc.alice.get(f"{ogc.base}/jobs/{status['jobID']}/results")
    assert early.status_code == 404 and check(early.json(), "exception")["type"] == OGC + "result-not-ready"
    prov = ogc.alice.get(f"{ogc.base}/jobs/{status['jobID']}/prov")
    assert prov.status_code == 404
    assert check(prov.json(), "exception")["type"].endswith("/JobProvenanceNotFound")
    dismissed = ogc.alice.delete(f"{ogc.base}/jobs/{status['jobID']}")
    assert dismissed.status_code == 200


def test_owslib_dismisses_a_running_job(ogc):
    client = ogc.owslib()
    job_id = client.execute(ogc.sleeps, {"text": {"href": ogc.fox}}, async_=True)["jobID"]
    ogc.wait(job_id, ("running",))

    dismissed = check(client._request(method="DELETE", path=f"jobs/{job_id}"), "statusInfo")
    assert dismissed["status"] == "dismissed" and dismissed["jobID"] == job_id

    # Dismissed it stays (statusCode has the value), its results are gone.
    assert check(ogc.status(job_id).json(), "statusInfo")["status"] == "dismissed"
    results = ogc.alice.get(f"{ogc.base}/jobs/{job_id}/results")
    assert results.status_code == 404 and check(results.json(), "exception")["type"] == OGC + "no-such-job"
    assert ogc.alice.get(ogc.api.url(f"/api/jobs/{job_id}")).json()["status"] == "dismissed"


def test_a_failed_job_answers_its_exception_for_results(ogc, ran):
    failed = ran["fails"]
    assert not any(link["rel"] == RESULTS_REL for link in failed["links"])
    answer = ogc.alice.get(f"{ogc.base}/jobs/{failed['jobID']}/results")
    assert answer.status_code == 409
    exception = check(answer.json(), "exception")
    assert exception["status"] == 409 and "failing on purpose" in exception["detail"]


def test_provenance_in_weavers_formats_and_by_accept(ogc, ran):
    url = f"{ogc.base}/jobs/{ran['two_step']['jobID']}/prov"
    for value, media_type in (("PROV-N", "text/provenance-notation"), ("prov-n", "text/provenance-notation"),
                              ("PROV-JSON", "application/provenance+json"), ("json", "application/json"),
                              ("PROV-XML", "application/provenance+xml"), ("xml", "application/xml"),
                              ("turtle", "text/turtle"), ("PROV-TURTLE", "text/turtle"),
                              ("PROV-NT", "application/n-triples"), ("PROV-JSONLD", "application/ld+json")):
        answer = ogc.alice.get(url, params={"f": value})
        assert answer.status_code == 200, (value, answer.text)
        assert answer.headers["Content-Type"].split(";")[0] == media_type, value
    turtle = ogc.alice.get(url, params={"f": "ttl"}).text
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    assert (None, rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/prov#Activity")) in graph
    assert "wasGeneratedBy" in ogc.alice.get(url, params={"f": "PROV-N"}).text

    by_accept = ogc.alice.get(url, headers={"Accept": "text/provenance-notation"})
    assert by_accept.status_code == 200 and by_accept.text.startswith("document")

    unknown = ogc.alice.get(url, params={"f": "docx"})
    assert unknown.status_code == 400
    assert "docx" in check(unknown.json(), "exception")["detail"]
    refused = ogc.alice.get(url, headers={"Accept": "application/msword"})
    assert refused.status_code == 406 and check(refused.json(), "exception")["status"] == 406


def _ids(ogc, session=None, **query) -> list[str]:
    answer = (session or ogc.alice).get(f"{ogc.base}/jobs", params={"limit": 10000, **query})
    assert answer.status_code == 200, answer.text
    return [job["jobID"] for job in check(answer.json(), "jobList")["jobs"]]


def test_job_list_filters_by_process_status_and_datetime(ogc, ran):
    two_step, fails, scatter = (ran[name]["jobID"] for name in ("two_step", "fails", "scatter"))
    mine = {two_step, fails, scatter}

    by_process = set(_ids(ogc, processID=ogc.fails)) & mine
    assert by_process == {fails}
    assert set(_ids(ogc, processID=[ogc.fails, ogc.scatter])) & mine == {fails, scatter}
    assert set(_ids(ogc, processID=f"{ogc.fails},{ogc.two_step}")) & mine == {fails, two_step}
    assert set(_ids(ogc, processID=f"{ogc.scatter}@1.0")) & mine == {scatter}
    assert set(_ids(ogc, processID="no-such-process")) == set()

    assert set(_ids(ogc, status="failed")) & mine == {fails}
    assert set(_ids(ogc, status="successful,failed")) & mine == mine
    assert set(_ids(ogc, status="dismissed")) & mine == set()
    listed = ogc.alice.get(f"{ogc.base}/jobs", params={"status": "failed", "limit": 10000}).json()
    assert {job["status"] for job in listed["jobs"]} == {"failed"}

    created = {name: datetime.fromisoformat(ran[name]["created"]) for name in ran}
    moment = timedelta(microseconds=1)
    assert set(_ids(ogc, datetime=created["fails"].isoformat())) == {fails}
    after = f"{created['fails'].isoformat()}/.."
    assert set(_ids(ogc, datetime=after)) & mine == {fails, scatter}
    before = f"../{(created['fails'] - moment).isoformat()}"
    assert set(_ids(ogc, datetime=before)) & mine == {two_step}
    between = f"{created['two_step'].isoformat()}/{created['fails'].isoformat()}"
    assert set(_ids(ogc, datetime=between)) & mine == {two_step, fails}
    assert set(_ids(ogc, datetime=between.replace("+00:00", "Z"))) & mine == {two_step, fails}

    assert set(_ids(ogc, type="process")) >= mine
    assert _ids(ogc, type="wps") == []


def test_job_list_pages_with_next_and_prev_links(ogc, ran):
    query = {"processID": f"{ogc.two_step},{ogc.fails},{ogc.scatter}",
             "datetime": f"{ran['two_step']['created']}/{ran['scatter']['created']}", "limit": 2}
    first = check(ogc.alice.get(f"{ogc.base}/jobs", params=query).json(), "jobList")
    assert [job["jobID"] for job in first["jobs"]] == [ran["scatter"]["jobID"], ran["fails"]["jobID"]]
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in links
    second = check(ogc.alice.get(links["next"]).json(), "jobList")
    assert [job["jobID"] for job in second["jobs"]] == [ran["two_step"]["jobID"]]
    links = {link["rel"]: link["href"] for link in second["links"]}
    assert "next" not in links
    again = check(ogc.alice.get(links["prev"]).json(), "jobList")
    assert [job["jobID"] for job in again["jobs"]] == [job["jobID"] for job in first["jobs"]]


def test_another_user_sees_neither_the_job_nor_the_private_processes(ogc, ran):
    bob = ogc.api.user("bob")
    job_id = ran["two_step"]["jobID"]
    for answer in (ogc.status(job_id, bob), bob.delete(f"{ogc.base}/jobs/{job_id}"),
                   bob.get(f"{ogc.base}/jobs/{job_id}/results"),
                   bob.get(f"{ogc.base}/jobs/{job_id}/prov")):
        assert answer.status_code == 404, answer.text
        assert check(answer.json(), "exception")["type"] == OGC + "no-such-job"
    assert ogc.status(job_id).json()["status"] == "successful"  # bob's DELETE changed nothing
    assert job_id not in _ids(ogc, bob)

    processes = check(bob.get(f"{ogc.base}/processes").json(), "processList")["processes"]
    assert ogc.two_step not in {process["id"] for process in processes}
    hidden = bob.get(f"{ogc.base}/processes/{ogc.two_step}")
    assert hidden.status_code == 404
    assert check(hidden.json(), "exception")["type"] == OGC + "no-such-process"
    refused = ogc.execute(ogc.two_step, {"text": {"href": ogc.fox}}, session=bob)
    assert refused.status_code == 404


def test_every_route_needs_a_token(ogc, ran):
    job_id = ran["two_step"]["jobID"]
    for path in ("", "/", "/conformance", "/processes", f"/processes/{ogc.two_step}",
                 "/jobs", f"/jobs/{job_id}", f"/jobs/{job_id}/results", f"/jobs/{job_id}/prov"):
        answer = requests.get(ogc.base + path, timeout=30)
        assert answer.status_code == 401, path
        assert check(answer.json(), "exception")["status"] == 401
    answer = requests.post(f"{ogc.base}/processes/{ogc.two_step}/execution", json={}, timeout=30)
    assert answer.status_code == 401


def test_bad_requests_answer_ogc_exceptions(ogc):
    unknown = ogc.execute("no-such-process-here", {})
    assert unknown.status_code == 404
    assert check(unknown.json(), "exception")["type"] == OGC + "no-such-process"
    described = ogc.alice.get(f"{ogc.base}/processes/no-such-process-here")
    assert described.status_code == 404 and described.json()["type"] == OGC + "no-such-process"
    job = ogc.alice.get(f"{ogc.base}/jobs/{uuid.uuid4()}")
    assert job.status_code == 404 and check(job.json(), "exception")["type"] == OGC + "no-such-job"

    for inputs, said in (({}, "missing input text"),
                         ({"text": 5}, "expected a File"),
                         ({"text": {"value": "inline text"}}, "inline"),
                         ({"text": {"href": "https://elsewhere.example/api/data/x.txt"}}, "neither"),
                         ({"text": {"href": ogc.fox + ".missing"}}, "no such file"),
                         ({"text": {"href": ogc.fox}, "nonsense": 1}, "unknown input nonsense")):
        answer = ogc.execute(ogc.two_step, inputs)
        assert answer.status_code == 400, (inputs, answer.text)
        assert said in check(answer.json(), "exception")["detail"], answer.json()
    not_json = ogc.alice.post(f"{ogc.base}/processes/{ogc.two_step}/execution", data="inputs",
                              headers={"Content-Type": "text/plain"})
    assert not_json.status_code == 400 and check(not_json.json(), "exception")

    for query in ({"status": "sleeping"}, {"datetime": "yesterday"}, {"datetime": "2024-01-01T00:00:00"},
                  {"datetime": "2024-02-01T00:00:00Z/2024-01-01T00:00:00Z"}, {"limit": 0}):
        answer = ogc.alice.get(f"{ogc.base}/jobs", params=query)
        assert answer.status_code == 400, query
        check(answer.json(), "exception")


def test_an_unknown_path_or_method_under_ogc_answers_an_ogc_exception(ogc):
    missing = ogc.alice.get(f"{ogc.base}/no-such-collection")
    assert missing.status_code == 404 and check(missing.json(), "exception")["status"] == 404
    wrong = ogc.alice.post(f"{ogc.base}/conformance", json={})
    assert wrong.status_code == 405 and check(wrong.json(), "exception")["status"] == 405
    assert "GET" in wrong.headers["Allow"]
    # The rest of the API keeps its own error shape.
    elsewhere = ogc.alice.get(ogc.base.replace("/api/ogc", "/api/no-such-area"))
    assert elsewhere.status_code == 404 and elsewhere.json()["type"] == "not_found"


def test_an_unreadable_prefer_wait_is_ignored(ogc):
    # RFC 7240: a preference the server does not understand is ignored; `wait=abc` is no
    # wait at all, so the execution is asynchronous, and nothing is said to be applied.
    answer = ogc.execute(ogc.two_step, {"text": {"href": ogc.fox}}, prefer="wait=abc")
    assert answer.status_code == 201, answer.text
    assert "Preference-Applied" not in answer.headers
    check(answer.json(), "statusInfo")
    ogc.wait(answer.json()["jobID"])


def test_a_packed_document_is_described_from_its_main_process(ogc):
    cwl = """cwlVersion: v1.2
$graph:
- id: count
  class: CommandLineTool
  baseCommand: [wc, -l]
  stdin: $(inputs.src.path)
  stdout: count.txt
  inputs: {src: File}
  outputs: {out: stdout}
- id: main
  class: Workflow
  label: Counting lines
  inputs:
    texts: {type: "File[]", doc: The texts to count.}
  outputs:
    counts: {type: "File[]", outputSource: step/out}
  requirements: {ScatterFeatureRequirement: {}}
  steps:
    step: {run: "#count", scatter: src, in: {src: texts}, out: [out]}
"""
    name = ogc.api.register(ogc.alice, cwl, f"packed-{uuid.uuid4().hex[:6]}").split("/")[0]
    process = check(ogc.owslib().process(name), "process")
    assert process["title"] == "Counting lines"
    texts = process["inputs"]["texts"]
    assert texts["description"] == "The texts to count." and texts["maxOccurs"] == "unbounded"
    assert texts["schema"]["contentEncoding"] == "binary"
    assert process["outputs"]["counts"]["schema"]["type"] == "array"
    # One file for a File[] input is taken as a list of one.
    answer = ogc.execute(name, {"texts": {"href": ogc.other}}, prefer="wait=60")
    assert answer.status_code == 200, answer.text
    [count] = check(answer.json(), "results")["counts"]
    assert ogc.alice.get(count["href"]).content.split()[0] == b"3"
