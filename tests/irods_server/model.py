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


@dataclass
class Node:
    id: int
    path: str
    owner: str
    acl: dict = field(default_factory=dict)  # user or group name -> level
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
    uses_limit: int = 0  # 0: unlimited
    uses_count: int = 0
    expiry: int = 0  # epoch seconds; 0: never
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
