"""The CWL workflow registry over real HTTP (uWSGI), on the embedded default backend."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.live import ROOT, running_api

PASSWORD = "a-long-test-password"
TWO_STEP = (ROOT / "projects" / "default" / "workflows" / "two-step-text.cwl").read_text()
TOOL = """cwlVersion: v1.2
class: CommandLineTool
baseCommand: [wc, -w]
stdin: $(inputs.text.path)
stdout: count.txt
inputs: {text: File}
outputs: {count: stdout}
"""
PACKED = """{"cwlVersion": "v1.2", "$graph": [
 {"id": "#main", "class": "Workflow", "inputs": [{"id": "#main/text", "type": "File"}],
  "outputs": [{"id": "#main/count", "type": "File", "outputSource": "#main/wc/count"}],
  "steps": [{"id": "#main/wc", "run": "#wc.cwl", "in": [{"id": "#main/wc/text", "source": "#main/text"}],
             "out": [{"id": "#main/wc/count"}]}]},
 {"id": "#wc.cwl", "class": "CommandLineTool", "baseCommand": ["wc", "-w"],
  "stdin": "$(inputs.text.path)", "stdout": "count.txt",
  "inputs": [{"id": "#wc.cwl/text", "type": "File"}],
  "outputs": [{"id": "#wc.cwl/count", "type": "stdout"}]}]}"""


class Client:
    def __init__(self, live):
        self.live = live
        admin = live.session(live.admin_token())
        for user in ("alice", "bob"):
            created = admin.post(live.url + "/admin/users",
                                 json={"username": user, "password": PASSWORD, "role": "user"})
            assert created.status_code == 201, created.text
        self.admin = admin
        self.alice = live.session(live.login("alice", PASSWORD))
        self.bob = live.session(live.login("bob", PASSWORD))

    def url(self, path: str) -> str:
        return self.live.url + path


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("workflows")) as live:
        yield Client(live)


def register(api, session, name, version="1.0", cwl=TWO_STEP, **extra):
    return session.post(api.url("/api/workflows"),
                        json={"name": name, "version": version, "cwl": cwl, **extra})


def test_register_validates_summarises_and_keeps_the_document_in_storage(api):
    created = register(api, api.alice, "text-two-step", inputs={"text": {"class": "File",
                                                                          "path": "in.txt"}})
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == body["url"]
    assert body["url"].endswith("/api/workflows/text-two-step/1.0")
    assert body["class"] == "Workflow" and body["cwl_version"] == "v1.2"
    assert body["steps"] == ["upper", "count"] and body["inputs"] == ["text"]  # execution order
    assert body["outputs"] == ["counted"] and body["owner"] == "alice"
    assert body["checksum"] == "sha256:" + hashlib.sha256(TWO_STEP.encode()).hexdigest()
    assert body["default_inputs"] == {"text": {"class": "File", "path": "in.txt"}}
    assert body["created"].endswith("+00:00")
    stored = api.alice.get(api.url("/api/data" + body["path"]))
    assert stored.status_code == 200 and stored.text == TWO_STEP
    assert body["path"] == "/tempZone/home/alice/workflows/text-two-step/1.0/workflow.cwl"
    assert body["public"] is False
    assert api.bob.get(body["url"]).status_code == 404  # private until its owner shares it


def test_a_packed_workflow_and_a_single_tool_are_accepted(api):
    packed = register(api, api.alice, "packed", cwl=PACKED)
    assert packed.status_code == 201, packed.text
    assert packed.json()["class"] == "Workflow" and packed.json()["steps"] == ["wc"]
    tool = register(api, api.alice, "wordcount", cwl=TOOL)
    assert tool.status_code == 201, tool.text
    assert tool.json()["class"] == "CommandLineTool" and tool.json()["steps"] == []


def test_name_and_version_are_unique(api):
    assert register(api, api.alice, "unique").status_code == 201
    again = register(api, api.bob, "unique")
    assert again.status_code == 409 and again.json()["type"] == "already_exists"
    assert register(api, api.alice, "unique", version="2.0").status_code == 201


@pytest.mark.parametrize("cwl, says", [
    ("cwlVersion: v1.2\nclass: CommandLineTool\ninputs: {a: {type: strin}}\noutputs: {}\n",
     "strin"),
    ("class: Workflow\n", "cwlVersion"),
    ("{{{", "workflow.cwl:1"),
    ("cwlVersion: v1.2\nclass: Workflow\ninputs: {}\noutputs: {}\n"
     "steps: {x: {run: elsewhere.cwl, in: {}, out: [y]}}\n", "elsewhere.cwl"),
])
def test_invalid_cwl_is_422_with_the_validators_message_and_registers_nothing(api, cwl, says):
    name = "bad-" + hashlib.sha256(cwl.encode()).hexdigest()[:8]
    refused = register(api, api.alice, name, cwl=cwl)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "unprocessable" and says in refused.json()["error"]
    assert "/tmp/" not in refused.json()["error"]  # no server paths in messages
    assert api.alice.get(api.url(f"/api/workflows/{name}/1.0")).status_code == 404
    assert api.alice.get(api.url(f"/api/data/tempZone/home/alice/workflows/{name}")).status_code == 404


@pytest.mark.parametrize("field, value", [("name", "../etc"), ("name", ""), ("version", "1/2"),
                                          ("name", "x" * 200)])
def test_bad_names_and_versions_are_refused(api, field, value):
    body = {"name": "fine", "version": "1.0", "cwl": TOOL, field: value}
    refused = api.alice.post(api.url("/api/workflows"), json=body)
    assert refused.status_code in (400, 422), refused.text


def test_missing_fields_and_wrong_types_are_400(api):
    assert api.alice.post(api.url("/api/workflows"), json={"name": "x"}).status_code == 400
    assert api.alice.post(api.url("/api/workflows"),
                          json={"name": "x", "version": "1", "cwl": TOOL, "inputs": [1]}).status_code == 400


def test_listing_filters_by_name_and_pages(api):
    for version in ("1.0", "1.1", "1.2"):
        assert register(api, api.bob, "listed", version=version, cwl=TOOL,
                        public=True).status_code == 201
    page = api.alice.get(api.url("/api/workflows"), params={"name": "listed", "limit": 2})
    assert page.status_code == 200
    assert page.json()["total"] == 3 and [w["version"] for w in page.json()["workflows"]] == ["1.0", "1.1"]
    rest = api.alice.get(api.url("/api/workflows"), params={"name": "listed", "offset": 2})
    assert [w["version"] for w in rest.json()["workflows"]] == ["1.2"]
    assert "cwl" not in page.json()["workflows"][0]  # listings stay small


def test_only_the_owner_or_an_admin_changes_or_deletes(api):
    url = register(api, api.alice, "owned", cwl=TOOL, public=True).json()["url"]
    assert api.bob.put(url, json={"cwl": TWO_STEP}).status_code == 403
    assert api.bob.delete(url).status_code == 403
    changed = api.alice.put(url, json={"cwl": TWO_STEP, "inputs": {"text": {"class": "File",
                                                                            "path": "a"}}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["class"] == "Workflow" and changed.json()["cwl"] == TWO_STEP
    assert changed.json()["updated"] >= changed.json()["created"]
    stored = api.alice.get(api.url("/api/data" + changed.json()["path"]))
    assert stored.text == TWO_STEP
    refused = api.alice.put(url, json={"cwl": "class: Nope\n"})
    assert refused.status_code == 422
    assert api.alice.get(url).json()["cwl"] == TWO_STEP  # an invalid update changes nothing
    assert api.admin.put(url, json={"inputs": None}).json()["default_inputs"] is None
    path = changed.json()["path"]
    assert api.alice.delete(url).status_code == 204
    assert api.alice.get(url).status_code == 404
    assert api.alice.get(api.url("/api/data" + path)).status_code == 404


def test_unknown_workflow_is_404_and_a_token_is_needed(api):
    missing = api.alice.get(api.url("/api/workflows/nothing/9"))
    assert missing.status_code == 404 and missing.json()["type"] == "not_found"
    assert api.live.session().get(api.url("/api/workflows")).status_code == 401
    assert api.live.session().post(api.url("/api/workflows"), json={}).status_code == 401


def test_the_registry_is_in_the_openapi_spec(api):
    spec = api.live.session().get(api.url("/api/specs")).json()
    assert {"get", "post"} <= set(spec["paths"]["/api/workflows"])
    assert {"get", "put", "delete"} <= set(spec["paths"]["/api/workflows/{name}/{version}"])


def test_the_shipped_examples_are_valid(api):
    for example in sorted(Path(ROOT / "projects" / "default" / "workflows").glob("*.cwl")):
        created = register(api, api.alice, "example-" + example.stem, cwl=example.read_text())
        assert created.status_code == 201, (example.name, created.text)
