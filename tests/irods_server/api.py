"""API number -> handler. Each handler takes (server, session, message) and returns
(int_info, body bytes, byte stream) or raises IrodsError."""

import base64

from . import errors as E
from . import admin, genquery, metadata, temp_passwords, tickets, touch, user_admin as users
from . import messages as M
from .auth import authenticate, check_response, new_challenge, passwords_of
from .obf import decode_with_any
from .errors import IrodsError
from .model import MODIFY, READ, Actor, now, sha2

O_ACCMODE, O_RDWR, O_CREAT, O_TRUNC = 3, 2, 64, 512
HANDLERS = {}


def api(number, needs_login=True):
    def register(func):
        func.needs_login = needs_login
        HANDLERS[number] = func
        return func

    return register


def _obj_inp(elem):
    return M.text(elem, "objPath"), M.integer(elem, "openFlags"), M.keyvals(elem)


def _actor(session):
    """The client user (a proxy's client, if any) and the ticket supplied on this connection."""
    return Actor(session.user, session.ticket or "", session.tickets_charged)


@api(110000, needs_login=False)
def auth_request(server, session, msg):
    return 0, M.binbytes_from_json(authenticate(server, session, M.json_from_binbytes(msg.body))), b""


# iRODS 4.3 still serves the pre-4.3 native login: AUTH_REQUEST (703) answers the 64-byte
# challenge, AUTH_RESPONSE (704) takes the 16-byte digest (base64 in the packing) and the
# proxy user's name. The digest is the one the JSON flow checks.
@api(703, needs_login=False)
def legacy_auth_request(server, session, msg):
    challenge = new_challenge(session).encode()
    return 0, M.to_bytes(M.build("authRequestOut_PI", [("challenge", base64.b64encode(challenge).decode())])), b""


@api(704, needs_login=False)
def legacy_auth_response(server, session, msg):
    root = M.parse(msg.body)
    answer = base64.b64encode(base64.b64decode(M.text(root, "response"))[:16]).decode()
    check_response(server, session, M.text(root, "username"), answer)
    return 0, b"", b""


@api(702)
def gen_query(server, session, msg):
    return 0, genquery.run(server.catalog, msg.body, _actor(session)), b""


@api(681)
def coll_create(server, session, msg):
    root = M.parse(msg.body)
    recursive = "recursiveOpr" in M.keyvals(root)
    server.catalog.mkdir(_actor(session), M.text(root, "collName"), recursive=recursive)
    return 0, b"", b""


@api(679)
def coll_remove(server, session, msg):
    root = M.parse(msg.body)
    kv = M.keyvals(root)
    server.catalog.rmdir(_actor(session), M.text(root, "collName"),
                         recursive="recursiveOpr" in kv, force="forceFlag" in kv)
    return 0, b"", b""


def _open(server, session, path, flags, kv=()):
    if not path.startswith("/"):
        # Clients make paths absolute; iRODS 4.3 refuses a relative one rather than guess a base.
        raise IrodsError(E.SYS_INVALID_FILE_PATH, f"{path!r} is not an absolute logical path")
    cat = server.catalog
    write = (flags & O_ACCMODE) != 0
    with cat.lock:
        user = _actor(session)
        exists = path in cat.objs
        if not exists:
            if path in cat.colls:
                raise IrodsError(E.SYS_API_INPUT_ERR, f"{path} is a collection")
            if not flags & O_CREAT:
                raise IrodsError(E.OBJ_PATH_DOES_NOT_EXIST, path)
            obj = cat.create(user, path)
        else:
            obj = cat.objs[path]
            cat.require(obj, user, MODIFY if write else READ, use_ticket=True)
            if write and flags & O_TRUNC:
                obj.data = bytearray()
                obj.checksum = ""  # an overwrite invalidates the registered checksum
    if obj.vault_lost:  # its file is gone from the resource's disk (a test sets this)
        raise IrodsError(E.UNIX_FILE_OPEN_ERR - 2, f"{path}: No such file or directory")
    # regChksum on the open: register the checksum when the object is closed.
    fd = session.new_fd(obj, write, register_checksum="regChksum" in kv)
    return fd, b"", b""


@api(602)
def obj_open(server, session, msg):
    path, flags, kv = _obj_inp(M.parse(msg.body))
    return _open(server, session, path, flags, kv=kv)


