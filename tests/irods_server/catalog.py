"""The in-memory catalog: users, collections, data objects, ACLs, AVUs and tickets.

One catalog per server. Every public method takes the acting user name and
checks permissions itself, raising IrodsError with the code a real iRODS 4.3
server would send, so clients see the same exceptions.
"""

import base64
import hashlib
import itertools
import posixpath
import threading
import time
from dataclasses import dataclass, field

from . import errors as E
from .errors import IrodsError

# Access levels as iRODS stores them (R_TOKN_MAIN 'access_type').
LEVELS = {"null": 0, "read_object": 1050, "modify_object": 1120, "own": 1200}
ALIASES = {"read": "read_object", "write": "modify_object", "modify": "modify_object"}
NAMES = {v: k for k, v in LEVELS.items()}
READ, MODIFY, OWN = LEVELS["read_object"], LEVELS["modify_object"], LEVELS["own"]


def now():
    return int(time.time())


def normalize(path):
    path = posixpath.normpath(path or "/")
    return "/" + path.lstrip("/")


@dataclass
class User:
    id: int
    name: str
    type: str
    password: str
    zone: str
    ctime: int = field(default_factory=now)


@dataclass
class Node:
    id: int
    path: str
    owner: str
    acl: dict = field(default_factory=dict)  # user name -> level
    avus: list = field(default_factory=list)  # [id, attr, value, units, ctime, mtime]
    ctime: int = field(default_factory=now)
    mtime: int = field(default_factory=now)

    @property
    def name(self):
        return posixpath.basename(self.path)

    @property
    def parent(self):
        return posixpath.dirname(self.path)


@dataclass
class Coll(Node):
    inherit: bool = False


@dataclass
class Obj(Node):
    data: bytearray = field(default_factory=bytearray)
    checksum: str = ""


@dataclass
class Ticket:
    id: int
    string: str
    type: str  # read | write
    owner: str
    target: str
    uses_limit: int = 0
    uses_count: int = 0


def sha2(data):
    return "sha2:" + base64.b64encode(hashlib.sha256(bytes(data)).digest()).decode()


