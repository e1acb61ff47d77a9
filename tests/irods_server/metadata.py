"""AVUs: MOD_AVU_METADATA (API 706, 'imeta') and ATOMIC_APPLY_METADATA_OPERATIONS (API 20002).

An entity is anything with `avus` (a list of [id, attr, value, units, ctime, mtime]): a data
object (-d), a collection (-C), a user or group (-u) or a resource (-R). As in iRODS's catalog
(checkAndGetObjectId): objects and collections need an access level on them, users and resources
need a rodsadmin; the ADMIN_KW keyword ('irodsAdmin') lets a rodsadmin skip the ACLs, and is
refused to anyone else.
"""

import json
import re

from . import errors as E
from .errors import IrodsError
from .model import LEVELS, MODIFY, Actor, now

ADMIN_KW = "irodsAdmin"
# The level checkAndGetObjectId asks for each imeta operation.
CREATE, DELETE_META, READ_META = LEVELS["create_metadata"], LEVELS["delete_metadata"], LEVELS["read_metadata"]


def entity(cat, kind, name):
    """The entity an imeta type option (-d -C -u -R, either case) names, or its iRODS error."""
    kind = kind.lstrip("-").lower()
    if kind == "d":
        return cat.obj(name)
    if kind == "c":
        return cat.coll(name)
    if kind == "u":
        return cat.user(name.split("#")[0])
    if kind == "r":
        try:
            return cat.resources[name]
        except KeyError:
            raise IrodsError(E.CAT_INVALID_RESOURCE, name)
    raise IrodsError(E.CAT_INVALID_ARGUMENT, f"entity type {kind!r}")


def _check(cat, actor, target, level, admin_mode):
    if admin_mode:
        if not cat.is_admin(actor.name):
            raise IrodsError(E.CAT_INSUFFICIENT_PRIVILEGE_LEVEL, "admin mode needs a rodsadmin")
        return
    if hasattr(target, "acl"):
        cat.require(target, actor, level)
    elif not cat.is_admin(actor.name):
        raise IrodsError(E.CAT_INSUFFICIENT_PRIVILEGE_LEVEL, "AVUs of users and resources: rodsadmins only")


def _new_avu(cat, attr, value, units):
    t = now()
    return [cat.next_id(), attr, value, units, t, t]


def _like(pattern, text):
    """SQL LIKE, as 'imeta rmw' matches: % any run, _ one character."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.S) is not None


def modify(cat, who, args, keywords=()):
    """API 706. args: arg0..arg5 (operation, type, name, attribute, value, units); for 'cp',
    (cp, source type, target type, source, target)."""
    actor = who if isinstance(who, Actor) else Actor(who)
    op, kind, name, attr, value, units = args[:6]
    admin_mode = ADMIN_KW in keywords
    units = units or ""
    with cat.lock:
        if op == "cp":
            _copy(cat, actor, kind, name, attr, value, admin_mode)
            return
        target = entity(cat, kind, name)
        if op in ("add", "set") and not (attr and value):
            raise IrodsError(E.CAT_INVALID_ARGUMENT, "an AVU needs an attribute and a value")
        if op == "add":
            _check(cat, actor, target, CREATE, admin_mode)
            if any(a[1:4] == [attr, value, units] for a in target.avus):
                raise IrodsError(E.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, attr)
            target.avus.append(_new_avu(cat, attr, value, units))
        elif op == "set":
            _check(cat, actor, target, CREATE, admin_mode)
            _set(cat, target, attr, value, units)
        elif op in ("rm", "rmw", "rmi"):
            _check(cat, actor, target, DELETE_META, admin_mode)
            if op == "rm":
                gone = [a for a in target.avus if a[1:4] == [attr, value, units]]
            elif op == "rmi":
                gone = [a for a in target.avus if str(a[0]) == attr]
            else:
                gone = [a for a in target.avus
                        if _like(attr, a[1]) and _like(value, a[2]) and (not units or _like(units, a[3]))]
            if not gone:
                raise IrodsError(E.CAT_SUCCESS_BUT_WITH_NO_INFO, attr)
            target.avus = [a for a in target.avus if a not in gone]
        else:
            raise IrodsError(E.CAT_INVALID_ARGUMENT, op)


def _set(cat, target, attr, value, units):
    """chlSetAVUMetadata: no AVU with the attribute: add one; exactly one: change its value and
    units in place (same id and create time, new modify time); several: remove them, add one."""
    same = [i for i, a in enumerate(target.avus) if a[1] == attr]
    if len(same) == 1:
        old = target.avus[same[0]]
        target.avus[same[0]] = [old[0], attr, value, units, old[4], now()]
        return
    target.avus = [a for a in target.avus if a[1] != attr] + [_new_avu(cat, attr, value, units)]


def _copy(cat, actor, source_kind, target_kind, source_name, target_name, admin_mode):
    """'imeta cp': the source's AVUs are attached to the target too (one catalog row shared by
    both in iRODS: same id and times); those the target already has are left as they are."""
    source = entity(cat, source_kind, source_name)
    target = entity(cat, target_kind, target_name)
    _check(cat, actor, source, READ_META, admin_mode)
    _check(cat, actor, target, CREATE, admin_mode)
    have = {tuple(a[1:4]) for a in target.avus}
    target.avus.extend(list(a) for a in source.avus if tuple(a[1:4]) not in have)


# ---- atomic operations (API 20002) ----------------------------------------------------------

ENTITY_TYPES = {"data_object": "-d", "collection": "-C", "user": "-u", "resource": "-R"}


class AtomicError(IrodsError):
    """An error whose reply also carries iRODS's JSON error object (PRC reads error_message)."""

    def __init__(self, code, message, operation=None, index=0):
        super().__init__(code, message)
        self.json = {"operation": operation, "operation_index": index, "error_message": message}


