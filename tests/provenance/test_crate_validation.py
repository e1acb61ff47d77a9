"""Crates of real jobs checked by rocrate-validator (roc-validator, the profiles' own
validator), at REQUIRED severity, offline: each example workflow runs on a live deployment,
its crate is downloaded and validated against the Workflow Run Crate and Process Run Crate
profiles 0.5, and Provenance Run Crate 0.5 when the crate has per-step data. Also: outputs
copied into the crate on request, and cwltool's CWLProv research object.

Offline: the validator fetches the JSON-LD contexts a crate names through one requests
session of its own (rocrate_validator.utils.http.HttpRequester; its rdflib document loader
goes through it too). The test mounts a transport adapter on that session that answers the
two context URLs from the copies in schemas/ro-crate/ and refuses any other URL, and a socket
guard refuses every connection that is not to this machine, so that nothing (the loader's
urllib fallback included) reaches the network: a context the validator could not get would
fail the validation, not be fetched.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import zipfile
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter
from rocrate_validator import services
from rocrate_validator.errors import ValidationExecutionError
from rocrate_validator.models import ValidationSettings
from rocrate_validator.utils.http import HttpRequester

from tests.provenance.test_crate import a_run
from tests.workflows.deployment import ROOT, example, jobs_deployment

CONTEXTS = Path(__file__).parent / "schemas" / "ro-crate"
SERVED = {"https://w3id.org/ro/crate/1.1/context": CONTEXTS / "ro-crate-1.1-context.jsonld",
          "https://w3id.org/ro/terms/workflow-run/context": CONTEXTS / "workflow-run-context.jsonld"}
WFRUN = "https://w3id.org/ro/wfrun"
PROFILES = {f"{WFRUN}/process/0.5": "process-run-crate-0.5",
            f"{WFRUN}/workflow/0.5": "workflow-run-crate-0.5",
            f"{WFRUN}/provenance/0.5": "provenance-run-crate-0.5"}
TEXT, APPENDIX = b"the quick brown fox jumps over the lazy dog\n", b"pack my box\n"


class LocalContexts(HTTPAdapter):
    """The validator's HTTP transport in tests: the vendored contexts, nothing else."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def send(self, request, **kwargs):
        self.asked.append(request.url)
        path = SERVED.get(request.url)
        if path is None:
            raise requests.ConnectionError(f"offline test: {request.url} is not served")
        response = requests.Response()
        response.status_code, response.url, response.request = 200, request.url, request
        response.headers["Content-Type"] = "application/ld+json"
        response._content = path.read_bytes()
        return response


@pytest.fixture
def no_network(monkeypatch):
    """Connections to anything but this machine fail (the live API is on 127.0.0.1)."""
    connect = socket.socket.connect

    def local_only(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") \
                and not host.startswith("/"):
            raise OSError(f"offline test: no connection to {host}")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)


def validate(folder: Path, profile: str) -> tuple[list[str], LocalContexts]:
    """The REQUIRED issues rocrate-validator finds in the crate at `folder` for `profile`."""
    settings = ValidationSettings(rocrate_uri=str(folder), profile_identifier=profile,
                                  requirement_severity="REQUIRED", no_cache=True)
    # The settings rebuild the validator's session: mount on the one validate() will use.
    adapter = LocalContexts()
    session = HttpRequester().session
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    result = services.validate(settings)
    issues = [f"{issue.check.identifier if issue.check else '?'}: {issue.message}"
              for issue in result.get_issues()]
    assert result.passed() == (not issues)
    return issues, adapter


def claimed(folder: Path) -> list[str]:
    """The validator's names of the run profiles the crate's root says it conforms to."""
    graph = {e["@id"]: e for e in json.loads((folder / "ro-crate-metadata.json").read_text())["@graph"]}
    profiles = graph["./"]["conformsTo"]
    return sorted(PROFILES[p["@id"]] for p in (profiles if isinstance(profiles, list) else [profiles])
                  if p["@id"].startswith(WFRUN))


def unzipped(content: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(folder)
    return folder


# --- the validator itself, on crates built here ----------------------------------------------

def test_a_crate_with_steps_passes_all_three_run_profiles(tmp_path, no_network):
    from backend.provenance.crate import crate_zip

    folder = unzipped(crate_zip(a_run()), tmp_path)
    assert claimed(folder) == sorted(PROFILES.values())
    for profile in PROFILES.values():
        issues, adapter = validate(folder, profile)
        assert issues == [], profile
        assert set(adapter.asked) <= set(SERVED)  # the contexts, and nothing else


@pytest.mark.parametrize("breakage, reported", [
    ("licence", "license"),
    ("term", "exitCode"),
    ("context", None),
])
def test_the_validator_reports_a_broken_crate(tmp_path, no_network, breakage, reported):
    # Guards the harness: a crate it let through while broken would make the tests above moot.
    from backend.provenance.crate import crate_zip

    folder = unzipped(crate_zip(a_run()), tmp_path)
    metadata = json.loads((folder / "ro-crate-metadata.json").read_text())
    if breakage == "licence":
        root = next(e for e in metadata["@graph"] if e["@id"] == "./")
        del root["license"]
    elif breakage == "term":
        metadata["@context"] = metadata["@context"][:2]  # exitCode no longer defined
    else:  # a context the test does not serve: not fetched from the network either
        metadata["@context"].append("https://example.org/not-served/context")
    (folder / "ro-crate-metadata.json").write_text(json.dumps(metadata))

    if breakage == "context":
        # A context it cannot get stops the validator (its loader tried the network, refused).
        with pytest.raises(ValidationExecutionError, match="URLError|offline"):
            validate(folder, "workflow-run-crate-0.5")
        return
    issues, _ = validate(folder, "workflow-run-crate-0.5")
    assert any(reported in issue for issue in issues), issues


# --- crates of real jobs: every example workflow ----------------------------------------------

@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("crates")) as client:
        yield client


