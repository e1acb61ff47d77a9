"""Scatter steps stored as one activity, split into their instances: a repair run once per store
by the Celery worker at start (`worker_ready`, in a thread), after the store migrations.

Why it is not in migrations.py: a store migration repairs bundles from what the store holds,
and runs wherever the store is first opened (the API too). Older versions recorded a scattered
step (`count` over two files) as ONE activity that used every input and generated every output,
so forward lineage from one input reached all outputs; which instance used and made which file
is not in the store at all. It is in cwltool's research object, which the worker keeps per job
under DATA_DIR/jobs/<id>/provenance, and rebuilding the bundle needs the job's record and steps
from the job store too: both are the worker's (DATA_DIR/jobs is 0700, the worker's own).

For each job bundle that holds the single activity of a step (`run.<job>.step.<name>`) while
the kept record has several instances of that step, the bundle is built again with model.build
from the job and its steps (job store), its inputs and outputs as the stored bundle gives them
(path, size, checksum, sha1, port, ids kept as they are) and the kept cwlprov record; the store
is then rewritten with those bundles replaced and its schema version set to SCHEMA_VERSION, in
one transaction (store.base.ProvenanceStore._replace_bundles). A job whose research object was
not kept stays as it is (logged). A store at SCHEMA_VERSION is not looked at again; a bundle in
the new shape (instances already) is never rebuilt, so a second run changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
from pathlib import Path

from celery.signals import worker_ready
from prov.constants import PROV_ROLE, PROV_TYPE
from prov.model import ProvActivity, ProvDocument, ProvEntity

from backend.errors import NotFound
from backend.provenance import capture, migrations, model
from backend.provenance import vocabulary as v

log = logging.getLogger(__name__)

# The store's schema version once scatters are split (migrations.py's versions come before).
SCHEMA_VERSION = 3
assert SCHEMA_VERSION > migrations.SCHEMA_VERSION
# Attempts when bundles are saved while the store is rewritten (the rewrite then waits a turn).
ATTEMPTS = 3
_ESCAPED = re.compile(r"__|(?:_[0-9a-f]{2})+")


def split_scatters(store, job_store, jobs_dir: Path) -> list[str]:
    """Repair `store` (see the module's docstring); the ids of the jobs rebuilt."""
    for _ in range(ATTEMPTS):
        if store._schema_version() >= SCHEMA_VERSION:
            return []
        rebuilt = {}
        for name in store._bundle_names():
            if name.startswith("job:"):
                document = _rebuilt(store, name, job_store, jobs_dir)
                if document is not None:
                    rebuilt[name] = document
        if store._replace_bundles(rebuilt, SCHEMA_VERSION):
            if rebuilt:
                log.info("provenance: scatter instances split in %d job(s): %s", len(rebuilt),
                         ", ".join(sorted(rebuilt)))
            return sorted(name[len("job:"):] for name in rebuilt)
    log.warning("provenance: the store changed during each of %d attempts to split scatters; "
                "the next worker start tries again", ATTEMPTS)
    return []


@worker_ready.connect
def _at_worker_start(sender=None, **_):
    """In a thread: the worker takes jobs meanwhile (a large store takes a while to rewrite,
    and a worker that is not ready in time is stopped by whoever started it)."""
    app = getattr(getattr(sender, "app", None), "flask_app", None)
    if app is None:  # a Celery app not built by create_app
        return
    threading.Thread(target=_repair, args=(app,), name="provenance-split-scatters", daemon=True).start()


def _repair(app) -> None:
    from backend.provenance import provenance
    from backend.workflows import jobs

    try:
        with app.app_context():
            split_scatters(provenance(app).store, jobs(app).store, app.extensions["rapydo.settings"].jobs_dir)
    except Exception:  # the store down, say: the worker runs jobs all the same, and tries next start
        log.exception("provenance: splitting scatters stored as one activity failed")


def _scattered(cwlprov: ProvDocument, steps: set[str]) -> set[str]:
    """The steps cwltool's record shows running more than once (`<step>`, `<step>_2`, ...: read
    as model._Builder._instances reads them)."""
    runs: dict[str, int] = {}
    for record in cwlprov.get_records():
        if record.get_type().localpart != "Activity":
            continue
        for key, value in record.attributes:
            if str(key) == "prov:label" and "#main/" in str(value):
                label = str(value).rsplit("#main/", 1)[-1]
                match = model.INSTANCE.match(label)
                name = label if label in steps else match.group(1) if match else None
                if name in steps:
                    runs[name] = runs.get(name, 0) + 1
    return {step for step, count in runs.items() if count > 1}


def _rebuilt(store, bundle: str, job_store, jobs_dir: Path) -> ProvDocument | None:
    """The job's document with its scatters split, or None when it needs none (or cannot)."""
    job_id = bundle[len("job:"):]
    document = store.bundle(bundle)
    if document is None:
        return None
    merged = _step_names(document, job_id)
    if not merged:
        return None
    try:
        job, steps = job_store.get(job_id), job_store.steps(job_id)
    except NotFound:
        log.info("provenance: job %s is gone from the job store: its scatters stay as stored", job_id)
        return None
    kept = Path(jobs_dir) / job_id / "provenance"
    cwlprov = capture.read_cwlprov(kept)
    if cwlprov is None:
        log.info("provenance: no research object kept for job %s: its scatters stay as stored", job_id)
        return None
    if not merged & _scattered(cwlprov, {step.name for step in steps}):
        return None
    inputs, outputs, collections, known = _data(document, job_id)
    inputs = _with_sha1(inputs, kept / capture.PACKED_FILE.parent / "primary-job.json")
    outputs = _with_sha1(outputs, kept / capture.PACKED_FILE.parent / "primary-output.json")
    workflow_plan = v.ident(f"workflow/{job.workflow_name}/{job.workflow_version}").uri
    run = capture.run_of(job, steps, [], [], cwlprov, zone=_zone(document, job.owner),
                         workflow_path=(v.paths_by_entity(document).get(workflow_plan) or [None])[0],
                         collections=collections, packed=capture.read_packed(kept))
    run.inputs, run.outputs = inputs, outputs if job.status == "successful" else []
    run.software = v.software_versions(document) or run.software
    run.host = _host(document) or run.host
    return model.build(run, lambda path, checksum: known.get((path, checksum)))


def _step_names(document: ProvDocument, job_id: str) -> set[str]:
    """The steps with an activity of their own (`run.<job>.step.<name>`, no instance)."""
    prefix = v.ident(f"run/{job_id}/step/").localpart
    found = set()
    for record in document.get_records(ProvActivity):
        local = str(record.identifier.localpart)
        if record.identifier.namespace.uri == v.ID.uri and local.startswith(prefix) \
                and "." not in local[len(prefix):]:
            found.add(_unescape(local[len(prefix):]))
    return found


def _unescape(segment: str) -> str:
    """vocabulary.local's escaping of one segment, undone."""
    def plain(match):
        text = match.group(0)
        return "_" if text == "__" else bytes.fromhex(text.replace("_", "")).decode("utf-8")
    return _ESCAPED.sub(plain, segment)


def _attributes(record) -> dict:
    found: dict = {}
    for key, value in record.attributes:
        found.setdefault(key, value)
    return found


def _data(document: ProvDocument, job_id: str):
    """Inputs and outputs as model.Data, Directory inputs as (path, port, member paths), and
    (path, checksum) -> the stored id of each input, from the stored bundle."""
    paths = v.paths_by_entity(document)
    run = v.run_id(job_id)
    sha1 = {}
    contents = {record.identifier: _attributes(record).get(v.SHA1) for record in document.get_records()
                if record.is_element() and v.CONTENT in record.get_attribute(PROV_TYPE)}
    members: dict = {}
    generator = {}
    for record in document.get_records():
        kind = record.get_type().localpart
        if kind == "Specialization" and record.args[1] in contents:
            sha1[record.args[0]] = str(contents[record.args[1]])
        elif kind == "Membership":
            members.setdefault(record.args[0], []).append(record.args[1])
        elif kind == "Generation":
            generator[record.args[0]] = record.args[1]

    def data(identifier, port, step=None):
        attributes = _attributes(document.get_record(identifier)[0])
        return model.Data(paths[identifier.uri][0], int(attributes.get(v.SIZE, 0)),
                          str(attributes.get(v.CHECKSUM, "")), sha1.get(identifier, ""), port, step)

    inputs, collections, known = [], [], {}
    usages = [record for record in document.get_records()
              if record.get_type().localpart == "Usage" and record.args[0] == run]
    for record in sorted(usages, key=_built_order):  # the order staging gave: the same ids again
        entity, role = record.args[1], record.get_attribute(PROV_ROLE)
        port = _unescape(next(iter(role)).localpart.split(".", 1)[-1]) if role else "input"
        if entity.uri not in paths:
            continue
        if v.PROV_COLLECTION in document.get_record(entity)[0].get_attribute(PROV_TYPE):  # a Directory
            collections.append((paths[entity.uri][0], port,
                                [paths[m.uri][0] for m in members.get(entity, ()) if m.uri in paths]))
            known[(paths[entity.uri][0], None)] = entity
        else:
            inputs.append(data(entity, port))
            known[(inputs[-1].path, inputs[-1].checksum)] = entity
    prefix = v.ident(f"run/{job_id}/output/").localpart
    outputs = []
    for record in document.get_records(ProvEntity):  # run.<job>.output.<port>.<index>, located
        port, _, index = str(record.identifier.localpart)[len(prefix):].rpartition(".")
        if not (record.identifier.localpart.startswith(prefix) and index.isdigit()
                and record.identifier.uri in paths):
            continue
        made_by = document.get_record(generator[record.identifier]) if record.identifier in generator else []
        step = _attributes(made_by[0]).get(v.STEP) if made_by else None
        outputs.append((_unescape(port), int(index),
                        data(record.identifier, _unescape(port), str(step) if step else None)))
    outputs.sort(key=lambda each: (each[0], each[1]))  # model numbers them in this order again
    return inputs, [each[2] for each in outputs], collections, known


def _with_sha1(data: list, job_file: Path) -> list:
    """`data` with the sha1 of each file the bundle gave none (a bundle stored before content
    entities), from cwltool's job or output object in the research object: the file of the
    same port, name and size (cwltool names data by sha1; model.build matches by it)."""
    if all(each.sha1 for each in data):
        return data
    try:
        ports = json.loads(job_file.read_text())
    except (OSError, ValueError):
        log.info("provenance: no readable %s: files without a sha1 keep none", job_file)
        return data
    found = {}
    for port, value in ports.items() if isinstance(ports, dict) else ():
        for item in value if isinstance(value, list) else [value]:
            checksum = item.get("checksum", "") if isinstance(item, dict) else ""
            if checksum.startswith("sha1$"):
                found.setdefault((port, item.get("basename"), item.get("size")), []).append(checksum[5:])
    fixed = []
    for each in data:
        digests = found.get((each.port, each.path.rsplit("/", 1)[-1], each.size), [])
        if not each.sha1 and len(set(digests)) == 1:
            each = dataclasses.replace(each, sha1=digests[0])
        fixed.append(each)
    return fixed


def _built_order(record) -> tuple:
    """model.build numbers a run's relations in the order it adds them (`...relation.<n>`);
    a store may read a bundle back in another order."""
    number = str(record.identifier.localpart).rsplit(".", 1)[-1] if record.identifier else ""
    return (0, int(number), "") if number.isdigit() else (1, 0, str(record.identifier))


def _zone(document: ProvDocument, owner: str) -> str:
    for record in document.get_records():
        if record.is_element() and record.identifier == v.user_id(owner):
            account = str(_attributes(record).get(v.ACCOUNT, ""))
            if "#" in account:
                return account.rsplit("#", 1)[-1]
    return ""


def _host(document: ProvDocument) -> str | None:
    for record in document.get_records():
        if record.is_element() and v.TERMS["Host"] in record.get_attribute(PROV_TYPE):
            return str(_attributes(record).get(v.HOSTNAME, "")) or None
    return None

