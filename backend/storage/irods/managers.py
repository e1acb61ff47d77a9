"""Metadata, permission and ticket sub-managers of an irods session (PRC's managers, checked)."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Literal

from irods.access import iRODSAccess
from irods.exception import CAT_INVALID_USER
from irods.meta import AVUOperation, iRODSMeta
from irods.models import Collection, DataObject, TicketQuery
from irods.ticket import Ticket as PrcTicket

from backend.errors import AlreadyExists, Conflict, NotFound, Unprocessable
from backend.storage.base import (AVU, COLLECTION, AccessLevel, Acl, AclManager,
                                  MetadataManager, Ticket, TicketManager, check_ticket_request,
                                  owned_ticket)
from backend.storage import avu_operations
from backend.storage.irods.errors import retried, translated
from backend.storage.accounts import check_user_name

READ, WRITE, OWN = AccessLevel.read, AccessLevel.write, AccessLevel.own
# What iRODS 4.3 calls the levels when it reports them, and what it accepts when setting.
LEVEL_NAMES = {"null": "null", "read": "read", "write": "write", "own": "own"}


class _Manager:
    def __init__(self, storage):
        self._storage = storage

    @property
    def _irods(self):
        return self._storage.irods

    @property
    def _catalog(self):
        """Who reads for this session once access is checked (IrodsStorage._catalog)."""
        return self._storage._catalog

    def _connection_lost(self) -> None:
        self._storage._connection_lost()

    def _require(self, path: str, level: AccessLevel, action: str):
        path = self._storage._path(path)
        return path, self._storage._require(path, level, action)


def _meta(avu: AVU) -> iRODSMeta:
    return iRODSMeta(avu.attribute, avu.value, avu.unit or None)


class IrodsMetadataManager(_Manager, MetadataManager):
    def _model(self, info):
        return Collection if info.type == COLLECTION else DataObject

    @retried
    def get(self, path: str) -> list[AVU]:
        path, info = self._require(path, READ, "read the metadata of")
        return [AVU(m.name, m.value, m.units or "")
                for m in self._catalog.metadata.get(self._model(info), path)]

    def _changeable(self, path: str, avu: AVU):
        self._storage._require_user("change metadata")
        if not isinstance(avu, AVU) or not avu.attribute or avu.value == "":
            raise Unprocessable("an AVU needs a non-empty attribute and value")
        return self._require(path, WRITE, "change the metadata of")

    @translated
    def add(self, path: str, avu: AVU) -> None:
        path, info = self._changeable(path, avu)
        if avu in self.get(path):
            raise AlreadyExists(f"{path} already has {avu.attribute}={avu.value}")
        self._irods.metadata.add(self._model(info), path, _meta(avu))

    @translated
    def set(self, path: str, avu: AVU) -> None:
        path, info = self._changeable(path, avu)
        self._irods.metadata.set(self._model(info), path, _meta(avu))

    @translated
    def remove(self, path: str, avu: AVU) -> None:
        path, info = self._changeable(path, avu)
        if avu not in self.get(path):
            raise NotFound(f"{path} has no {avu.attribute}={avu.value}")
        self._irods.metadata.remove(self._model(info), path, _meta(avu))

    @translated
    def apply(self, path: str, operations: list[tuple[str, AVU]]) -> list[AVU]:
        """Storage.apply_metadata: the difference the operations make (written once, in
        backend.storage.avu_operations), sent as one call of iRODS' atomic metadata API."""
        operations = avu_operations.checked(operations)
        self._storage._require_user("change metadata")
        path, info = self._require(path, WRITE, "change the metadata of")
        before = self.get(path)
        after = avu_operations.outcome(before, operations)
        removed, added = avu_operations.difference(before, after)
        changes = ([AVUOperation(operation="remove", avu=_meta(avu)) for avu in removed]
                   + [AVUOperation(operation="add", avu=_meta(avu)) for avu in added])
        if changes:
            self._irods.metadata.apply_atomic_operations(self._model(info), path, *changes)
        return after


