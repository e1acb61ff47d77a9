"""LocalBackend: the embedded default, a vault directory plus a SQLite catalog.

Layout under the data directory:
    catalog.sqlite        collections, data objects, ACLs, AVUs, tickets (WAL mode)
    vault/<2 hex>/<uuid>  the bytes of each data object
    vault/.tmp/           uploads and copies in progress
"""

from __future__ import annotations

from pathlib import Path

from backend.errors import AlreadyExists, Conflict, NotFound, RapydoError
from backend.storage import accounts, paths
from backend.storage.base import AccessLevel, Storage, StorageBackend
from backend.storage.local import groups, nodes, permissions, tickets
from backend.storage.local.actors import TicketActor, UserActor
from backend.storage.local.catalog import Catalog, now, translate_errors
from backend.storage.local.storage import LocalStorage
from backend.storage.local.vault import Vault

# The account that owns the zone and the home root, as in an iRODS installation.
SERVICE_ACCOUNT = "rods"


class LocalBackend(StorageBackend):
    def __init__(self, data_dir: str | Path, *, zone: str = "tempZone", durable: bool = True,
                 reserve: int = 0):
        try:
            paths.normalise(f"/{zone}", zone)
        except RapydoError as exc:
            raise ValueError(f"invalid zone name {zone!r}") from exc
        self.zone = zone
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # `reserve`: bytes of the disk no data object may take (DISK_RESERVE, backend/disk.py).
        self.vault = Vault(self.data_dir / "vault", durable=durable, reserve=reserve)
        self.catalog = Catalog(self.data_dir / "catalog.sqlite")
        self._zone_root = f"/{zone}"
        self._home_root = f"/{zone}/home"
        self._bootstrap()

    @translate_errors
    def _bootstrap(self) -> None:
        """Schema, zone and home root: idempotent, safe when several workers start at once."""
        self.catalog.create_schema()
        with self.catalog.transaction() as conn:
            parent = None
            # The public group's home, readable by everyone, as in every iRODS zone.
            public_home = f"{self._home_root}/{accounts.PUBLIC}"
            for path in (self._zone_root, self._home_root, public_home):
                parent, created = nodes.create_root(conn, path, SERVICE_ACCOUNT, now(), parent)
                if created:
                    permissions.grant(conn, [parent.id], SERVICE_ACCOUNT, AccessLevel.own)
                    permissions.grant(conn, [parent.id], accounts.PUBLIC, AccessLevel.read)

    def session(self, user: str, credentials=None) -> Storage:
        # `credentials` is ignored: the local catalog trusts the API's own authentication.
        return LocalStorage(self.zone, self.catalog, self.vault, UserActor(user),
                            directory=self.accounts)

    @translate_errors
    def ticket_session(self, ticket: str) -> Storage:
        # Refuse a bad ticket now; each later operation checks it again.
        granted = tickets.load_valid(self.catalog.connection(), ticket, self.accounts)
        return LocalStorage(self.zone, self.catalog, self.vault,
                            TicketActor(ticket, self.accounts), granted, self.accounts)

    def anonymous_session(self) -> Storage:
        # The API never lets a user take the name (auth's RESERVED_USERNAMES).
        return LocalStorage(self.zone, self.catalog, self.vault, UserActor(accounts.ANONYMOUS),
                            directory=self.accounts)

    @translate_errors
    def create_home(self, user: str) -> str:
        home = paths.normalise(paths.join(self._home_root, accounts.check_account_name(user)),
                               self.zone)
        with self.catalog.transaction() as conn:
            if groups.exists(conn, user):
                raise Conflict(f"{user!r} is a group, not a user")
            node, created = nodes.create_root(conn, home, user, now(),
                                              nodes.existing(conn, self._home_root))
            if not node.is_collection:
                raise Conflict(f"{home} exists and is not a collection")
            if created:
                permissions.initialise(conn, node.id, user)
        return home

    @translate_errors
    def end_account(self, user: str) -> None:
        user = accounts.check_account_name(user)
        with self.catalog.transaction() as conn:
            conn.execute("DELETE FROM tickets WHERE owner = ?", (user,))
            conn.execute("DELETE FROM acls WHERE user = ? AND node_id IN"
                         " (SELECT id FROM nodes WHERE owner <> ?)", (user, user))
            groups.leave_all(conn, user)

    # --- groups (backend/storage/local/groups.py) ---------------------------------------

    @translate_errors
    def groups(self) -> dict[str, list[str]]:
        return groups.every(self.catalog.connection())

    @translate_errors
    def group_members(self, group: str) -> list[str]:
        return groups.members(self.catalog.connection(), accounts.check_user_name(group))

    @translate_errors
    def groups_of(self, user: str) -> list[str]:
        return groups.of(self.catalog.connection(), accounts.check_user_name(user))

    @translate_errors
    def create_group(self, group: str) -> None:
        group = accounts.check_account_name(group)
        home = paths.normalise(paths.join(self._home_root, group), self.zone)
        with self.catalog.transaction() as conn:
            # The catalog's accounts are those with a home, as iRODS makes one per user.
            if group == accounts.ANONYMOUS or nodes.by_path(conn, home) is not None:
                raise AlreadyExists(f"an account is named {group!r}")
            groups.create(conn, group)

    @translate_errors
    def remove_group(self, group: str) -> None:
        with self.catalog.transaction() as conn:
            groups.remove(conn, accounts.check_account_name(group))

    @translate_errors
    def add_member(self, group: str, user: str) -> None:
        user = accounts.check_account_name(user)
        if not self.accounts.known(user):
            raise NotFound(f"no such user {user!r}")
        with self.catalog.transaction() as conn:
            if groups.exists(conn, user):
                raise Conflict(f"{user!r} is a group: groups have users as members")
            groups.add_member(conn, accounts.check_account_name(group), user)

    @translate_errors
    def remove_member(self, group: str, user: str) -> None:
        with self.catalog.transaction() as conn:
            groups.remove_member(conn, accounts.check_account_name(group),
                                 accounts.check_user_name(user))

    def health(self) -> dict:
        try:
            row = self.catalog.connection().execute(
                "SELECT 1 FROM nodes WHERE path = ?", (self._zone_root,)).fetchone()
            if row is None:
                raise RuntimeError(f"the catalog has no zone {self._zone_root}")
            self.vault.check_writable()
        except Exception as exc:  # health reports, it never raises
            return {"status": "down", "backend": "local", "error": str(exc)}
        return {"status": "ok", "backend": "local", "zone": self.zone}

    def close(self) -> None:
        self.catalog.close()