@pytest.fixture(scope="module")
def alice(api):
    return api.user("alice")


@pytest.fixture(scope="module")
def uploaded(api, alice):
    folder = api.unique("alice", "in")
    files = {"text.txt": TEXT, "appendix.txt": APPENDIX, "batch/a.txt": b"1\n2\n",
             "batch/b.txt": b"x\n"}
    for name, content in files.items():
        api.upload(alice, f"{folder}/{name}", content)
    return folder


def _inputs(name: str, folder: str) -> dict:
    text = {"class": "File", "path": f"{folder}/text.txt"}
    return {
        "two-step-text": {"text": text},
        "three-step-text": {"text": text, "appendix": {"class": "File", "path": f"{folder}/appendix.txt"}},
        "scatter-line-count": {"files": [{"class": "File", "path": f"{folder}/batch/a.txt"},
                                         {"class": "File", "path": f"{folder}/batch/b.txt"}]},
        "fails-on-purpose": {"text": text},
        "qc-nonempty": {"batch": {"class": "Directory", "path": f"{folder}/batch"}},
    }[name]


EXAMPLES = {"two-step-text": "successful", "three-step-text": "successful",
            "scatter-line-count": "successful", "fails-on-purpose": "failed",
            "qc-nonempty": "successful"}


def _document(name: str) -> str:
    if name == "qc-nonempty":
        return (ROOT / "projects" / "seadata" / "workflows" / "qc-nonempty.cwl").read_text()
    return example(name)


