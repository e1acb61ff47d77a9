"""Issue 14, point 3: a workflow document is self-contained and bounded.

Each test is an attack by an ordinary user over HTTP on a live API (real uWSGI, default
settings): a document that would make the registry read a host file or an internal URL,
run a file of the host, or exhaust the server. Every one is refused, nothing outside the
document is read (the secrets placed on the host never come back, the internal server
never sees a request), and nothing is registered.
"""

from __future__ import annotations

import http.server
import threading
import uuid

import pytest

from tests.api.deployments import Deployment
from tests.live import running_api

USER = "mallory"


def tool(*lines: str, inputs: str = "{}", before: str = "") -> str:
    """A small CommandLineTool with `lines` added (and `before` put first)."""
    return (before + f"cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [echo]\n"
            f"inputs: {inputs}\noutputs: {{}}\n" + "".join(line + "\n" for line in lines))


def step_running(run: str) -> str:
    return ("cwlVersion: v1.2\nclass: Workflow\ninputs: {}\noutputs: {}\nsteps:\n  leak:\n"
            f"    run: {run}\n    in: {{}}\n    out: []\n")


class InternalServer:
    """An internal HTTP service on the API's host (127.0.0.1, a free port) holding a secret;
    it records every request it gets."""

    def __init__(self, secret: str):
        self.secret, self.requests = secret, []
        recorded, body = self.requests, secret.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):  # a loader checking that a link exists
                recorded.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()

            def do_GET(self):
                self.do_HEAD()
                self.wfile.write(body)

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("security-documents")) as live:
        deployment = Deployment(live)
        deployment.create_user(USER)
        yield deployment


@pytest.fixture
def host_secret(tmp_path):
    """A file on the API's host holding a secret string (YAML a loader would happily read)."""
    secret = f"host-secret-{uuid.uuid4().hex}"
    path = tmp_path / "secret.yml"
    path.write_text(f"{secret}: {secret}\n")
    return path, secret


@pytest.fixture
def internal():
    with InternalServer(f"internal-secret-{uuid.uuid4().hex}") as server:
        yield server


def register(api, cwl: str, name: str | None = None):
    name = name or f"attack-{uuid.uuid4().hex[:8]}"
    response = api.session_of(USER).post(api.url("/api/workflows"),
                                         json={"name": name, "version": "1.0", "cwl": cwl})
    return name, response


def assert_refused_and_not_registered(api, name, response, *secrets):
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "unprocessable"
    for secret in secrets:
        assert secret not in response.text
    assert api.session_of(USER).get(api.url(f"/api/workflows/{name}/1.0")).status_code == 404


@pytest.mark.parametrize("document", [
    tool("doc: {$include: PATH}"),
    tool().replace("class: CommandLineTool", "class: {$include: 'file://PATH'}"),
    tool("requirements: [{$import: PATH}]"),
    "{$mixin: PATH}\n",
    tool(inputs="{x: {type: File, default: {class: File, location: 'file://PATH'}}}"),
    tool("requirements: [{class: DockerRequirement, dockerLoad: PATH}]"),
    step_running("PATH"),
], ids=["$include", "$include as class", "$import", "$mixin", "File default", "dockerLoad",
        "run: host file"])
def test_a_document_naming_a_host_file_is_refused_without_reading_it(api, host_secret, document):
    path, secret = host_secret
    name, response = register(api, document.replace("PATH", str(path)))
    assert_refused_and_not_registered(api, name, response, secret)
    assert "self-contained" in response.json()["error"]


@pytest.mark.parametrize("document", [
    tool("requirements: [{$import: 'URL/requirement.yml'}]"),
    tool("doc: {$include: 'URL/doc.txt'}"),
    tool(before="$schemas: ['URL/ontology.owl']\n"),
    step_running("'URL/tool.cwl'"),
    tool(before="cwl:tool: 'URL/tool.cwl'\n"),
], ids=["$import", "$include", "$schemas", "run: URL", "cwl:tool"])
def test_a_document_naming_an_internal_url_is_refused_without_fetching_it(api, internal, document):
    name, response = register(api, document.replace("URL", internal.url))
    assert_refused_and_not_registered(api, name, response, internal.secret)
    assert internal.requests == []


def test_a_step_running_a_host_file_is_refused(api):
    name, response = register(api, step_running("/etc/passwd"))
    assert_refused_and_not_registered(api, name, response, "root:")
    assert "'run'" in response.json()["error"]


def test_a_reference_to_another_document_is_refused_but_a_packed_graph_is_not(api):
    name, response = register(api, step_running("'#elsewhere'"))
    assert_refused_and_not_registered(api, name, response)
    packed = """{"cwlVersion": "v1.2", "$graph": [
 {"id": "#main", "class": "Workflow", "inputs": [], "outputs": [],
  "steps": [{"id": "#main/hello", "run": "#hello", "in": [], "out": []}]},
 {"id": "#hello", "class": "CommandLineTool", "baseCommand": ["echo"], "inputs": [], "outputs": []}]}"""
    _, accepted = register(api, packed)
    assert accepted.status_code == 201, accepted.text


def billion_laughs(levels: int = 9) -> str:
    """Nine aliases per level, nine levels: 9**10 strings once expanded, in a few hundred bytes."""
    lines = ['x-lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"x-lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 9) + "]")
    return tool(*lines)


@pytest.mark.parametrize("document", [
    billion_laughs(),
    "&loop [*loop]\n",
    tool("doc: &word lol", "x-many: [" + ", ".join(["*word"] * 500) + "]"),
], ids=["billion laughs", "recursive alias", "many aliases"])
def test_an_alias_bomb_is_refused(api, document):
    name, response = register(api, document)
    assert_refused_and_not_registered(api, name, response)


def test_a_deeply_nested_document_is_refused(api):
    name, response = register(api, tool("doc: " + "[" * 20_000 + "]" * 20_000))
    assert response.status_code in (400, 422), response.text
    assert api.session_of(USER).get(api.url(f"/api/workflows/{name}/1.0")).status_code == 404


def test_an_oversized_document_is_refused(api):
    name, response = register(api, tool("#" * (2 * 1024 * 1024)))
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "payload_too_large"
    assert api.session_of(USER).get(api.url(f"/api/workflows/{name}/1.0")).status_code == 404


def test_an_oversized_request_is_refused_before_it_is_read(api):
    body = b'{"name": "huge", "version": "1.0", "cwl": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    response = api.session_of(USER).post(api.url("/api/workflows"), data=body,
                                         headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text[:200]
