"""Collections and data objects: create, remove (to the trash or for good), rename, copy, checksum.

A mixin of Catalog (catalog.py), which supplies the tables, the lock and require().
"""

import posixpath

from . import errors as E
from . import trash
from .errors import IrodsError
from .model import DELETE, MODIFY, OWN, READ, Actor, Coll, Obj, normalize, now, sha2


def _name(who):
    return who.name if isinstance(who, Actor) else who


class Namespace:
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

    def mkdir(self, who, path, recursive=False):
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
                self.mkdir(who, parent_path, recursive=True)
            parent = self.coll(parent_path)
            self.require(parent, who, MODIFY)
            owner = _name(who)
            coll = Coll(self.next_id(), path, owner, acl=self._new_acl(parent, owner), inherit=parent.inherit)
            self.colls[path] = coll
            return coll

    def rmdir(self, who, path, recursive=False, force=False):
        with self.lock:
            coll = self.coll(path)
            self.require(coll, who, DELETE)
            colls, objs = self.children(coll.path)
            if (colls or objs) and not recursive:
                raise IrodsError(E.CAT_COLLECTION_NOT_EMPTY, coll.path)
            for p in objs:
                self.require(self.objs[p], who, DELETE)
            for p in colls:
                self.require(self.colls[p], who, DELETE)
            if not force and not trash.in_trash(self.zone, coll.path):
                self._move(coll.path, self._trash_slot(who, coll.path))
                return
            for p in objs:
                del self.objs[p]
            for p in colls + [coll.path]:
                del self.colls[p]

    # ---- data objects --------------------------------------------------------------------

    def create(self, who, path, truncate=True):
        """Create, or open for writing an existing object (truncating if asked)."""
        with self.lock:
            path = normalize(path)
            if path in self.colls:
                raise IrodsError(E.CAT_NAME_EXISTS_AS_COLLECTION, path)
            parent = self.coll(posixpath.dirname(path))
            if path in self.objs:
                obj = self.objs[path]
                self.require(obj, who, MODIFY, use_ticket=True)
                if truncate:
                    obj.data = bytearray()
                    obj.checksum = ""  # an overwrite invalidates the registered checksum
                return obj
            ticket = self.require(parent, who, MODIFY, use_ticket=True)
            # Uploaded through a write ticket: the ticket's owner owns it, so it can read it back.
            owner = ticket.owner if ticket else _name(who)
            obj = Obj(self.next_id(), path, owner, acl=self._new_acl(parent, owner))
            self.objs[path] = obj
            return obj

    def unlink(self, who, path, force=False):
        """Without forceFlag iRODS moves the object to the trash; in the trash, removal is final."""
        with self.lock:
            obj = self.obj(path)
            self.require(obj, who, DELETE)
            if force or trash.in_trash(self.zone, obj.path):
                del self.objs[obj.path]
                return None
            return self._move(obj.path, self._trash_slot(who, obj.path))

    def _trash_slot(self, who, path):
        """A free trash path for `path`, its parent collections created (owned by the remover)."""
        user = _name(who)
        target = trash.trash_path(self.zone, user, path, admin=self.is_admin(user))
        for parent in trash.parents(target, f"/{self.zone}/trash/home"):
            if parent not in self.colls:
                self.colls[parent] = Coll(self.next_id(), parent, user, acl={user: OWN})
        return trash.free_name(target, lambda p: p in self.colls or p in self.objs)

    def _move(self, src, dst):
        node = self.node(src)
        if isinstance(node, Obj):
            del self.objs[src]
            node.path = dst
            self.objs[dst] = node
            return dst
        colls, objs = self.children(src)
        for table, paths in ((self.colls, colls + [src]), (self.objs, objs)):
            moved = [table.pop(p) for p in paths]
            for item in moved:
                item.path = dst + item.path[len(src):]
                table[item.path] = item
        return dst

    def rename(self, who, src, dst):
        with self.lock:
            src, dst = normalize(src), normalize(dst)
            self.require(self.node(src), who, DELETE)
            self._free_name(dst)
            self.require(self.coll(posixpath.dirname(dst)), who, MODIFY)
            self._move(src, dst)

    def copy(self, who, src, dst, force=False):
        with self.lock:
            source = self.obj(src)
            self.require(source, who, READ, use_ticket=True)
            dst = normalize(dst)
            if dst in self.objs and not force:
                raise IrodsError(E.OVERWRITE_WITHOUT_FORCE_FLAG, dst)
            target = self.create(who, dst)
            target.data = bytearray(source.data)
            target.checksum = source.checksum
            target.mtime = now()
            return target

    def checksum(self, who, path, verify=False):
        """Compute and register sha2; with verify, compare against the registered one first."""
        with self.lock:
            obj = self.obj(path)
            self.require(obj, who, READ)
            actual = sha2(obj.data)
            if verify and obj.checksum and obj.checksum != actual:
                raise IrodsError(E.USER_CHKSUM_MISMATCH, f"{path}: registered {obj.checksum}, data {actual}")
            obj.checksum = actual
            return actual