class IrodsAclManager(_Manager, AclManager):
    def _target(self, info):
        catalog = self._catalog
        getter = catalog.collections if info.type == COLLECTION else catalog.data_objects
        return getter.get(info.path)

    @retried
    def get(self, path: str) -> list[Acl]:
        self._storage._require_user("read permissions")
        _, info = self._require(path, READ, "read the permissions of")
        return [Acl(access.user_name, AccessLevel.parse(access.access_name.replace(" ", "_")))
                for access in self._catalog.acls.get(self._target(info))]

    @translated
    def set(self, path: str, user: str, level: AccessLevel, *, recursive: bool = False) -> None:
        self._storage._require_user("change permissions")
        grantee = check_user_name(user)
        level = level if isinstance(level, AccessLevel) else AccessLevel.parse(level)
        path, info = self._require(path, OWN, "change the permissions of")
        if recursive and info.type == COLLECTION:
            self._storage._require_subtree(path, OWN, "change the permissions of")
        # iRODS keeps the accounts here. Asked first, because what iRODS answers for an
        # unknown name differs between releases and names the object, not the user.
        if not self._storage._account_exists(grantee):
            raise NotFound(f"no such user or group {grantee!r}")
        access = iRODSAccess(LEVEL_NAMES[level.name], path, grantee, self._storage.zone)
        try:
            self._irods.acls.set(access, recursive=recursive and info.type == COLLECTION)
        except CAT_INVALID_USER:  # removed meanwhile
            raise NotFound(f"no such user or group {grantee!r}") from None

    # For the storage session's own bookkeeping (uploads), done by the service account in
    # admin mode, on objects no user may change yet: no checks of the caller here.

    def _entries(self, catalog, path: str) -> dict[str, str]:
        """user or group name -> access level, as iRODS reports the ACL of the object."""
        return {access.user_name: access.access_name.replace(" ", "_")
                for access in catalog.acls.get(catalog.data_objects.get(path))}

    def _grant(self, catalog, path: str, user: str, level: str) -> None:
        catalog.acls.set(iRODSAccess(level, path, user, self._storage.zone), admin=True)

    @retried
    def get_inheritance(self, path: str) -> bool:
        self._storage._require_user("read permissions")
        path, info = self._require(path, READ, "read the permissions of")
        if info.type != COLLECTION:
            return False
        return bool(self._catalog.collections.get(path).inheritance)

    @translated
    def set_inheritance(self, path: str, inherit: bool, *, recursive: bool = False) -> None:
        self._storage._require_user("change inheritance")
        path, info = self._require(path, OWN, "change the inheritance of")
        if info.type != COLLECTION:
            raise Conflict(f"{path} is a data object: only collections have inheritance")
        if recursive:
            self._storage._require_subtree(path, OWN, "change the inheritance of")
        access = iRODSAccess("inherit" if inherit else "noinherit", path, "", "")
        self._irods.acls.set(access, recursive=recursive)


TICKET_COLUMNS = (TicketQuery.Ticket.string, TicketQuery.Ticket.type,
                  TicketQuery.Ticket.uses_limit, TicketQuery.Ticket.uses_count,
                  TicketQuery.Ticket.expiry_ts, TicketQuery.Owner.name)


def _moment(value) -> datetime | None:
    if value in (None, "", "0"):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(int(value), timezone.utc)


def load_ticket(session, string: str) -> Ticket | None:
    """A ticket by its string, with the path it grants (one query per kind of target)."""
    for target in ((TicketQuery.DataObject.coll, TicketQuery.DataObject.name),
                   (TicketQuery.Collection.name,)):
        rows = session.query(*TICKET_COLUMNS, TicketQuery.Ticket.create_time, *target) \
            .filter(TicketQuery.Ticket.string == string).all()
        for row in rows:
            path = "/".join(row[column] for column in target)
            limit = int(row[TicketQuery.Ticket.uses_limit] or 0)
            return Ticket(string=string, path=path, type=row[TicketQuery.Ticket.type],
                          owner=row[TicketQuery.Owner.name],
                          created=_moment(row[TicketQuery.Ticket.create_time])
                          or datetime.now(timezone.utc),
                          expires=_moment(row[TicketQuery.Ticket.expiry_ts]),
                          uses_limit=limit or None,
                          uses_count=int(row[TicketQuery.Ticket.uses_count] or 0))
    return None


class IrodsTicketManager(_Manager, TicketManager):
    @translated
    def create(self, path: str, type: Literal["read", "write"] = "read", *,
               expires: datetime | None = None, uses: int | None = None) -> Ticket:
        self._storage._require_user("create tickets")
        check_ticket_request(type, uses, expires)
        path, _ = self._require(path, OWN, "create a ticket on")
        ticket = PrcTicket(self._irods, secrets.token_hex(12))  # PRC's own are 15 characters
        ticket.issue(type, path)
        try:
            if uses is not None:
                ticket.modify("uses", str(uses))
            if expires is not None:
                moment = expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)
                ticket.modify("expire", moment.astimezone(timezone.utc).strftime(
                    "%Y-%m-%d.%H:%M:%S"))
        except BaseException:
            ticket.delete()  # a ticket without its limits must not stay usable
            raise
        return self.get(ticket.string)

    @retried
    def list(self) -> list[Ticket]:
        user = self._storage._require_user("list tickets")
        rows = self._irods.query(TicketQuery.Ticket.string, TicketQuery.Owner.name) \
            .filter(TicketQuery.Owner.name == user).all()
        tickets = [load_ticket(self._irods, row[TicketQuery.Ticket.string]) for row in rows]
        return sorted((t for t in tickets if t is not None), key=lambda t: (t.created, t.string))

    def _own(self, string: str, action: str) -> Ticket:
        user = self._storage._require_user(f"{action} tickets")
        # Read as the service account: another user's ticket is then "not yours", not "unknown".
        catalog = self._storage._backend.catalog_session() or self._irods
        ticket = load_ticket(catalog, string) if isinstance(string, str) and string else None
        return owned_ticket(ticket, user, action)

    @retried
    def get(self, string: str) -> Ticket:
        return self._own(string, "read")

    @translated
    def delete(self, string: str) -> None:
        self._own(string, "delete")
        PrcTicket(self._irods, string).delete()
