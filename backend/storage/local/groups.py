"""Groups of the local backend, kept in the catalog as iRODS keeps them in ICAT: a group is
a name ACL entries may hold, its members get what it is granted (permissions.py).
"public" is no row: everyone is in it. Functions take a connection inside the caller's
transaction and raise the typed errors of backend.errors."""

from __future__ import annotations

import sqlite3

from backend.errors import AlreadyExists, Conflict, NotFound


def exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone() is not None


def existing(conn: sqlite3.Connection, name: str) -> None:
    if not exists(conn, name):
        raise NotFound(f"no such group {name!r}")


def create(conn: sqlite3.Connection, name: str) -> None:
    if exists(conn, name):
        raise AlreadyExists(f"group {name!r} already exists")
    # ACL entries are kept by name here (iRODS keeps them by id): entries left by a former
    # user of that name (the data they owned) would be handed to the group's members.
    if conn.execute("SELECT 1 FROM acls WHERE user = ? LIMIT 1", (name,)).fetchone():
        raise Conflict(f"ACL entries still name {name!r} (a former user's data): "
                       "choose another name for the group")
    conn.execute("INSERT INTO groups (name) VALUES (?)", (name,))


def remove(conn: sqlite3.Connection, name: str) -> None:
    """The group, its memberships and every ACL entry naming it, as iRODS' rmgroup does."""
    existing(conn, name)
    conn.execute("DELETE FROM acls WHERE user = ?", (name,))
    conn.execute("DELETE FROM groups WHERE name = ?", (name,))  # members: ON DELETE CASCADE


def add_member(conn: sqlite3.Connection, group: str, user: str) -> None:
    existing(conn, group)
    conn.execute("INSERT INTO group_members (group_name, user) VALUES (?, ?)"
                 " ON CONFLICT DO NOTHING", (group, user))


def remove_member(conn: sqlite3.Connection, group: str, user: str) -> None:
    existing(conn, group)
    removed = conn.execute("DELETE FROM group_members WHERE group_name = ? AND user = ?",
                           (group, user)).rowcount
    if not removed:
        raise NotFound(f"{user!r} is not a member of {group!r}")


def leave_all(conn: sqlite3.Connection, user: str) -> None:
    conn.execute("DELETE FROM group_members WHERE user = ?", (user,))


def every(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Every group -> its members, by name."""
    found: dict[str, list[str]] = {}
    for group, member in conn.execute(
            "SELECT g.name, m.user FROM groups g LEFT JOIN group_members m ON m.group_name = g.name"
            " ORDER BY g.name, m.user"):
        members = found.setdefault(group, [])
        if member is not None:
            members.append(member)
    return found


def members(conn: sqlite3.Connection, group: str) -> list[str]:
    existing(conn, group)
    return [row[0] for row in conn.execute(
        "SELECT user FROM group_members WHERE group_name = ? ORDER BY user", (group,))]


def of(conn: sqlite3.Connection, user: str) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT group_name FROM group_members WHERE user = ? ORDER BY group_name", (user,))]