@pytest.fixture(scope="module")
def finished(api, alice, uploaded):
    """Every example run once: name -> the finished job."""
    submitted = {}
    for name in EXAMPLES:
        workflow = api.register(alice, _document(name))
        created = api.submit(alice, workflow, _inputs(name, uploaded), api.unique("alice", "out"))
        assert created.status_code == 201, created.text
        submitted[name] = created.json()["id"]
    return {name: api.wait(alice, job_id, timeout=240) for name, job_id in submitted.items()}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_crate_of_each_example_workflow_is_valid(api, alice, finished, name, tmp_path, no_network):
    job = finished[name]
    assert job["status"] == EXAMPLES[name], job
    response = alice.get(api.url(f"/api/jobs/{job['id']}/crate"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    folder = unzipped(response.content, tmp_path)

    profiles = claimed(folder)
    assert {"process-run-crate-0.5", "workflow-run-crate-0.5"} <= set(profiles)
    steps = [e for e in json.loads((folder / "ro-crate-metadata.json").read_text())["@graph"]
             if e.get("@type") == "HowToStep"]
    # Per-step data present: the crate claims Provenance Run Crate, and must pass it.
    assert ("provenance-run-crate-0.5" in profiles) == bool(steps)
    if name != "qc-nonempty":  # a CommandLineTool: no steps
        assert steps
    for profile in profiles:
        issues, _ = validate(folder, profile)
        assert issues == [], f"{name} / {profile}: {issues}"


def test_small_outputs_can_be_inside_the_crate(api, alice, finished, tmp_path, no_network):
    job = finished["three-step-text"]
    output = alice.get(api.url(f"/api/jobs/{job['id']}/results")).json()["counted"]
    stored = api.download(alice, output["path"])

    response = alice.get(api.url(f"/api/jobs/{job['id']}/crate"), params={"include": "outputs"})
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    folder = unzipped(response.content, tmp_path)
    inside = [path for path in folder.rglob("*") if path.is_file() and "outputs" in path.parts]
    assert len(inside) == 1 and inside[0].read_bytes() == stored
    name = inside[0].relative_to(folder).as_posix()
    graph = {e["@id"]: e for e in json.loads((folder / "ro-crate-metadata.json").read_text())["@graph"]}
    entity = graph[name]
    assert entity["@type"] == "File" and entity["contentSize"] == str(len(stored))
    assert entity["sha256"] == hashlib.sha256(stored).hexdigest()
    assert entity["contentUrl"].endswith(output["path"])
    assert {"@id": name} in graph["./"]["hasPart"]
    for profile in claimed(folder):
        issues, _ = validate(folder, profile)
        assert issues == [], f"{profile}: {issues}"

    # Larger than max_size: it stays a link; more than CRATE_INLINE_MAX is refused.
    small = alice.get(api.url(f"/api/jobs/{job['id']}/crate"),
                      params={"include": "outputs", "max_size": len(stored) - 1})
    assert small.status_code == 200
    assert not [n for n in zipfile.ZipFile(io.BytesIO(small.content)).namelist() if n.startswith("outputs/")]
    too_big = alice.get(api.url(f"/api/jobs/{job['id']}/crate"),
                        params={"include": "outputs", "max_size": 1024 * 1024 + 1})
    assert too_big.status_code == 400
    assert alice.get(api.url(f"/api/jobs/{job['id']}/crate"),
                     params={"include": "inputs"}).status_code == 400


def test_cwltools_research_object_downloads(api, alice, finished):
    job = finished["two-step-text"]
    response = alice.get(api.url(f"/api/jobs/{job['id']}/cwlprov"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    top = f"job-{job['id']}-cwlprov/"
    assert f"{top}bagit.txt" in names
    assert {f"{top}metadata/provenance/primary.cwlprov.{kind}" for kind in ("json", "provn", "ttl")} <= set(names)
    bag = zipfile.ZipFile(io.BytesIO(response.content))
    assert b"BagIt-Version" in bag.read(f"{top}bagit.txt")
    # A small job's bag is complete: every payload file its manifest lists is there, with
    # that sha1 (the input and the intermediates cwltool copied into data/).
    manifest = [line.split(maxsplit=1) for line in bag.read(f"{top}manifest-sha1.txt").decode().splitlines()]
    assert manifest and all(name.startswith("data/") for _, name in manifest)
    for sha1, name in manifest:
        assert hashlib.sha1(bag.read(f"{top}{name}")).hexdigest() == sha1

    # As visible as the job: another user learns nothing.
    bob = api.user("bob")
    assert bob.get(api.url(f"/api/jobs/{job['id']}/cwlprov")).status_code == 404
    assert bob.get(api.url(f"/api/jobs/{job['id']}/crate")).status_code == 404


# --- what is kept of cwltool's research object -----------------------------------------------

def _research_object(folder: Path) -> Path:
    (folder / "metadata" / "provenance").mkdir(parents=True)
    (folder / "workflow").mkdir()
    (folder / "data" / "ab").mkdir(parents=True)
    (folder / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
    (folder / "manifest-sha1.txt").write_text("abcd data/ab/abcd\n")
    (folder / "metadata" / "provenance" / "primary.cwlprov.json").write_text("{}")
    (folder / "workflow" / "packed.cwl").write_text("cwlVersion: v1.2\n")
    (folder / "data" / "ab" / "abcd").write_bytes(b"x" * 1000)
    return folder


def test_the_whole_bag_is_kept_within_the_bound(tmp_path):
    from backend.provenance import cwlprov_archive

    kept = tmp_path / "kept"
    assert cwlprov_archive.keep(_research_object(tmp_path / "ro"), kept, 4096)
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file()) == [
        "bagit.txt", "data/ab/abcd", "manifest-sha1.txt", "metadata/provenance/primary.cwlprov.json",
        "workflow/packed.cwl"]


def test_the_records_are_kept_without_a_payload_beyond_the_bound(tmp_path):
    from backend.provenance import cwlprov_archive

    kept = tmp_path / "kept"
    assert cwlprov_archive.keep(_research_object(tmp_path / "ro"), kept, 1024)
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file()) == [
        "bagit.txt", "manifest-sha1.txt", "metadata/provenance/primary.cwlprov.json",
        "workflow/packed.cwl"]
    names = zipfile.ZipFile(io.BytesIO(b"".join(cwlprov_archive.zip_stream(kept, "ro")))).namelist()
    assert sorted(names) == ["ro/bagit.txt", "ro/manifest-sha1.txt",
                             "ro/metadata/provenance/primary.cwlprov.json", "ro/workflow/packed.cwl"]

    # Records larger than CWLPROV_MAX_SIZE (or a bound of 0): nothing kept, an earlier one gone.
    assert not cwlprov_archive.keep(_research_object(tmp_path / "big"), kept, 50)
    assert not kept.exists() and not cwlprov_archive.exists(kept)
    assert not cwlprov_archive.keep(_research_object(tmp_path / "off"), kept, 0)


def test_a_link_in_the_research_object_is_neither_kept_nor_followed(tmp_path):
    from backend.provenance import cwlprov_archive

    secret = tmp_path / "secret.txt"
    secret.write_text("not for the download")
    ro = _research_object(tmp_path / "ro")
    (ro / "metadata" / "stolen.txt").symlink_to(secret)
    (ro / "tagmanifest-sha1.txt").symlink_to(secret)
    kept = tmp_path / "kept"
    assert cwlprov_archive.keep(ro, kept, 1024 * 1024)
    names = zipfile.ZipFile(io.BytesIO(b"".join(cwlprov_archive.zip_stream(kept, "ro")))).namelist()
    assert "ro/metadata/stolen.txt" not in names and "ro/tagmanifest-sha1.txt" not in names
