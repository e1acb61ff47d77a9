"""Ingestion batches over real HTTP with a real worker: a zip imported file by file with a
PID each, damaged zips failing with nothing left, and quality checks run as core jobs."""

from __future__ import annotations

import re

TIMEOUT = 30  # a safeguard against a hang, not a measurement
FILES = {"ctd/station-1.csv": b"depth,temperature\n5,14.2\n", "ctd/station-2.csv": b"depth,t\n1,2\n",
         "readme.txt": b"cruise 42"}


def test_a_zip_is_imported_with_a_pid_for_every_file(seadata, alice, bob):
    batch = seadata.new_batch(alice)
    path = f"{seadata.home('alice')}/batches/{batch}"
    created = alice.get(seadata.batch_url(batch), timeout=TIMEOUT).json()
    assert created["status"] == "created" and created["path"] == path
    assert created["quality_checks"] == [] and created["files"] == 0

    # Ids are checked, and taken once (by anyone).
    assert alice.post(seadata.batch_url(batch), timeout=TIMEOUT).status_code == 409
    assert bob.post(seadata.batch_url(batch), timeout=TIMEOUT).status_code == 409
    for bad in ("-lead", "sp%20ace", "a@b", ".hidden"):
        refused = alice.post(seadata.batch_url(bad), timeout=TIMEOUT)
        assert refused.status_code == 400 and refused.json()["type"] == "bad_request", refused.text

    # Unsafe and reserved member names are skipped, and said to be.
    unsafe = {**FILES, "../escape.txt": b"x", "/etc/passwd": b"x", "qc/fake-report.txt": b"x"}
    accepted = seadata.put_zip(alice, batch, seadata.zip_of(unsafe))
    assert accepted["status"] == "importing"
    done = seadata.wait_batch(alice, batch)
    assert done["status"] == "imported", done
    assert (done["files"], done["skipped"]) == (3, 3)
    assert "../escape.txt: unsafe name" in done["message"]
    assert "qc/fake-report.txt: reserved name" in done["message"]

    # The files are there, with their bytes; nothing of the import is left (the zip, its staging).
    listing = alice.get(seadata.url("/api/data" + path), timeout=TIMEOUT).json()
    assert sorted(item["name"] for item in listing["items"]) == ["ctd", "readme.txt"]
    for name, content in FILES.items():
        assert alice.get(seadata.url(f"/api/data{path}/{name}"), timeout=TIMEOUT).content == content
    assert alice.get(seadata.url(f"/api/data{seadata.home('alice')}/escape.txt"),
                     timeout=TIMEOUT).status_code == 404

    # Every file carries a PID (b2stage's), which resolves to it.
    for name in FILES:
        metadata = alice.get(seadata.url(f"/api/metadata{path}/{name}"), timeout=TIMEOUT).json()
        pids = [avu["value"] for avu in metadata["metadata"] if avu["attribute"] == "PID"]
        assert len(pids) == 1, metadata
        resolved = alice.get(seadata.url(f"/api/pids/{pids[0]}"), timeout=TIMEOUT)
        assert resolved.status_code == 200 and resolved.json()["path"] == f"{path}/{name}", resolved.text

    # The import's provenance: an activity of alice that used the uploaded zip and generated the file.
    document = seadata.lineage(alice, f"{path}/readme.txt")
    assert "seadata-import" in seadata.activities(document)
    locations = seadata.locations(document)
    assert f"{path}/readme.txt" in locations
    assert any(re.fullmatch(re.escape(path) + r"/\.seadata-upload-[0-9a-f]+\.zip", each)
               for each in locations), locations

    # Only the owner (and admins) see a batch; an imported batch takes no other zip.
    assert bob.get(seadata.batch_url(batch), timeout=TIMEOUT).status_code == 404
    assert bob.put(seadata.batch_url(batch), data=b"PK", timeout=TIMEOUT).status_code == 404
    assert seadata.admin().get(seadata.batch_url(batch), timeout=TIMEOUT).json()["status"] == "imported"
    again = alice.put(seadata.batch_url(batch), data=seadata.zip_of(FILES), timeout=TIMEOUT)
    assert again.status_code == 409 and "imported already" in again.json()["error"]
    assert alice.get(seadata.batch_url("no-such-batch"), timeout=TIMEOUT).status_code == 404


