"""iRODS groups, administered by the service account (a rodsadmin) as `iadmin mkgroup`,
`rmgroup`, `atg` and `rfg` do, and read from the catalog with GenQuery. iRODS keeps
them: membership and ACL checks are iRODS' own.

Sessions cache the ids a user's ACL entries may have (their own and their groups')
for READER_IDS_TTL seconds (storage.py). `MembershipClock` lets every process of the
deployment see at once that a change made through this module happened; changes made
outside the API (iadmin) are seen when the cache expires.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from irods.access import iRODSAccess
from irods.exception import (CAT_INSUFFICIENT_PRIVILEGE_LEVEL,
                             CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, SYS_NO_API_PRIV)
from irods.models import Group, User

from backend.errors import AlreadyExists, Conflict, NotFound, ServiceUnavailable
from backend.storage.accounts import PUBLIC
from backend.storage.irods import accounts

GROUP = "rodsgroup"
# iRODS removes the ACL entries of a removed user or group itself from 4.3.4 on
# (irods/irods#7778); before, they stayed behind, naming an id no account has.
REMOVES_GRANTS_ITSELF = (4, 3, 4)


class MembershipClock:
    """A file in DATA_DIR holding a new random value after every membership change, so
    that each process (uWSGI workers, the Celery worker) knows its cached ids are stale."""

    def __init__(self, path: Path):
        self.path = path

    def stamp(self) -> str:
        try:
            return self.path.read_text(encoding="ascii")
        except FileNotFoundError:
            return ""

    def tick(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}")
        temporary.write_text(uuid.uuid4().hex, encoding="ascii")
        os.replace(temporary, self.path)  # readers see the old value or the new, never half


def _type_of(session, name: str, zone: str) -> str | None:
    rows = session.query(User.type).filter(User.name == name, User.zone == zone).limit(1).all()
    return rows[0][User.type] if len(rows) else None


def _require_group(session, name: str, zone: str) -> None:
    if name == PUBLIC or _type_of(session, name, zone) != GROUP:
        raise NotFound(f"no such group {name!r}")


def every(session, zone: str) -> dict[str, list[str]]:
    names = {row[User.name] for row in session.query(User.name).filter(
        User.type == GROUP, User.zone == zone).get_results()} - {PUBLIC}
    found: dict[str, list[str]] = {name: [] for name in sorted(names)}
    # One row per (user, group the user is in); iRODS also lists each user in a group of
    # its own name, which is no group.
    rows = session.query(User.name, Group.name).filter(User.type != GROUP, User.zone == zone)
    for row in rows.get_results():
        if row[Group.name] in found:
            found[row[Group.name]].append(row[User.name])
    return {name: sorted(set(members)) for name, members in found.items()}


def members(session, zone: str, group: str) -> list[str]:
    _require_group(session, group, zone)
    rows = session.query(User.name).filter(User.type != GROUP, Group.name == group)
    return sorted({row[User.name] for row in rows.get_results()})


def of(session, zone: str, user: str) -> list[str]:
    rows = session.query(Group.name).filter(User.name == user, User.zone == zone)
    return sorted({row[Group.name] for row in rows.get_results()} - {user, PUBLIC})


def create(session, zone: str, group: str) -> None:
    try:
        session.groups.create(group, group_admin=False)
    except CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME:
        raise AlreadyExists(f"iRODS has a user or group named {group!r}") from None
    except (CAT_INSUFFICIENT_PRIVILEGE_LEVEL, SYS_NO_API_PRIV):
        raise _not_admin() from None


def remove(session, zone: str, group: str) -> None:
    _require_group(session, group, zone)
    if session.server_version < REMOVES_GRANTS_ITSELF:
        ids = [row[User.id] for row in session.query(User.id).filter(User.name == group).all()]
        for path in sorted(accounts.granted_paths(session, group, ids[0])):
            session.acls.set(iRODSAccess("null", path, group, zone), admin=True)
    try:
        session.groups.remove(group)
    except (CAT_INSUFFICIENT_PRIVILEGE_LEVEL, SYS_NO_API_PRIV):
        raise _not_admin() from None


def add_member(session, zone: str, group: str, user: str) -> None:
    _require_group(session, group, zone)
    kind = _type_of(session, user, zone)
    if kind is None:
        raise NotFound(f"iRODS has no user {user!r}")
    if kind == GROUP:
        raise Conflict(f"{user!r} is a group: groups have users as members")
    if group in of(session, zone, user):
        return
    try:
        session.groups.addmember(group, user, zone, group_admin=False)
    except CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME:
        pass  # added meanwhile
    except (CAT_INSUFFICIENT_PRIVILEGE_LEVEL, SYS_NO_API_PRIV):
        raise _not_admin() from None


def remove_member(session, zone: str, group: str, user: str) -> None:
    _require_group(session, group, zone)
    if group not in of(session, zone, user):
        raise NotFound(f"{user!r} is not a member of {group!r}")
    try:
        session.groups.removemember(group, user, zone, group_admin=False)
    except (CAT_INSUFFICIENT_PRIVILEGE_LEVEL, SYS_NO_API_PRIV):
        raise _not_admin() from None


def leave_all(session, zone: str, user: str) -> bool:
    """Take `user` out of every group but public; whether they were in any."""
    groups = of(session, zone, user)
    for group in groups:
        session.groups.removemember(group, user, zone, group_admin=False)
    return bool(groups)


def _not_admin() -> ServiceUnavailable:
    return ServiceUnavailable("the iRODS service account (IRODS_USER) is no rodsadmin: "
                              "it cannot administer groups")