class Catalog:
    def __init__(self, zone="tempZone", admin=("rods", "rods")):
        self.zone = zone
        self.lock = threading.RLock()
        self._ids = itertools.count(10000)
        self.users = {}
        self.colls = {}
        self.objs = {}
        self.tickets = {}
        for path in ("/", f"/{zone}", f"/{zone}/home", f"/{zone}/trash"):
            self.colls[path] = Coll(self.next_id(), path, admin[0])
        self.add_user(admin[0], admin[1], "rodsadmin")
        for path in ("/", f"/{zone}", f"/{zone}/home", f"/{zone}/trash"):
            self.colls[path].acl[admin[0]] = OWN

    def next_id(self):
        return next(self._ids)

    # ---- users -------------------------------------------------------------------------

    def add_user(self, name, password, type="rodsuser"):
        with self.lock:
            if name in self.users:
                raise IrodsError(E.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, name)
            self.users[name] = User(self.next_id(), name, type, password, self.zone)
            home = f"/{self.zone}/home/{name}"
            if home not in self.colls:
                self.colls[home] = Coll(self.next_id(), home, name, acl={name: OWN})
            return self.users[name]

    def user(self, name):
        try:
            return self.users[name]
        except KeyError:
            raise IrodsError(E.CAT_INVALID_USER, name)

    # ---- lookups and permissions ---------------------------------------------------------

    def coll(self, path):
        try:
            return self.colls[normalize(path)]
        except KeyError:
            raise IrodsError(E.CAT_UNKNOWN_COLLECTION, path)

    def obj(self, path):
        try:
            return self.objs[normalize(path)]
        except KeyError:
            raise IrodsError(E.OBJ_PATH_DOES_NOT_EXIST, path)

    def node(self, path):
        path = normalize(path)
        if path in self.objs:
            return self.objs[path]
        if path in self.colls:
            return self.colls[path]
        raise IrodsError(E.OBJ_PATH_DOES_NOT_EXIST, path)

    def level(self, node, user):
        return node.acl.get(user, 0)

    def require(self, node, user, level):
        if self.level(node, user) < level:
            raise IrodsError(E.CAT_NO_ACCESS_PERMISSION, f"{user} on {node.path}")

    def _new_acl(self, parent, owner):
        # Inheritance copies the parent's ACL at creation time, as iRODS does.
        acl = dict(parent.acl) if parent.inherit else {}
        acl[owner] = OWN
        return acl

    def _free_name(self, path):
        if path in self.colls:
            raise IrodsError(E.CAT_NAME_EXISTS_AS_COLLECTION, path)
        if path in self.objs:
            raise IrodsError(E.CAT_NAME_EXISTS_AS_DATAOBJ, path)

    def children(self, path):
        prefix = path.rstrip("/") + "/"
        colls = [p for p in self.colls if p.startswith(prefix) and p != path]
        objs = [p for p in self.objs if p.startswith(prefix)]
        return colls, objs

    # ---- collections ---------------------------------------------------------------------

    def mkdir(self, user, path, recursive=False):
        with self.lock:
            path = normalize(path)
            if path in self.colls:
                if recursive:
                    return self.colls[path]
                raise IrodsError(E.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, path)
            if path in self.objs:
                raise IrodsError(E.CAT_NAME_EXISTS_AS_DATAOBJ, path)
            parent_path = posixpath.dirname(path)
            if parent_path not in self.colls and recursive:
                self.mkdir(user, parent_path, recursive=True)
            parent = self.coll(parent_path)
            self.require(parent, user, MODIFY)
            coll = Coll(self.next_id(), path, user, acl=self._new_acl(parent, user), inherit=parent.inherit)
            self.colls[path] = coll
            return coll

    def rmdir(self, user, path, recursive=False):
        with self.lock:
            coll = self.coll(path)
            self.require(coll, user, MODIFY)
            colls, objs = self.children(coll.path)
            if (colls or objs) and not recursive:
                raise IrodsError(E.CAT_COLLECTION_NOT_EMPTY, coll.path)
            for p in objs:
                self.require(self.objs[p], user, MODIFY)
            for p in colls:
                self.require(self.colls[p], user, MODIFY)
            for p in objs:
                del self.objs[p]
            for p in colls + [coll.path]:
                del self.colls[p]

    # ---- data objects --------------------------------------------------------------------

    def create(self, user, path, truncate=True):
        """Create, or open for writing an existing object (truncating if asked)."""
        with self.lock:
            path = normalize(path)
            if path in self.colls:
                raise IrodsError(E.CAT_NAME_EXISTS_AS_COLLECTION, path)
            parent = self.coll(posixpath.dirname(path))
            if path in self.objs:
                obj = self.objs[path]
                self.require(obj, user, MODIFY)
                if truncate:
                    obj.data = bytearray()
                    obj.checksum = ""
                return obj
            self.require(parent, user, MODIFY)
            obj = Obj(self.next_id(), path, user, acl=self._new_acl(parent, user))
            self.objs[path] = obj
            return obj

    def unlink(self, user, path):
        with self.lock:
            obj = self.obj(path)
            self.require(obj, user, MODIFY)
            del self.objs[obj.path]

    def rename(self, user, src, dst):
        with self.lock:
            src, dst = normalize(src), normalize(dst)
            node = self.node(src)
            self.require(node, user, MODIFY)
            self._free_name(dst)
            dst_parent = self.coll(posixpath.dirname(dst))
            self.require(dst_parent, user, MODIFY)
            if isinstance(node, Obj):
                del self.objs[src]
                node.path = dst
                self.objs[dst] = node
                return
            colls, objs = self.children(src)
            for table, paths in ((self.colls, colls + [src]), (self.objs, objs)):
                moved = [table.pop(p) for p in paths]
                for item in moved:
                    item.path = dst + item.path[len(src):]
                    table[item.path] = item

    def copy(self, user, src, dst, force=False):
        with self.lock:
            source = self.obj(src)
            self.require(source, user, READ)
            dst = normalize(dst)
            if dst in self.objs and not force:
                raise IrodsError(E.OVERWRITE_WITHOUT_FORCE_FLAG, dst)
            target = self.create(user, dst)
            target.data = bytearray(source.data)
            target.checksum = source.checksum
            target.mtime = now()
            return target

    def checksum(self, user, path):
        with self.lock:
            obj = self.obj(path)
            self.require(obj, user, READ)
            obj.checksum = sha2(obj.data)
            return obj.checksum

    # ---- ACLs and AVUs ---------------------------------------------------------------------

    def set_acl(self, user, path, access, target_user, recursive=False):
        with self.lock:
            admin = access.startswith("admin:")
            access = access.split(":", 1)[1] if admin else access
            if admin and self.user(user).type != "rodsadmin":
                raise IrodsError(E.CAT_NO_ACCESS_PERMISSION, "admin mode needs rodsadmin")
            node = self.node(path)
            if not admin:
                self.require(node, user, OWN)
            if access in ("inherit", "noinherit"):
                if not isinstance(node, Coll):
                    raise IrodsError(E.CAT_INVALID_ARGUMENT, "inheritance is for collections")
                targets = [node] + ([self.colls[p] for p in self.children(node.path)[0]] if recursive else [])
                for coll in targets:
                    coll.inherit = access == "inherit"
                return
            access = ALIASES.get(access, access)
            if access not in LEVELS:
                raise IrodsError(E.CAT_INVALID_ARGUMENT, access)
            self.user(target_user)
            targets = [node]
            if recursive and isinstance(node, Coll):
                colls, objs = self.children(node.path)
                targets += [self.colls[p] for p in colls] + [self.objs[p] for p in objs]
            for item in targets:
                if LEVELS[access]:
                    item.acl[target_user] = LEVELS[access]
                else:
                    item.acl.pop(target_user, None)

    def modify_avu(self, user, op, kind, path, attr, value, units):
        with self.lock:
            node = self.coll(path) if kind == "-C" else self.obj(path)
            self.require(node, user, MODIFY)
            units = units or ""
            t = now()
            if op == "add":
                if any(a[1:4] == [attr, value, units] for a in node.avus):
                    raise IrodsError(E.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, attr)
                node.avus.append([self.next_id(), attr, value, units, t, t])
            elif op == "set":
                node.avus = [a for a in node.avus if a[1] != attr]
                node.avus.append([self.next_id(), attr, value, units, t, t])
            elif op in ("rm", "rmw"):
                before = len(node.avus)
                node.avus = [a for a in node.avus if a[1:4] != [attr, value, units]]
                if len(node.avus) == before:
                    raise IrodsError(E.CAT_SUCCESS_BUT_WITH_NO_INFO, attr)
            else:
                raise IrodsError(E.CAT_INVALID_ARGUMENT, op)
