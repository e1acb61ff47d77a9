"""TOUCH (API 20007, 'itouch'): set the modify time of a data object or collection, creating an
empty data object when the path names nothing (unless no_create).

The request is JSON: {"logical_path": str, "options": {"no_create": bool, "replica_number": int,
"leaf_resource_name": str, "seconds_since_epoch": int, "reference": str}}; the new time is the
given seconds, the reference path's modify time, or now. Validation and codes follow iRODS's
touch plugin. There is one replica (number 0) on one resource (demoResc).
"""

from . import errors as E
from .errors import IrodsError
from .model import LEVELS, Coll, normalize, now

RESOURCE = "demoResc"
MODIFY_METADATA = LEVELS["modify_metadata"]  # what iRODS asks to change a modify time (chlModColl)


def _validate(request):
    path = request.get("logical_path")
    if not isinstance(path, str) or not path:
        raise IrodsError(E.INPUT_ARG_NOT_WELL_FORMED_ERR, "[logical_path] is a required non-empty string.")
    options = request.get("options", {})
    if not isinstance(options, dict):
        raise IrodsError(E.INPUT_ARG_NOT_WELL_FORMED_ERR, "[options] must be a JSON object.")
    for a, b in (("replica_number", "leaf_resource_name"), ("reference", "seconds_since_epoch")):
        if a in options and b in options:
            raise IrodsError(E.USER_INCOMPATIBLE_PARAMS, f"[{a}] and [{b}] cannot be used together.")
    types = {"no_create": bool, "replica_number": int, "leaf_resource_name": str, "reference": str,
             "seconds_since_epoch": int}
    for name, kind in types.items():
        if name in options:
            value = options[name]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise IrodsError(E.SYS_INVALID_INPUT_PARAM, f"Incorrect value for [{name}].")
            if kind is int and value < 0:
                raise IrodsError(E.INPUT_ARG_NOT_WELL_FORMED_ERR, f"[{name}] cannot be less than zero.")
            if kind is str and not value:
                raise IrodsError(E.INPUT_ARG_NOT_WELL_FORMED_ERR, f"[{name}] cannot be empty.")
    return path, options


def touch(cat, actor, request):
    path, options = _validate(request)
    with cat.lock:
        path = normalize(path)
        if path not in cat.objs and path not in cat.colls:
            if options.get("no_create"):
                return
            if "replica_number" in options:
                raise IrodsError(E.OBJ_PATH_DOES_NOT_EXIST,
                                 "Replica numbers cannot be used when creating new data objects.")
            if options.get("leaf_resource_name", RESOURCE) != RESOURCE:
                raise IrodsError(E.SYS_RESC_DOES_NOT_EXIST, options["leaf_resource_name"])
            cat.create(actor, path)
        node = cat.node(path)
        if isinstance(node, Coll):
            if "replica_number" in options or "leaf_resource_name" in options:
                raise IrodsError(E.USER_INCOMPATIBLE_PARAMS,
                                 "[replica_number] and [leaf_resource_name] cannot be used for collections.")
        elif options.get("replica_number", 0) != 0 or options.get("leaf_resource_name", RESOURCE) != RESOURCE:
            raise IrodsError(E.SYS_REPLICA_DOES_NOT_EXIST, "Replica does not exist.")
        if "reference" in options:
            mtime = cat.node(options["reference"]).mtime
        else:
            mtime = options.get("seconds_since_epoch", now())
        cat.require(node, actor, MODIFY_METADATA)
        node.mtime = mtime
