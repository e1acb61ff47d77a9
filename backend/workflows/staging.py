"""Moving a job's data between storage and its private work directory, streamed.

Stage in: every input file is streamed out of storage into `inputs/`, its sha256 computed
on the way and compared with the checksum storage holds (and its sha1, the name cwltool's
provenance gives the data); collections are walked. The job order handed to cwltool
names the local copies.

Stage out: every File (and Directory) of cwltool's output object is streamed into
`<outputs>/<port>/<name>` with its sha256 (storage verifies it) and AVUs naming the job,
the workflow, the step that made it and the port; results name the stored objects. Only
regular files inside the job's work directory are read: the job wrote that directory (and
cwltool's output object), and a link it left there would have the worker, who can read
more than the sandboxed job, store the worker's files as the job's outputs.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from backend.errors import ChecksumMismatch, PermissionDenied
from backend.storage import checksums, paths
from backend.storage.base import AVU, COLLECTION, Storage
from backend.provenance.vocabulary import output_id
from backend.workflows import locations
from backend.workflows.requests import JOB_ATTRIBUTE, STORAGE_CLASSES

# The AVU naming an output's PROV entity (GET /api/provenance/lineage?entity=<it>).
PROV_ATTRIBUTE = "rapydo.prov.entity"


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class Staged:
    """One file that crossed between storage and the work directory. `sha1` is the digest
    cwltool's provenance names data by (its `data:<sha1>` entities)."""

    path: str  # in storage
    size: int
    checksum: str  # sha2:<base64 sha256>, as storage holds it
    sha1: str
    port: str
    step: str | None = None  # outputs: the step that made it


class StageIn:
    """Streams a job's inputs out of storage; `staged` lists every file it fetched."""

    def __init__(self, storage: Storage, folder: Path, chunk_size: int,
                 tick: Callable[[], None] = _nothing):
        self.storage, self.folder, self.chunk_size, self.tick = storage, folder, chunk_size, tick
        self.staged: list[Staged] = []
        # Collections given as Directory inputs: (path, port, the paths of their files).
        self.collections: list[tuple[str, str, list[str]]] = []
        self._counter = 0

    def job_order(self, inputs: dict) -> dict:
        """The job order for cwltool: `inputs` with local paths in place of storage paths.
        `tick` is called after every chunk (the runner's heartbeat). Checked again here: a
        job's files come from storage only (locations.py)."""
        locations.check_inputs(inputs, self.storage.zone)
        return {port: self._local(port, value) for port, value in inputs.items()}

    def _local(self, port: str, value):
        if isinstance(value, list):
            return [self._local(port, item) for item in value]
        if isinstance(value, dict) and value.get("class") in STORAGE_CLASSES and "path" in value:
            self._counter += 1
            target = self.folder / str(self._counter)
            target.mkdir(parents=True)
            target = target / paths.name(value["path"])
            if value["class"] == "Directory":
                first = len(self.staged)
                local = self._collection(port, value["path"], target)
                self.collections.append((value["path"], port,
                                         [each.path for each in self.staged[first:]]))
                return {"class": "Directory", "path": str(local)}
            return {"class": "File", "path": str(self._fetch(port, value["path"], target))}
        if isinstance(value, dict):
            return {key: self._local(port, item) for key, item in value.items()}
        return value

    def _fetch(self, port: str, path: str, target: Path) -> Path:
        expected = self.storage.stat(path).checksum
        sha256, sha1, size = hashlib.sha256(), hashlib.sha1(), 0
        with target.open("wb") as out:
            for chunk in self.storage.read_in_streaming(path, chunk_size=self.chunk_size):
                sha256.update(chunk)
                sha1.update(chunk)
                size += len(chunk)
                out.write(chunk)
                self.tick()
        if expected and checksums.parse(expected) != sha256.digest():
            raise ChecksumMismatch(f"{path} does not match its stored checksum: it changed while "
                                   "being read, or its replica is damaged")
        self.staged.append(Staged(path, size, checksums.format_sha256(sha256.digest()),
                                  sha1.hexdigest(), port))
        return target

    def _collection(self, port: str, path: str, target: Path) -> Path:
        target.mkdir()
        for info in self.storage.children(path):
            if info.type == COLLECTION:
                self._collection(port, info.path, target / info.name)
            else:
                self._fetch(port, info.path, target / info.name)
        return target


