"""The in-memory catalog: users and groups, permissions, ACLs and AVUs.

One catalog per server. Every public method takes the acting user (a name or
an Actor carrying a supplied ticket) and checks permissions itself, raising
IrodsError with the code a real iRODS 4.3 server would send, so clients see
the same exceptions. Collection and data-object operations are in namespace.py.
"""

import itertools
import threading

from . import errors as E
from .errors import IrodsError
from .model import (  # noqa: F401  (re-exported: older imports name them from here)
    ALIASES, ANONYMOUS, DELETE, LEVELS, MODIFY, NAMES, OWN, PUBLIC, READ, Actor, Coll, Node, Obj, Ticket,
    Resource, User, normalize, now, sha2,
)
from .indexes import PathTable
from .namespace import Namespace


def as_actor(who):
    return who if isinstance(who, Actor) else Actor(who)


class Catalog(Namespace):
    def __init__(self, zone="tempZone", admin=("rods", "rods")):
        self.zone = zone
        self.lock = threading.RLock()
        self._ids = itertools.count(10000)
        self.users = {}
        self.members = {}  # group name -> explicit member names (public's members are implicit)
        self.colls = PathTable()  # path -> Coll, indexed for GenQuery (indexes.py)
        self.objs = PathTable()  # path -> Obj
        self.tickets = {}
        # The one resource (GenQuery shows it as genquery_rows.RESOURCE, id 9101); it carries AVUs.
        self.resources = {"demoResc": Resource(9101, "demoResc")}
        system = ("/", f"/{zone}", f"/{zone}/home", f"/{zone}/trash", f"/{zone}/trash/home")
        for path in system:
            self.colls[path] = Coll(self.next_id(), path, admin[0])
        self.add_group(PUBLIC)
        self.add_user(admin[0], admin[1], "rodsadmin")
        for path in system:
            self.colls[path].acl[admin[0]] = OWN
        # As a stock zone: no 'anonymous' user (an administrator creates it for tickets), and
        # /<zone>/home/public, the public group's home, readable by every user.
        public_home = f"/{zone}/home/{PUBLIC}"
        self.colls[public_home] = Coll(self.next_id(), public_home, admin[0],
                                       acl={admin[0]: OWN, PUBLIC: READ})

    def next_id(self):
        return next(self._ids)

    # ---- users and groups -------------------------------------------------------------------

    def add_user(self, name, password, type="rodsuser"):
        with self.lock:
            if name in self.users:
                raise IrodsError(E.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, name)
            self.users[name] = User(self.next_id(), name, type, password, self.zone)
            # iadmin mkuser makes both the home and the trash home.
            for home in (f"/{self.zone}/home/{name}", f"/{self.zone}/trash/home/{name}"):
                if home not in self.colls:
                    self.colls[home] = Coll(self.next_id(), home, name, acl={name: OWN})
            return self.users[name]

    def add_group(self, name):
        with self.lock:
            if name in self.users:
                raise IrodsError(E.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, name)
            self.users[name] = User(self.next_id(), name, "rodsgroup", None, self.zone)
            self.members[name] = set()
            return self.users[name]

    def add_to_group(self, group, user):
        with self.lock:
            if self.user(group).type != "rodsgroup":
                raise IrodsError(E.CAT_INVALID_GROUP, group)
            self.user(user)
            self.members[group].add(user)

    def remove_user(self, name):
        """iadmin rmuser: iRODS's acDeleteUser removes the home and trash home first
        (msiDeleteCollByAdmin), refusing with CAT_COLLECTION_NOT_EMPTY, the user kept, while
        either holds anything; so a user re-created under the name gets fresh, owned ones."""
        with self.lock:
            self.user(name)
            homes = [h for h in (f"/{self.zone}/home/{name}", f"/{self.zone}/trash/home/{name}") if h in self.colls]
            for home in homes:
                if any(self.children(home)):
                    raise IrodsError(E.CAT_COLLECTION_NOT_EMPTY, home)
            for home in homes:
                del self.colls[home]
            del self.users[name]
            self.members.pop(name, None)
            for members in self.members.values():
                members.discard(name)
            for node in list(self.colls.values()) + list(self.objs.values()):
                node.acl.pop(name, None)

    def user(self, name):
        try:
            return self.users[name]
        except KeyError:
            raise IrodsError(E.CAT_INVALID_USER, name)

    def is_admin(self, name):
        user = self.users.get(name)
        return user is not None and user.type == "rodsadmin"

    def groups_of(self, name):
        """The groups a user is in: the explicit ones and public (groups are in no group)."""
        user = self.users.get(name)
        if user is None or user.type == "rodsgroup":
            return set()
        return {g for g, members in self.members.items() if name in members} | {PUBLIC}

    def group_rows(self, name):
        """R_USER_GROUP as iRODS fills it: everyone is also a member of a group named after itself."""
        return {name} | self.groups_of(name)

    # ---- lookups and permissions -----------------------------------------------------------

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

    def level(self, node, who):
        """The best of the user's own entry and its groups' entries."""
        names = self.group_rows(as_actor(who).name)
        return max((lvl for name, lvl in node.acl.items() if name in names), default=0)

    def _ticket_for(self, node, actor, level):
        """The session's ticket if it covers node and its type grants `level` (never own)."""
        ticket = self.tickets.get(actor.ticket) if actor.ticket else None
        if ticket is None or not ticket.covers(node.path):
            return None
        return ticket if (READ if ticket.type == "read" else MODIFY) >= level else None

    def allowed(self, node, who, level):
        """require() without raising or counting a ticket use: GenQuery's row filter."""
        actor = as_actor(who)
        if self.level(node, actor) >= level:
            return True
        ticket = self._ticket_for(node, actor, level)
        return ticket is not None and not ticket.expired

    def require(self, node, who, level, use_ticket=False):
        """Raise unless allowed; return the ticket if it is what allowed it. With use_ticket
        (opens), such a ticket is charged one use, once per connection as iRODS does: further
        opens on a connection already charged are free. Own ACL entries cost nothing."""
        actor = as_actor(who)
        if self.level(node, actor) >= level:
            return None
        ticket = self._ticket_for(node, actor, level)
        if ticket is None:
            raise IrodsError(E.CAT_NO_ACCESS_PERMISSION, f"{actor.name} on {node.path}")
        if ticket.expired:
            raise IrodsError(E.CAT_TICKET_EXPIRED, ticket.string)
        if use_ticket and ticket.string not in actor.charged:
            if ticket.uses_limit and ticket.uses_count >= ticket.uses_limit:
                raise IrodsError(E.CAT_TICKET_USES_EXCEEDED, ticket.string)
            ticket.uses_count += 1
            actor.charged.add(ticket.string)
        return ticket

    def _new_acl(self, parent, owner):
        # As iRODS' catalog registers a new object or collection: with inheritance the
        # parent's ACL is copied and nothing else, so the creator holds only what the parent
        # grants them (it may be unable to rename or remove what it made); without, the
        # creator owns it.
        return dict(parent.acl) if parent.inherit else {owner: OWN}

    # ---- ACLs and AVUs ---------------------------------------------------------------------

    def set_acl(self, who, path, access, target_user, recursive=False):
        user = as_actor(who).name
        with self.lock:
            admin = access.startswith("admin:")
            access = access.split(":", 1)[1] if admin else access
            if admin and not self.is_admin(user):
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
            self.user(target_user)  # a user or a group
            targets = [node]
            if recursive and isinstance(node, Coll):
                colls, objs = self.children(node.path)
                targets += [self.colls[p] for p in colls] + [self.objs[p] for p in objs]
            for item in targets:
                if LEVELS[access]:
                    item.acl[target_user] = LEVELS[access]
                else:
                    item.acl.pop(target_user, None)
