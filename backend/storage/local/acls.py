"""The ACL sub-manager of a session: reading needs read, changing needs own; a grant
names the group "public", a group of the catalog or an account the directory knows
(NotFound otherwise, so that a name nobody has yet cannot collect grants for whoever
takes it later)."""

from __future__ import annotations

from typing import Callable

from backend.errors import Conflict, NotFound
from backend.storage import accounts
from backend.storage.accounts import EVERYONE, Directory
from backend.storage.base import AccessLevel, Acl, AclManager
from backend.storage.local import groups, nodes, permissions
from backend.storage.local.catalog import SUBTREE, Catalog, translate_errors


class LocalAclManager(AclManager):
    def __init__(self, catalog: Catalog, actor, normalise: Callable[[str], str],
                 directory: Directory = EVERYONE):
        self._catalog = catalog
        self._actor = actor
        self._normalise = normalise
        self._directory = directory

    def _readable(self, path: str) -> nodes.Node:
        user = self._actor.require_user("read permissions")
        conn = self._catalog.connection()
        node = nodes.existing(conn, self._normalise(path))
        permissions.require(conn, node, user, AccessLevel.read, "read the permissions of")
        return node

    @translate_errors
    def get(self, path: str) -> list[Acl]:
        node = self._readable(path)
        return [Acl(user, level)
                for user, level in permissions.entries(self._catalog.connection(), node.id)]

    @translate_errors
    def set(self, path: str, user: str, level: AccessLevel, *, recursive: bool = False) -> None:
        actor = self._actor.require_user("change permissions")
        grantee = accounts.check_user_name(user)
        level = level if isinstance(level, AccessLevel) else AccessLevel.parse(level)
        path = self._normalise(path)
        # Removing an entry needs no account: stale names can always be cleaned up.
        # The directory is asked outside the catalog's write lock.
        known = level == AccessLevel.null or grantee == accounts.PUBLIC \
            or self._directory.known(grantee)
        with self._catalog.transaction() as conn:
            if not known and not groups.exists(conn, grantee):
                raise NotFound(f"no such user or group {grantee!r}")
            node = nodes.existing(conn, path)
            if recursive and node.is_collection:
                # All or nothing: one node the actor does not own refuses the whole change.
                permissions.require_subtree(conn, path, actor, AccessLevel.own,
                                            "change the permissions of")
                ids = [row[0] for row in conn.execute(
                    f"SELECT id FROM nodes WHERE {SUBTREE}", {"root": path})]
            else:
                permissions.require(conn, node, actor, AccessLevel.own, "change the permissions of")
                ids = [node.id]
            permissions.grant(conn, ids, grantee, level)

    @translate_errors
    def get_inheritance(self, path: str) -> bool:
        return self._readable(path).inherit

    @translate_errors
    def set_inheritance(self, path: str, inherit: bool, *, recursive: bool = False) -> None:
        actor = self._actor.require_user("change inheritance")
        path = self._normalise(path)
        with self._catalog.transaction() as conn:
            node = nodes.existing(conn, path)
            if not node.is_collection:
                raise Conflict(f"{path} is a data object: only collections have inheritance")
            flag = int(bool(inherit))
            if recursive:
                permissions.require_subtree(conn, path, actor, AccessLevel.own,
                                            "change the inheritance of", collections_only=True)
                conn.execute(f"UPDATE nodes SET inherit = :flag WHERE {SUBTREE}"
                             " AND type = 'collection'", {"flag": flag, "root": path})
            else:
                permissions.require(conn, node, actor, AccessLevel.own, "change the inheritance of")
                conn.execute("UPDATE nodes SET inherit = ? WHERE id = ?", (flag, node.id))