class StageOut:
    """Uploads a job's outputs; remembers what it stored, so a failure can take it back."""

    def __init__(self, storage: Storage, collection: str, avus: dict[str, str],
                 step_of: Callable[[str], str], chunk_size: int,
                 tick: Callable[[], None] = _nothing, *, work: Path):
        self.storage = storage
        self.work = Path(os.path.realpath(work))  # outputs are read from below it only
        self.collection = collection
        self.avus = avus  # job, workflow: the same on every output
        self.step_of = step_of  # output port -> the step that produced it
        self.chunk_size = chunk_size
        self.tick = tick
        self.stored: list[Staged] = []

    def results(self, output: dict) -> dict:
        """Upload every file of cwltool's output object; return it with storage paths."""
        return {port: self._value(port, value, paths.join(self.collection, port))
                for port, value in sorted(output.items())}

    def _value(self, port: str, value, collection: str):
        if isinstance(value, list):
            return [self._value(port, item, collection) for item in value]
        if isinstance(value, dict) and value.get("class") == "File":
            stored = self._file(port, value, collection)
            for secondary in value.get("secondaryFiles") or []:
                self._value(port, secondary, collection)
            return stored
        if isinstance(value, dict) and value.get("class") == "Directory":
            return self._directory(port, Path(value["path"]), paths.join(collection, value["basename"]))
        return {"value": value}

    def _file(self, port: str, value: dict, collection: str) -> dict:
        return self._upload(port, Path(value["path"]), paths.join(collection, value["basename"]))

    def _directory(self, port: str, local: Path, collection: str) -> dict:
        self.storage.mkdir(collection, parents=True)
        listing = []
        for root, folders, files in os.walk(local):
            folders.sort()
            relative = Path(root).relative_to(local)
            for name in sorted(files):
                target = collection
                for part in (*relative.parts, name):
                    target = paths.join(target, part)
                listing.append(self._upload(port, Path(root) / name, target))
        return {"class": "Directory", "path": collection, "listing": listing}

    def _own(self, port: str, local: Path) -> Path:
        # The job's processes are gone (its sandbox died with cwltool): nothing moves a link
        # between this check and the read.
        real = Path(os.path.realpath(local))
        if not (real.is_relative_to(self.work) and real.is_file()):
            raise PermissionDenied(f"output {port}: {local.name} is not a file of the job's own "
                                   "(a link out of its work directory)")
        return real

    def _upload(self, port: str, local: Path, path: str) -> dict:
        local = self._own(port, local)
        digest, sha1 = hashlib.sha256(), hashlib.sha1()

        def chunks(stream):
            for chunk in iter(lambda: stream.read(self.chunk_size), b""):
                digest.update(chunk)
                sha1.update(chunk)
                self.tick()
                yield chunk

        # Force: the outputs collection is this job's (a re-run overwrites its own earlier try).
        with local.open("rb") as stream:
            info = self.storage.write_in_streaming(path, chunks(stream), force=True, parents=True,
                                                   size=local.stat().st_size)
        step = self.step_of(port)
        self.stored.append(Staged(info.path, info.size, info.checksum, sha1.hexdigest(), port, step))
        if checksums.parse(info.checksum) != digest.digest():
            raise ChecksumMismatch(f"{info.path}: the stored checksum differs from the bytes sent")
        index = sum(1 for earlier in self.stored[:-1] if earlier.port == port)
        avus = {**self.avus, "rapydo.step": step, "rapydo.output": port,
                # Users working in iRODS directly find the provenance from the object.
                PROV_ATTRIBUTE: output_id(self.avus[JOB_ATTRIBUTE], port, index).uri}
        for attribute, value in avus.items():
            self.storage.metadata.set(info.path, AVU(attribute, value))
        return {"class": "File", "path": info.path, "size": info.size, "checksum": info.checksum}

    def take_back(self) -> None:
        """Remove what was stored (a job that did not end successful presents no outputs)."""
        for stored in reversed(self.stored):
            try:
                self.storage.remove(stored.path)
            except Exception:  # best effort: the job's state says what happened
                pass
        self.stored.clear()


def job_avus(job_id: str, workflow: str) -> dict[str, str]:
    return {JOB_ATTRIBUTE: job_id, "rapydo.workflow": workflow}