def test_a_damaged_zip_fails_the_batch_and_leaves_nothing(seadata, alice):
    batch = seadata.new_batch(alice)
    path = f"{seadata.home('alice')}/batches/{batch}"
    good = seadata.zip_of(FILES)
    # Data of alice's own in the batch collection: a failed import leaves it alone.
    notes = alice.put(seadata.url(f"/api/data{path}/notes.txt"), data=b"mine", timeout=TIMEOUT)
    assert notes.status_code == 201, notes.text

    # Cut short: no central directory, so not a zip at all.
    seadata.put_zip(alice, batch, good[:-40])
    failed = seadata.wait_batch(alice, batch)
    assert failed["status"] == "failed" and failed["files"] == 0
    assert "not a readable zip archive" in failed["message"] and "nothing was imported" in failed["message"]

    # A member whose bytes were damaged: found by its CRC while it is unpacked, after the
    # members before it were; none of them stays.
    damaged = bytearray(seadata.zip_of({"first.txt": b"fine", "second.txt": b"will break " * 100}))
    start = damaged.index(b"second.txt") + len(b"second.txt")
    damaged[start + 5] ^= 0xFF  # inside the member's compressed data
    seadata.put_zip(alice, batch, bytes(damaged))
    failed = seadata.wait_batch(alice, batch)
    assert failed["status"] == "failed", failed
    assert "second.txt cannot be read" in failed["message"], failed
    listing = alice.get(seadata.url("/api/data" + path), timeout=TIMEOUT).json()
    assert [item["name"] for item in listing["items"]] == ["notes.txt"]

    # A failed batch may be imported again.
    seadata.put_zip(alice, batch, good)
    imported = seadata.wait_batch(alice, batch)
    assert imported["status"] == "imported" and imported["files"] == len(FILES)


def test_a_registered_qc_workflow_runs_on_a_batch(seadata, alice):
    batch = seadata.imported_batch(alice, {**FILES, "empty.nc": b""})
    name = seadata.unique("qc-nonempty")
    registered = alice.post(seadata.url("/api/workflows"), timeout=TIMEOUT,
                            json={"name": name, "version": "1.0", "cwl": seadata.workflow("qc-nonempty")})
    assert registered.status_code == 201, registered.text

    submitted = alice.post(seadata.batch_url(batch["batch"], "/qc"), json={"workflow": name},
                           timeout=TIMEOUT)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["version"] == "1.0" and job["outputs"].startswith(batch["path"] + "/qc/")
    assert submitted.headers["Location"] == job["url"] == seadata.url(f"/api/jobs/{job['job']}")

    finished = seadata.wait_job(alice, job["job"])
    assert finished["status"] == "successful", finished
    checks = alice.get(seadata.batch_url(batch["batch"]), timeout=TIMEOUT).json()["quality_checks"]
    assert [(each["job"], each["workflow"], each["status"]) for each in checks] == \
        [(job["job"], name, "successful")]

    # The report lies in the batch's qc/ folder: the empty file is found, the rest passes.
    results = alice.get(seadata.url(f"/api/jobs/{job['job']}/results"), timeout=TIMEOUT).json()
    report_path = results["report"]["path"]
    assert report_path == f"{job['outputs']}/report/qc-report.txt"
    report = alice.get(seadata.url("/api/data" + report_path), timeout=TIMEOUT).text
    assert "EMPTY empty.nc" in report and "ok    ctd/station-1.csv" in report
    assert "checked 4 files, 1 empty" in report and "verdict: FAIL" in report


def test_quality_checks_are_refused_until_they_can_run(seadata, alice, bob):
    batch = seadata.new_batch(alice)
    early = alice.post(seadata.batch_url(batch, "/qc"), json={"workflow": "qc-nonempty", "version": "1.0"},
                       timeout=TIMEOUT)
    assert early.status_code == 409 and "imported" in early.json()["error"]
    imported = seadata.imported_batch(alice, FILES)["batch"]
    unknown = alice.post(seadata.batch_url(imported, "/qc"), json={"workflow": "no-such-qc",
                                                                   "version": "1.0"}, timeout=TIMEOUT)
    assert unknown.status_code == 404
    assert alice.post(seadata.batch_url(imported, "/qc"), json={}, timeout=TIMEOUT).status_code == 400
    assert bob.post(seadata.batch_url(imported, "/qc"), json={"workflow": "x"},
                    timeout=TIMEOUT).status_code == 404
