"""Persistent identifiers for stored objects, behind one interface chosen by PID_SERVICE.

As B2SAFE does, an object's PID is kept twice: by the PID service (where the PID points)
and on the object itself as the AVU `PID`, so anyone who can read the object sees its PID
without asking the service. The AVU side is written once here (`PidService.mint`); a
service implements only its records: create one, drop one, resolve, follow a move.

    from rapydo_projects.b2stage.pids import pid_service
    pid = pid_service().mint(storage, info)   # in a request or a Celery task (app context)

`local` keeps handle-style records (`<PID_PREFIX>/<uuid>`) in the API's database.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from flask import current_app
from sqlalchemy import Text, func, literal, or_, select, update

from backend.errors import NotFound, PermissionDenied
from backend.settings import current_settings
from backend.storage.base import AVU, COLLECTION, DATAOBJECT, Info, Storage
from rapydo_projects.b2stage.models.handles import Handle

PID_ATTRIBUTE = "PID"
EXTENSION_KEY = "b2stage.pids"
MAX_PID_LENGTH = 255


@dataclass(frozen=True)
class Registration:
    """A registered object: a PID points at it."""

    path: str
    pid: str
    # The service knows the PID, so it can make it follow a move; one given elsewhere (an
    # object carrying a PID no record here has) may still point at the object from there.
    known: bool


@dataclass(frozen=True)
class PidRecord:
    pid: str
    path: str
    checksum: str | None
    owner: str
    created: datetime

    def as_dict(self) -> dict:
        return {"pid": self.pid, "path": self.path, "checksum": self.checksum,
                "owner": self.owner, "created": self.created.isoformat()}


def pid_of(storage: Storage, path: str) -> str | None:
    """The PID an object carries (its `PID` AVU), as the session's user can read it."""
    for avu in storage.metadata.get(path):
        if avu.attribute == PID_ATTRIBUTE:
            return avu.value
    return None


class PidService(ABC):
    """Where PIDs point. Methods raise the core's typed errors (NotFound, ServiceUnavailable)."""

    # --- what a service implements -------------------------------------------------------

    @abstractmethod
    def create(self, info: Info) -> str:
        """A new PID pointing at the data object `info`."""

    @abstractmethod
    def discard(self, pid: str) -> None:
        """Drop a PID `create` just made, when its object could not take it."""

    @abstractmethod
    def claim(self, pid: str, info: Info) -> bool:
        """Make `pid` (which the object `info` already carries) point at `info`: True when it
        did, or may now; False when the PID belongs to another object (a copy carries its
        original's AVUs, not its identity)."""

    @abstractmethod
    def resolve(self, pid: str) -> PidRecord:
        """Where `pid` points; NotFound for a PID this service does not know."""

    @abstractmethod
    def moved(self, pid: str, new_path: str) -> None:
        """The object of `pid` now lives at `new_path`."""

    # --- written once --------------------------------------------------------------------

    def mint(self, storage: Storage, info: Info) -> str:
        """The PID of the data object `info`, minted now unless it already has its own.

        Idempotent: an object carrying a PID AVU that is its own keeps it. The session
        must be allowed to write the object's metadata (PermissionDenied otherwise).
        """
        carried = pid_of(storage, info.path)
        if carried is not None and self.claim(carried, info):
            return carried
        pid = self.create(info)
        try:
            storage.metadata.set(info.path, AVU(PID_ATTRIBUTE, pid))
        except BaseException:
            self.discard(pid)
            raise
        return pid

    def registrations(self, storage: Storage, info: Info) -> Iterator[Registration]:
        """The registered objects at or below `info`, as `storage` can read them: those
        carrying a PID that points at them, or one this service does not know. (A copy
        carries its original's PID, which points elsewhere: it is not registered.)"""
        for item in _objects(storage, info):
            pid = pid_of(storage, item.path)
            if pid is None:
                continue
            try:
                record = self.resolve(pid)
            except NotFound:
                yield Registration(item.path, pid, known=False)
                continue
            if record.path == item.path:
                yield Registration(item.path, pid, known=True)

    def follow(self, storage: Storage, old: Info, new: Info) -> None:
        """`old` was moved (renamed) to `new`: make the PIDs of what moved point at it."""
        if new.type == COLLECTION:
            self.moved_tree(storage, old.path, new.path)
        else:
            self._follow_object(storage, old.path, new.path)

    def moved_tree(self, storage: Storage, old_path: str, new_path: str) -> None:
        """A collection moved from `old_path` to `new_path`: follow every PID below it.

        Walks the moved tree and reads each object's PID AVU; a service that can find its
        records by path does better (LocalHandles)."""
        stack = [new_path]
        while stack:
            for child in storage.children(stack.pop()):
                if child.type == DATAOBJECT:
                    self._follow_object(storage, old_path + child.path[len(new_path):], child.path)
                else:
                    stack.append(child.path)

    def _follow_object(self, storage: Storage, old_path: str, new_path: str) -> None:
        pid = pid_of(storage, new_path)
        if pid is None:
            return
        try:
            record = self.resolve(pid)
        except NotFound:
            return
        # A copy carries its original's PID AVU: only the object the PID points at moves it.
        if record.path == old_path:
            self.moved(pid, new_path)


