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
        """Paths of every collection and data object below `path`, down the tables' indexes."""
        colls, stack = [], self.colls.child_paths(path)
        while stack:
            colls.append(stack.pop())
            stack.extend(self.colls.child_paths(colls[-1]))
        objs = [p for parent in [path] + colls for p in self.objs.child_paths(parent)]
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
            if not force:
                # Even inside the trash: iRODS trashes again (trash/home/alice/trash/...), or
                # refuses with CAT_RECURSIVE_MOVE for a trash collection of the remover's own.
                self._move(coll.path, self._trash_slot(who, coll.path))
                return
            for p in objs:
                del self.objs[p]
            for p in colls:
                del self.colls[p]
            # iRODS removes the children first, then checks that the remover may write the
            # parent before it unregisters the collection itself (so a refusal comes late).
            self.require(self.coll(posixpath.dirname(coll.path)), who, MODIFY)
            del self.colls[coll.path]

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
            self.require(parent, who, MODIFY, use_ticket=True)
            # Through a write ticket too, the creator (anonymous) owns it, as in iRODS: the
            # ticket's owner cannot even see it unless someone grants them access.
            owner = _name(who)
            obj = Obj(self.next_id(), path, owner, acl=self._new_acl(parent, owner))
            self.objs[path] = obj
            return obj

    def unlink(self, who, path, force=False):
        """Without forceFlag iRODS moves the object to the trash, even from inside the trash."""
        with self.lock:
            obj = self.obj(path)
            self.require(obj, who, DELETE)
            if force:
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
        if posixpath.commonpath([src, dst]) == src and dst != src:
            raise IrodsError(E.CAT_RECURSIVE_MOVE, f"{src} into {dst}")
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

    def copy(self, who, src, dst, force=False, register_checksum=False):
        with self.lock:
            # rsDataObjCopy: a source that is not a data object (missing, a collection, a relative
            # or foreign path), a relative target or the source itself: USER_INPUT_PATH_ERR.
            source = self.objs.get(normalize(src)) if src.startswith("/") else None
            if source is None or not dst.startswith("/") or normalize(dst) == source.path:
                raise IrodsError(E.USER_INPUT_PATH_ERR, f"copy {src} to {dst}")
            self.require(source, who, READ, use_ticket=True)
            dst = normalize(dst)
            if dst in self.objs and not force:
                raise IrodsError(E.OVERWRITE_WITHOUT_FORCE_FLAG, dst)
            target = self.create(who, dst)
            target.data = bytearray(source.data)
            # iRODS registers no checksum on a copy unless asked (icp -k / -K).
            target.checksum = sha2(target.data) if register_checksum else ""
            target.mtime = now()
            return target

    def checksum(self, who, path, verify=False):
        """Compute and register sha2; with verify, compare against the registered one first."""
        with self.lock:
            obj = self.obj(path)
            self.require(obj, who, READ)
            actual = sha2(obj.data)
            if verify and not obj.checksum:
                # iRODS 4.3 verifies only what is registered (ichksum -K reports the replica).
                raise IrodsError(E.CAT_NO_CHECKSUM_FOR_REPLICA, path)
            if verify and obj.checksum != actual:
                raise IrodsError(E.USER_CHKSUM_MISMATCH, f"{path}: registered {obj.checksum}, data {actual}")
            obj.checksum = actual
            return actual
