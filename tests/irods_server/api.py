"""API number -> handler. Each handler takes (server, session, message) and returns
(int_info, body bytes, byte stream) or raises IrodsError."""

import posixpath
import secrets

from . import errors as E
from . import genquery
from . import messages as M
from .auth import authenticate
from .catalog import MODIFY, READ, Ticket
from .errors import IrodsError

O_ACCMODE, O_CREAT, O_TRUNC = 3, 64, 512
HANDLERS = {}


def api(number, needs_login=True):
    def register(func):
        func.needs_login = needs_login
        HANDLERS[number] = func
        return func

    return register


def _obj_inp(elem):
    return M.text(elem, "objPath"), M.integer(elem, "openFlags"), M.keyvals(elem)


def _acting_user(server, session, path, level):
    """With a ticket supplied, act as the ticket's owner inside the ticket's target."""
    ticket = server.catalog.tickets.get(session.ticket) if session.ticket else None
    if ticket and (path == ticket.target or path.startswith(ticket.target.rstrip("/") + "/")):
        if level <= READ or ticket.type == "write":
            return ticket.owner
    return session.user


@api(110000, needs_login=False)
def auth_request(server, session, msg):
    return 0, M.binbytes_from_json(authenticate(server, session, M.json_from_binbytes(msg.body))), b""


@api(702)
def gen_query(server, session, msg):
    return 0, genquery.run(server.catalog, msg.body), b""


@api(681)
def coll_create(server, session, msg):
    root = M.parse(msg.body)
    recursive = "recursiveOpr" in M.keyvals(root)
    server.catalog.mkdir(session.user, M.text(root, "collName"), recursive=recursive)
    return 0, b"", b""


@api(679)
def coll_remove(server, session, msg):
    root = M.parse(msg.body)
    recursive = "recursiveOpr" in M.keyvals(root)
    server.catalog.rmdir(session.user, M.text(root, "collName"), recursive=recursive)
    return 0, b"", b""


def _open(server, session, path, flags, create_only=False, kv=()):
    cat = server.catalog
    write = (flags & O_ACCMODE) != 0
    with cat.lock:
        user = _acting_user(server, session, path, MODIFY if write else READ)
        exists = path in cat.objs
        if create_only:
            if exists and "forceFlag" not in kv:
                raise IrodsError(E.OVERWRITE_WITHOUT_FORCE_FLAG, path)
            obj = cat.create(user, path, truncate=True)
        elif not exists:
            if path in cat.colls:
                raise IrodsError(E.SYS_API_INPUT_ERR, f"{path} is a collection")
            if not flags & O_CREAT:
                raise IrodsError(E.OBJ_PATH_DOES_NOT_EXIST, path)
            obj = cat.create(user, path)
        else:
            obj = cat.objs[path]
            cat.require(obj, user, MODIFY if write else READ)
            if write and flags & O_TRUNC:
                obj.data = bytearray()
                obj.checksum = ""
        write = write or create_only
    fd = session.new_fd(obj, write)
    return fd, b"", b""


@api(602)
def obj_open(server, session, msg):
    path, flags, kv = _obj_inp(M.parse(msg.body))
    return _open(server, session, path, flags, kv=kv)


@api(601)
def obj_create(server, session, msg):
    path, flags, kv = _obj_inp(M.parse(msg.body))
    return _open(server, session, path, flags | 1, create_only=True, kv=kv)


def _opened(session, msg):
    root = M.parse(msg.body)
    return root, session.fd(M.integer(root, "l1descInx"))


@api(675)
def obj_read(server, session, msg):
    root, handle = _opened(session, msg)
    size = M.integer(root, "len")
    with server.catalog.lock:
        chunk = bytes(handle.obj.data[handle.pos:handle.pos + size])
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
            data.extend(b"\0" * (handle.pos - len(data)))
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


@api(673)
def obj_close(server, session, msg):
    _, handle = _opened(session, msg)
    session.close_fd(handle)
    return 0, b"", b""


@api(20000)
def fd_info(server, session, msg):
    handle = session.fd(int(M.json_from_binbytes(msg.body).get("fd", -1)))
    info = {"replica_token": handle.token, "data_object_info": {
        "resource_hierarchy": "demoResc", "replica_number": 0, "object_path": handle.obj.path}}
    return 0, M.binbytes_from_json(info), b""


@api(20004)
def replica_close(server, session, msg):
    session.close_fd(session.fd(int(M.json_from_binbytes(msg.body).get("fd", -1))))
    return 0, b"", b""


@api(615)
def obj_unlink(server, session, msg):
    path, _, _ = _obj_inp(M.parse(msg.body))
    server.catalog.unlink(session.user, path)
    return 0, b"", b""


@api(627)
def obj_rename(server, session, msg):
    src, dst = M.parse(msg.body).findall("DataObjInp_PI")
    server.catalog.rename(session.user, M.text(src, "objPath"), M.text(dst, "objPath"))
    return 0, b"", b""


@api(696)
def obj_copy(server, session, msg):
    src, dst = M.parse(msg.body).findall("DataObjInp_PI")
    force = "forceFlag" in M.keyvals(dst)
    obj = server.catalog.copy(session.user, M.text(src, "objPath"), M.text(dst, "objPath"), force)
    reply = M.build("TransferStat_PI", [("numThreads", 1), ("bytesWritten", len(obj.data)), ("flags", 0)])
    return 0, M.to_bytes(reply), b""


@api(629)
def obj_checksum(server, session, msg):
    path, _, _ = _obj_inp(M.parse(msg.body))
    user = _acting_user(server, session, path, READ)
    return 0, M.str_pi(server.catalog.checksum(user, path)), b""


@api(706)
def mod_avu(server, session, msg):
    root = M.parse(msg.body)
    args = [M.text(root, f"arg{i}") for i in range(6)]
    server.catalog.modify_avu(session.user, *args)
    return 0, b"", b""


@api(707)
def mod_acl(server, session, msg):
    root = M.parse(msg.body)
    server.catalog.set_acl(session.user, M.text(root, "path"), M.text(root, "accessLevel"),
                           M.text(root, "userName"), recursive=bool(M.integer(root, "recursiveFlag")))
    return 0, b"", b""


@api(723)
def ticket_admin(server, session, msg):
    root = M.parse(msg.body)
    op, *args = [M.text(root, f"arg{i}") for i in range(1, 7)]
    cat = server.catalog
    with cat.lock:
        if op == "session":
            if args[0] not in cat.tickets:
                raise IrodsError(E.CAT_TICKET_INVALID, args[0])
            session.ticket = args[0]
        elif op == "create":
            string, kind, path = args[0] or secrets.token_hex(8), args[1], posixpath.normpath(args[2])
            node = cat.node(path)
            cat.require(node, session.user, READ if kind == "read" else MODIFY)
            cat.tickets[string] = Ticket(cat.next_id(), string, kind, session.user, path)
        elif op == "delete":
            ticket = cat.tickets.get(args[0])
            if ticket is None or ticket.owner != session.user:
                raise IrodsError(E.CAT_TICKET_INVALID, args[0])
            del cat.tickets[args[0]]
        elif op == "mod":
            ticket = cat.tickets.get(args[0])
            if ticket is None or ticket.owner != session.user:
                raise IrodsError(E.CAT_TICKET_INVALID, args[0])
            if args[1] == "uses":
                ticket.uses_limit = int(args[2] or 0)
        else:
            raise IrodsError(E.SYS_NOT_SUPPORTED, f"ticket {op}")
    return 0, b"", b""

