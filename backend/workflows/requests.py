"""Checking a job request before anything is queued: its inputs against the workflow's input
ports and the user's storage, its outputs collection against what the user may write.

Inputs are CWL values. Files and directories are storage paths, given CWL's way
(`{"class": "File", "path": "/tempZone/home/alice/in.txt"}`, `"location"` works too) or
OGC API - Processes' way (`{"href": "/tempZone/home/alice/in.txt"}`); anything else is a
literal. Each path is looked at with the user's own storage session, so an input the user
may not read is refused here (403), not discovered by the worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.errors import BadRequest, Conflict, NotFound, PermissionDenied, Unprocessable
from backend.storage import paths
from backend.storage.base import COLLECTION, DATAOBJECT, AccessLevel, Storage
from backend.workflows import locations

# The AVU a job stamps on its outputs collection (and on every output).
JOB_ATTRIBUTE = "rapydo.job"
STORAGE_CLASSES = {"File": DATAOBJECT, "Directory": COLLECTION}
SCALARS = {"string": (str,), "int": (int,), "long": (int,), "float": (int, float),
           "double": (int, float), "boolean": (bool,)}


@dataclass(frozen=True)
class CheckedRequest:
    inputs: dict  # port -> CWL value with storage paths (and their size, checksum)
    outputs: str  # the outputs collection, normalised


def check_inputs(storage: Storage, specs: dict, given: dict, defaults: dict | None) -> dict:
    if not isinstance(given, dict):
        raise BadRequest("inputs must be a JSON object: {input port: value}")
    values = {**(defaults or {}), **given}
    locations.check_inputs(values, storage.zone)  # no host file, no URL: 400 before anything
    unknown = sorted(set(values) - set(specs)) if specs else []
    if unknown:
        raise Unprocessable(f"unknown input {', '.join(unknown)}: the workflow's inputs are "
                            f"{', '.join(sorted(specs)) or 'none'}")
    missing = sorted(name for name, spec in specs.items() if spec["required"] and name not in values)
    if missing:
        raise Unprocessable(f"missing input {', '.join(missing)}")
    return {name: _conform(storage, specs[name]["type"] if specs else None, value, name)
            for name, value in values.items()}


def _storage_ref(value) -> tuple[str, str | None] | None:
    """(path, class) if `value` names a storage path, else None."""
    if not isinstance(value, dict):
        return None
    if "href" in value and isinstance(value["href"], str):
        return value["href"], value.get("class")
    if value.get("class") in STORAGE_CLASSES:
        path = value.get("path", value.get("location"))
        if not isinstance(path, str):
            raise Unprocessable(f"a {value['class']} input needs a storage path in 'path'")
        return path, value["class"]
    return None


def _resolve(storage: Storage, path: str, wanted: str | None, port: str) -> dict:
    try:
        info = storage.stat(paths.normalise(path, storage.zone))
    except NotFound:
        raise NotFound(f"input {port}: no such file or collection {path}") from None
    cwl_class = "Directory" if info.type == COLLECTION else "File"
    if wanted and wanted != cwl_class:
        raise Unprocessable(f"input {port}: {info.path} is a {info.type}, the workflow wants a {wanted}")
    value = {"class": cwl_class, "path": info.path}
    if info.type == DATAOBJECT:
        value.update(size=info.size, checksum=info.checksum)
    return value


def _conform(storage: Storage, kind, value, port: str):
    """`value` checked against the CWL type `kind` (storage paths resolved); Unprocessable if
    it cannot be one. Unknown or complex types (records, enums of schemas) go to cwltool as they are."""
    if isinstance(kind, list):  # a union: the first alternative that fits
        errors = []
        for alternative in kind:
            try:
                return _conform(storage, alternative, value, port)
            except Unprocessable as exc:
                errors.append(exc.message)
        raise Unprocessable(errors[-1] if errors else f"input {port}: no type fits")
    if isinstance(kind, dict) and kind.get("type") == "array":
        if not isinstance(value, list):
            raise Unprocessable(f"input {port}: expected a list")
        return [_conform(storage, kind.get("items"), item, f"{port}[{index}]")
                for index, item in enumerate(value)]
    if kind == "null":
        if value is not None:
            raise Unprocessable(f"input {port}: expected no value")
        return None
    if kind in STORAGE_CLASSES:
        ref = _storage_ref(value)
        if ref is None:
            raise Unprocessable(f"input {port}: expected a {kind} given as "
                                f'{{"class": "{kind}", "path": "/<zone>/..."}} or {{"href": "/<zone>/..."}}')
        return _resolve(storage, ref[0], kind, port)
    if kind in SCALARS:
        types = SCALARS[kind]
        if isinstance(value, bool) and kind != "boolean" or not isinstance(value, types):
            raise Unprocessable(f"input {port}: expected a {kind}, got {type(value).__name__}")
        return value
    ref = _storage_ref(value)  # "Any", records, enums: resolve paths, leave the rest to cwltool
    return _resolve(storage, ref[0], ref[1], port) if ref else value


def storage_paths(value) -> list[dict]:
    """Every File and Directory in a checked CWL value (inputs or results), in order."""
    if isinstance(value, list):
        return [ref for item in value for ref in storage_paths(item)]
    if isinstance(value, dict):
        if value.get("class") in STORAGE_CLASSES and "path" in value:
            return [value]
        return [ref for item in value.values() for ref in storage_paths(item)]
    return []


def check_outputs(storage: Storage, path, busy) -> str:
    """The outputs collection: created when missing (which needs write access to its parent),
    or an existing empty collection the user may write into and no unfinished job uses
    (`busy(job_id)` tells). Conflict otherwise: a job never mixes its results with other data."""
    if not isinstance(path, str) or not path:
        raise BadRequest("outputs must name a collection: \"/<zone>/home/<user>/...\"")
    path = paths.normalise(path, storage.zone)
    try:
        info = storage.stat(path)
    except NotFound:
        storage.mkdir(path, parents=True)
        return path
    if info.type != COLLECTION:
        raise Conflict(f"outputs {path} is a data object, not a collection")
    if storage.list(path, limit=1).items:
        raise Conflict(f"the outputs collection {path} is not empty: name a new or empty collection")
    for avu in storage.metadata.get(path):
        if avu.attribute == JOB_ATTRIBUTE and busy(avu.value):
            raise Conflict(f"the outputs collection {path} is in use by job {avu.value}")
    if not _may_write(storage, path):
        raise PermissionDenied(f"{storage.user} may not write into {path}")
    return path


def _may_write(storage: Storage, path: str) -> bool:
    return any(acl.user in (storage.user, "public") and acl.level >= AccessLevel.write
               for acl in storage.acls.get(path))
