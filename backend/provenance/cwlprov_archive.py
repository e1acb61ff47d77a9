"""cwltool's CWLProv research object of a job: kept after the job, downloaded as a zip
(`GET /api/jobs/<id>/cwlprov`).

cwltool --provenance writes a BagIt bag (https://w3id.org/cwl/prov/): bagit.txt, bag-info.txt
and the manifests at its top, metadata/ (the PROV documents primary.cwlprov.{json,xml,provn,
ttl,nt,jsonld}, the RO manifest, logs) and workflow/ (the packed workflow, the job's inputs
and outputs objects), and data/, a copy of every input and output named by its sha1. The
runner keeps the whole bag under DATA_DIR/jobs/<id>/provenance when it is at most
CWLPROV_MAX_SIZE (a complete, checkable bag: intermediates are in data/ and nowhere else);
a bigger one keeps its records without data/ when they fit (inputs and outputs are in storage,
/api/jobs/<id>/inputs.zip and /results, but the bag's manifest then lists files it lacks), and
nothing beyond that.

The folder is the worker's (DATA_DIR/jobs/<id> is 0700, outside every job's sandbox: see
backend/workflows/sandbox.py), and a research object bigger than CWLPROV_MAX_SIZE is not kept.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Iterator

from zipstream import ZIP_DEFLATED, ZipStream

log = logging.getLogger(__name__)

# The research object's records; its payload (data/) is kept beside them when it fits.
RECORD_FOLDERS = ("metadata", "workflow")


def _records(research_object: Path) -> list[Path]:
    """The top-level files (bagit.txt, bag-info.txt, manifests) and the record folders."""
    found = [path for path in sorted(research_object.iterdir())
             if path.is_file() and not path.is_symlink()]
    found += [research_object / name for name in RECORD_FOLDERS
              if (research_object / name).is_dir() and not (research_object / name).is_symlink()]
    return found


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(os.lstat(os.path.join(root, name)).st_size
               for root, _, names in os.walk(path) for name in names)


def keep(research_object: Path, kept: Path, max_size: int) -> bool:
    """Move the records of `research_object` to `kept` (replacing an earlier attempt's);
    False, and nothing kept, when there is none or they exceed `max_size` bytes."""
    shutil.rmtree(kept, ignore_errors=True)
    if not research_object.is_dir() or research_object.is_symlink():
        return False
    records = _records(research_object)
    payload = research_object / "data"
    if payload.is_dir() and not payload.is_symlink():
        whole = records + [payload]
        if sum(_size(path) for path in whole) <= max_size:
            records = whole  # the complete bag
        else:
            log.info("cwltool's research object of %s: data/ beyond CWLPROV_MAX_SIZE, not kept",
                     research_object)
    size = sum(_size(path) for path in records)
    if max_size <= 0 or size > max_size:
        log.warning("cwltool's research object of %s is %d bytes (CWLPROV_MAX_SIZE %d): not kept",
                    research_object, size, max_size)
        return False
    kept.mkdir()
    for path in records:
        path.replace(kept / path.name)
    return True


def exists(kept: Path) -> bool:
    return (kept / "bagit.txt").is_file()


def zip_stream(kept: Path, prefix: str) -> Iterator[bytes]:
    """The kept research object as a zip under the folder `prefix`, compressed as it streams.
    Regular files only: a link (which cwltool never writes) is left out, never followed."""
    archive = ZipStream(compress_type=ZIP_DEFLATED)
    for root, folders, names in os.walk(kept):
        folders[:] = sorted(name for name in folders if not os.path.islink(os.path.join(root, name)))
        for name in sorted(names):
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            archive.add_path(str(path), f"{prefix}/{path.relative_to(kept).as_posix()}")
    return iter(archive)
