"""The catalog's records and the vocabulary they share: access levels, paths, times, checksums."""

import base64
import hashlib
import posixpath
import time
from dataclasses import dataclass, field

# Access levels as iRODS 4.3 stores them (R_TOKN_MAIN 'access_type'); GenQuery compares the numbers.
LEVELS = {
    "null": 0, "read_metadata": 1040, "read_object": 1050, "create_metadata": 1070,
    "modify_metadata": 1080, "delete_metadata": 1090, "create_object": 1110,
    "modify_object": 1120, "delete_object": 1130, "own": 1200,
}
# The pre-4.3 names clients still send ("ichmod write"): write is modify_object, not delete_object.
ALIASES = {"read": "read_object", "write": "modify_object", "modify": "modify_object"}
NAMES = {v: k for k, v in LEVELS.items()}
READ, MODIFY, OWN = LEVELS["read_object"], LEVELS["modify_object"], LEVELS["own"]
# iRODS checks ACCESS_DELETE_OBJECT ("delete_object", 1130) to unlink, rename or remove, which is
# above modify_object: with the legacy levels only an owner may delete.
DELETE = LEVELS["delete_object"]

PUBLIC = "public"  # the group every user belongs to without being added
ANONYMOUS = "anonymous"  # logs in with any password; gets its rights from tickets


def now():
    return int(time.time())


def normalize(path):
    path = posixpath.normpath(path or "/")
    return "/" + path.lstrip("/")


def is_under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def sha2(data):
    # hashlib reads the bytearray through the buffer protocol: no copy of a large object.
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclass
class User:
    id: int
    name: str
    type: str  # rodsuser | rodsadmin | rodsgroup (groups live in the user table, as in R_USER_MAIN)
    password: str
    zone: str
    ctime: int = field(default_factory=now)
    info: str = ""
    comment: str = ""
    avus: list = field(default_factory=list)  # as Node.avus ('imeta add -u': users and groups have AVUs)
    dns: list = field(default_factory=list)  # R_USER_AUTH: distinguished names ('iadmin aua')


@dataclass
class Resource:
    """A storage resource as far as the catalog knows it here: its name and its AVUs ('-R')."""

    id: int
    name: str
    avus: list = field(default_factory=list)
    ctime: int = field(default_factory=now)


class Avus(list):
    """A node's AVUs. Every change to the list, or a list assigned to the node's `avus`, is
    reported to the catalog table holding the node (indexes.PathTable), which keeps GenQuery's
    index by attribute: code may change AVUs as plain lists. Changing the attribute of an AVU
    in place (avu[1] = ...) is not seen: replace the AVU, or call node.avus_changed()."""

    __slots__ = ("node",)

    def __init__(self, items=(), node=None):
        super().__init__(items)
        self.node = node


def _reporting(name):
    def method(self, *args):
        result = getattr(list, name)(self, *args)
        if self.node is not None:
            self.node.avus_changed()
        return result

    method.__name__ = name
    return method


for _name in ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
              "__setitem__", "__delitem__", "__iadd__", "__imul__"):
    setattr(Avus, _name, _reporting(_name))


@dataclass
class Node:
    id: int
    path: str
    owner: str
    acl: dict = field(default_factory=dict)  # user or group name -> level
    avus: list = field(default_factory=list)  # [id, attr, value, units, ctime, mtime] (an Avus)
    ctime: int = field(default_factory=now)
    mtime: int = field(default_factory=now)

    def __setattr__(self, name, value):
        if name == "avus":
            value = Avus(value, node=self)
        object.__setattr__(self, name, value)
        if name == "avus":
            self.avus_changed()

    def avus_changed(self):
        watcher = self.__dict__.get("_watcher")
        if watcher is not None:
            watcher(self)

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
    # Set by a test: the vault file is gone, so opens fail as iRODS' do (UNIX_FILE_OPEN_ERR).
    vault_lost: bool = False


@dataclass
class Ticket:
    id: int
    string: str
    type: str  # read | write
    owner: str
    target: str
    uses_limit: int = 0  # 0: unlimited
    uses_count: int = 0
    expiry: int = 0  # epoch seconds; 0: never
    # 'iticket mod <t> add user|group|host <name>': R_TICKET_ALLOWED_USERS/_GROUPS/_HOSTS. Kept,
    # not enforced: iRODS's refusals (CAT_TICKET_USER_EXCLUDED, ...) are codes PRC does not know.
    allowed: dict = field(default_factory=lambda: {"user": set(), "group": set(), "host": set()})
    ctime: int = field(default_factory=now)
    mtime: int = field(default_factory=now)

    def covers(self, path):
        return is_under(path, self.target)

    @property
    def expired(self):
        return bool(self.expiry) and now() >= self.expiry


@dataclass(frozen=True)
class Actor:
    """Who an operation runs as: the (client) user name and the ticket supplied on the connection."""

    name: str
    ticket: str = ""
    # Tickets this connection was already charged a use of: iRODS charges a ticket once per
    # connection (agent), at its first open, however many objects that connection then opens.
    charged: set = field(default_factory=set, compare=False, hash=False)