@api(601)
def obj_create(server, session, msg):
    path, flags, kv = _obj_inp(M.parse(msg.body))
    # iRODS 4.3's rsDataObjCreate is an open with O_CREAT | O_RDWR | O_TRUNC: an existing object
    # (which the sender may write) is truncated, forceFlag or not.
    return _open(server, session, path, flags | O_CREAT | O_RDWR | O_TRUNC, kv=kv)


def _opened(session, msg):
    root = M.parse(msg.body)
    return root, session.fd(M.integer(root, "l1descInx"))


@api(675)
def obj_read(server, session, msg):
    root, handle = _opened(session, msg)
    size = M.integer(root, "len")
    with server.catalog.lock, memoryview(handle.obj.data) as view:
        # One copy of the requested range only (slicing the bytearray itself would copy it
        # twice); the view is released before anyone may resize the object.
        chunk = bytes(view[handle.pos:handle.pos + size])
    handle.pos += len(chunk)
    return len(chunk), b"", chunk


@api(676)
def obj_write(server, session, msg):
    _, handle = _opened(session, msg)
    if not handle.write:
        raise IrodsError(E.SYS_BAD_FILE_DESCRIPTOR, "opened read-only")
    with server.catalog.lock:
        data = handle.obj.data
        end = handle.pos + len(msg.bs)
        if len(data) < handle.pos:
            # A parallel put writes its ranges out of order: fill the gap, a later write covers it.
            data.extend(bytes(handle.pos - len(data)))
        data[handle.pos:end] = msg.bs
        handle.obj.checksum = ""
        handle.dirty = True
    handle.pos = end
    return len(msg.bs), b"", b""


@api(674)
def obj_lseek(server, session, msg):
    root, handle = _opened(session, msg)
    whence, offset = M.integer(root, "whence"), M.integer(root, "offset")
    base = {0: 0, 1: handle.pos, 2: len(handle.obj.data)}.get(whence, 0)
    handle.pos = max(0, base + offset)
    return 0, M.to_bytes(M.build("fileLseekOut_PI", [("offset", handle.pos)])), b""


def _close(server, session, handle, checksum=False):
    with server.catalog.lock:
        if handle.write and (checksum or handle.register_checksum):
            handle.obj.checksum = sha2(handle.obj.data)
        session.close_fd(handle)


@api(673)
def obj_close(server, session, msg):
    root, handle = _opened(session, msg)
    _close(server, session, handle, checksum="regChksum" in M.keyvals(root))
    return 0, b"", b""


@api(20000)
def fd_info(server, session, msg):
    handle = session.fd(int(M.json_from_binbytes(msg.body).get("fd", -1)))
    info = {"replica_token": handle.token, "data_object_info": {
        "resource_hierarchy": "demoResc", "replica_number": 0, "object_path": handle.obj.path}}
    return 0, M.binbytes_from_json(info), b""


@api(20004)
def replica_close(server, session, msg):
    request = M.json_from_binbytes(msg.body)
    _close(server, session, session.fd(int(request.get("fd", -1))), checksum=bool(request.get("compute_checksum")))
    return 0, b"", b""


@api(652)
def obj_truncate(server, session, msg):
    """rsDataObjTruncate (deprecated, still served): write access; the data cut or zero-extended
    to dataSize, the checksum cleared (rsModDataObjMeta with an empty CHKSUM_KW)."""
    root = M.parse(msg.body)
    size = M.integer(root, "dataSize")
    if size < 0:
        raise IrodsError(E.SYS_INVALID_INPUT_PARAM, f"dataSize {size}")
    cat = server.catalog
    with cat.lock:
        obj = cat.obj(M.text(root, "objPath"))
        cat.require(obj, _actor(session), MODIFY)
        if size != len(obj.data):
            del obj.data[size:]
            obj.data.extend(bytes(size - len(obj.data)))
            obj.checksum = ""
            obj.mtime = now()
    return 0, b"", b""


@api(615)
def obj_unlink(server, session, msg):
    path, _, kv = _obj_inp(M.parse(msg.body))
    server.catalog.unlink(_actor(session), path, force="forceFlag" in kv)
    return 0, b"", b""


@api(627)
def obj_rename(server, session, msg):
    src, dst = M.parse(msg.body).findall("DataObjInp_PI")
    server.catalog.rename(_actor(session), M.text(src, "objPath"), M.text(dst, "objPath"))
    return 0, b"", b""