def _objects(storage: Storage, info: Info) -> Iterator[Info]:
    """`info` if it is a data object, else every data object below it."""
    if info.type == DATAOBJECT:
        yield info
        return
    stack = [info.path]
    while stack:
        for child in storage.children(stack.pop()):
            if child.type == DATAOBJECT:
                yield child
            else:
                stack.append(child.path)


def _exists(storage: Storage, path: str) -> bool:
    try:
        storage.stat(path)
    except NotFound:
        return False
    except PermissionDenied:
        return True  # there, if not for this session's eyes
    return True


class LocalHandles(PidService):
    """Handle-style PIDs (`<prefix>/<uuid>`) recorded in the API's database."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    @staticmethod
    def _database():
        from backend.projects import database

        return database()

    def create(self, info: Info) -> str:
        pid = f"{self.prefix}/{uuid.uuid4()}"
        with self._database().transaction(write=True) as session:
            session.add(Handle(pid=pid, path=info.path, checksum=info.checksum, owner=info.owner,
                               created=datetime.now(timezone.utc)))
        return pid

    def discard(self, pid: str) -> None:
        with self._database().transaction(write=True) as session:
            handle = session.get(Handle, pid)
            if handle is not None:
                session.delete(handle)

    def claim(self, pid: str, info: Info) -> bool:
        if len(pid) > MAX_PID_LENGTH:
            return False
        with self._database().transaction(write=True) as session:
            handle = session.get(Handle, pid, with_for_update=True)
            if handle is None:
                # A PID given elsewhere (B2SAFE, an import): record where it points.
                session.add(Handle(pid=pid, path=info.path, checksum=info.checksum,
                                   owner=info.owner, created=datetime.now(timezone.utc)))
                return True
            if handle.path != info.path:
                return False
            # The same object, maybe with new bytes (an upload with force=true).
            handle.checksum = info.checksum
            return True

    def resolve(self, pid: str) -> PidRecord:
        handle = None
        if len(pid) <= MAX_PID_LENGTH:
            with self._database().transaction() as session:
                handle = session.get(Handle, pid)
        if handle is None:
            raise NotFound(f"unknown PID {pid}")
        created = handle.created
        if created.tzinfo is None:  # SQLite hands back naive datetimes
            created = created.replace(tzinfo=timezone.utc)
        return PidRecord(handle.pid, handle.path, handle.checksum, handle.owner, created)

    def registrations(self, storage: Storage, info: Info) -> Iterator[Registration]:
        # The records first: they also find objects whose PID AVU was removed since.
        below = info.path.rstrip("/") + "/"
        with self._database().transaction() as session:
            handles = list(session.scalars(select(Handle).where(or_(
                Handle.path == info.path, func.substr(Handle.path, 1, len(below)) == below))))
        seen = set()
        for handle in handles:
            if _exists(storage, handle.path):  # not a record its object outlived
                seen.add(handle.path)
                yield Registration(handle.path, handle.pid, known=True)
        yield from (found for found in super().registrations(storage, info) if found.path not in seen)

    def moved(self, pid: str, new_path: str) -> None:
        with self._database().transaction(write=True) as session:
            session.execute(update(Handle).where(Handle.pid == pid).values(path=new_path))

    def moved_tree(self, storage: Storage, old_path: str, new_path: str) -> None:
        # One statement: every record at or below old_path gets the new prefix. substr()
        # rather than LIKE, whose wildcards '%' and '_' may appear in paths.
        below = old_path.rstrip("/") + "/"
        rest = func.substr(Handle.path, len(below) + 1)
        with self._database().transaction(write=True) as session:
            session.execute(update(Handle).where(Handle.path == old_path).values(path=new_path))
            session.execute(update(Handle)
                            .where(func.substr(Handle.path, 1, len(below)) == below)
                            .values(path=literal(new_path.rstrip("/") + "/", Text).concat(rest)))


def _local(settings) -> PidService:
    return LocalHandles(settings.project_settings.get("pid_prefix", "21.T12995"))


# PID_SERVICE value -> the factory of its service (from the app's Settings).
SERVICES = {"local": _local}


def build(settings) -> PidService:
    """The configured service; RuntimeError (stops the start-up) for a bad configuration."""
    name = settings.project_settings.get("pid_service", "local").strip().lower()
    if name not in SERVICES:
        raise RuntimeError(f"unknown PID_SERVICE {name!r}: use one of {', '.join(sorted(SERVICES))}")
    prefix = settings.project_settings.get("pid_prefix", "21.T12995")
    if not prefix or "/" in prefix or len(prefix) > 64:
        raise RuntimeError(f"invalid PID_PREFIX {prefix!r}: a handle prefix such as 21.T12995, without '/'")
    return SERVICES[name](settings)


def pid_service() -> PidService:
    """The app's PID service (built at the first use in this process)."""
    service = current_app.extensions.get(EXTENSION_KEY)
    if service is None:
        service = current_app.extensions[EXTENSION_KEY] = build(current_settings())
    return service