def apply_atomic(cat, who, request):
    """All the operations or none; returns the JSON reply ({} on success)."""
    actor = who if isinstance(who, Actor) else Actor(who)
    with cat.lock:
        try:
            name, kind = request["entity_name"], ENTITY_TYPES[request["entity_type"]]
            target = entity(cat, kind, name)
        except (KeyError, TypeError):
            raise AtomicError(E.SYS_INVALID_INPUT_PARAM, f"Invalid entity type or name [request={json.dumps(request)}]")
        except IrodsError:
            raise AtomicError(E.SYS_INVALID_INPUT_PARAM, f"Entity does not exist [entity_name={name}]")
        if request.get("admin_mode"):
            if not cat.is_admin(actor.name):
                raise AtomicError(E.CAT_INSUFFICIENT_PRIVILEGE_LEVEL, "User is not an administrator")
        elif not _may_modify(cat, actor, target):
            raise AtomicError(E.CAT_NO_ACCESS_PERMISSION, "User not allowed to modify metadata")
        avus = [list(a) for a in target.avus]
        for index, op in enumerate(request.get("operations") or []):
            _apply_one(cat, avus, op, index)
        target.avus = avus
    return {}


def _may_modify(cat, actor, target):
    """user_has_permission_to_modify_entity: modify_object on an object or collection (its own
    or its groups' ACL entries), a rodsadmin for a user or resource."""
    if hasattr(target, "acl"):
        return cat.level(target, actor) >= MODIFY
    return cat.is_admin(actor.name)


def _apply_one(cat, avus, op, index):
    try:
        attr, value, units = op["attribute"], op["value"], op.get("units", "")
        kind = op["operation"]
    except (KeyError, TypeError, AttributeError) as exc:
        # iRODS answers JSON_VALIDATION_ERROR, a code PRC does not know: the input error it does.
        raise AtomicError(E.SYS_INVALID_INPUT_PARAM, f"missing {exc}", op, index)
    if not attr or not value:
        raise AtomicError(E.SYS_INVALID_INPUT_PARAM,
                          f"Empty metadata attribute name or value [attribute={attr}, value={value}]", op, index)
    triple = [attr, value, units]
    if kind == "add":
        # Adding an AVU already attached is no error here, unlike imeta add.
        if not any(a[1:4] == triple for a in avus):
            avus.append(_new_avu(cat, attr, value, units))
    elif kind == "remove":
        avus[:] = [a for a in avus if a[1:4] != triple]
    else:
        # iRODS: INVALID_OPERATION, unknown to PRC (it checks operation names itself).
        raise AtomicError(E.SYS_INVALID_INPUT_PARAM, "Invalid metadata operation.", op, index)