@api(696)
def obj_copy(server, session, msg):
    src, dst = M.parse(msg.body).findall("DataObjInp_PI")
    options = M.keyvals(dst)
    obj = server.catalog.copy(_actor(session), M.text(src, "objPath"), M.text(dst, "objPath"),
                              "forceFlag" in options,
                              register_checksum=bool({"regChksum", "verifyChksum"} & set(options)))
    reply = M.build("TransferStat_PI", [("numThreads", 1), ("bytesWritten", len(obj.data)), ("flags", 0)])
    return 0, M.to_bytes(reply), b""


@api(629)
def obj_checksum(server, session, msg):
    path, _, kv = _obj_inp(M.parse(msg.body))
    verify = "verifyChksum" in kv
    checksum = server.catalog.checksum(_actor(session), path, verify=verify)
    # A verification answers with its status only: PRC expects no STR_PI then and returns "".
    return 0, b"" if verify else M.str_pi(checksum), b""


@api(706)
def mod_avu(server, session, msg):
    root = M.parse(msg.body)
    args = [M.text(root, f"arg{i}") for i in range(6)]
    metadata.modify(server.catalog, _actor(session), args, M.keyvals(root))
    return 0, b"", b""


@api(20002)
def atomic_metadata(server, session, msg):
    """JSON in and out (BinBytesBuf_PI); an error carries iRODS's JSON error object too."""
    try:
        reply = metadata.apply_atomic(server.catalog, _actor(session), M.json_from_binbytes(msg.body))
    except metadata.AtomicError as exc:
        exc.body = M.binbytes_from_json(exc.json)
        raise
    return 0, M.binbytes_from_json(reply), b""


@api(20007)
def touch_api(server, session, msg):
    touch.touch(server.catalog, _actor(session), M.json_from_binbytes(msg.body))
    return 0, b"", b""


@api(707)
def mod_acl(server, session, msg):
    root = M.parse(msg.body)
    server.catalog.set_acl(_actor(session), M.text(root, "path"), M.text(root, "accessLevel"),
                           M.text(root, "userName"), recursive=bool(M.integer(root, "recursiveFlag")))
    return 0, b"", b""


def _unscrambler(server, session):
    """How a password this session scrambled is read: keyed by a password the logged-in (proxy)
    user may have used and the session's signature, as iRODS's decodePw does."""
    sender = session.proxy_user or session.user
    return lambda value: decode_with_any(value, passwords_of(server, sender), session.signature)


def _administer(operation):
    """generalAdminInp_PI and userAdminInp_PI both carry arg0..arg9."""
    def handler(server, session, msg):
        root = M.parse(msg.body)
        operation(server.catalog, session.user, [M.text(root, f"arg{i}") for i in range(10)],
                  _unscrambler(server, session))
        return 0, b"", b""

    return handler


general_admin = api(701)(_administer(admin.general_admin))
user_admin = api(714)(_administer(users.user_admin))


@api(709)
def get_temp_password(server, session, msg):
    salt = temp_passwords.issue(server, server.catalog.user(session.user).password, session.user)
    return 0, M.to_bytes(M.build("getTempPasswordOut_PI", [("stringToHashWith", salt)])), b""


@api(724)
def get_temp_password_for_other(server, session, msg):
    """A rodsadmin's (the API table's LOCAL_PRIV_USER_AUTH), hashed with its own password."""
    if not server.catalog.is_admin(session.user):
        raise IrodsError(E.SYS_NO_API_PRIV, f"{session.user} is not a rodsadmin")
    target = M.text(M.parse(msg.body), "targetUser").split("#")[0]
    if server.catalog.user(target).type == "rodsgroup":
        raise IrodsError(E.CAT_INVALID_USER, target)
    salt = temp_passwords.issue(server, server.catalog.user(session.user).password, target)
    return 0, M.to_bytes(M.build("getTempPasswordForOtherOut_PI", [("stringToHashWith", salt)])), b""


@api(723)
def ticket_admin(server, session, msg):
    root = M.parse(msg.body)
    op, *args = [M.text(root, f"arg{i}") for i in range(1, 7)]
    tickets.admin(server.catalog, session, op, args)
    return 0, b"", b""
