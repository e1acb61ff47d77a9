"""The workflow registry: CWL documents by (name, version), validated, kept in the database
and, as a copy users can reach with their usual tools, in storage:
`/<zone>/home/<owner>/workflows/<name>/<version>/workflow.cwl`.

Anyone logged in may read the registry; changing or deleting an entry is for its owner
and administrators.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from backend.auth.db import Database
from backend.auth.models import utcnow
from backend.errors import AlreadyExists, NotFound, PermissionDenied, Unprocessable
from backend.storage import paths
from backend.workflows.models import Base, Workflow
from backend.workflows.validation import DOCUMENT_NAME, validate

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


def check_name(kind: str, value, pattern: re.Pattern) -> str:
    if not isinstance(value, str) or not pattern.match(value) or value in (".", ".."):
        raise Unprocessable(f"invalid workflow {kind} {value!r}: letters, digits, '.', '_', '-'")
    return value


def _inputs_json(inputs) -> str | None:
    if inputs is None:
        return None
    if not isinstance(inputs, dict):
        raise Unprocessable("default inputs must be a JSON object (a CWL job order)")
    return json.dumps(inputs, sort_keys=True)


class Registry:
    def __init__(self, db: Database, zone: str):
        self.db = db
        self.zone = zone

    def create_schema(self) -> None:
        with self.db.schema_lock() as session:
            Base.metadata.create_all(session.connection())

    def _document_path(self, owner: str, name: str, version: str) -> str:
        collection = paths.join(paths.join(f"/{self.zone}/home/{owner}/workflows", name), version)
        return paths.join(collection, DOCUMENT_NAME)

    def register(self, storage, owner: str, name: str, version: str, cwl: str,
                 inputs: dict | None = None) -> Workflow:
        """Validate, store the document in the owner's storage, then record it."""
        check_name("name", name, NAME)
        check_name("version", version, VERSION)
        summary = validate(cwl)
        default_inputs = _inputs_json(inputs)
        with self.db.transaction() as session:
            if session.scalar(select(Workflow.id).where(Workflow.name == name,
                                                        Workflow.version == version)):
                raise AlreadyExists(f"workflow {name} version {version} is already registered")
        path = self._document_path(owner, name, version)
        storage.write_file_content(path, cwl, parents=True, force=True)
        workflow = Workflow(name=name, version=version, owner=owner, cwl=cwl,
                            default_inputs=default_inputs, summary=json.dumps(
                                {k: v for k, v in summary.items() if k != "checksum"}),
                            checksum=summary["checksum"], storage_path=path)
        try:
            with self.db.transaction(write=True) as session:
                session.add(workflow)
        except IntegrityError:
            raise AlreadyExists(f"workflow {name} version {version} is already registered") from None
        return workflow

    def get(self, name: str, version: str) -> Workflow:
        with self.db.transaction() as session:
            workflow = session.scalars(select(Workflow).where(
                Workflow.name == name, Workflow.version == version)).one_or_none()
        if workflow is None:
            raise NotFound(f"no workflow {name} version {version}")
        return workflow

    def latest_version(self, name: str) -> str:
        """The version of `name` registered last."""
        with self.db.transaction() as session:
            version = session.scalar(select(Workflow.version).where(Workflow.name == name)
                                     .order_by(Workflow.created.desc(), Workflow.id.desc()).limit(1))
        if version is None:
            raise NotFound(f"no workflow {name}")
        return version

    def list(self, *, name: str | None = None, offset: int = 0, limit: int = 100) -> tuple[list[Workflow], int]:
        query = select(Workflow)
        count = select(func.count(Workflow.id))
        if name:
            query, count = query.where(Workflow.name == name), count.where(Workflow.name == name)
        with self.db.transaction() as session:
            total = session.scalar(count)
            rows = list(session.scalars(query.order_by(Workflow.name, Workflow.version)
                                        .offset(offset).limit(limit)))
        return rows, total

    def _changeable(self, workflow: Workflow, user: str, is_admin: bool, action: str) -> None:
        if workflow.owner != user and not is_admin:
            raise PermissionDenied(f"only {workflow.owner} (its owner) or an administrator may "
                                   f"{action} workflow {workflow.name} {workflow.version}")

    def update(self, storage, user: str, is_admin: bool, name: str, version: str, *,
               cwl: str | None = None, inputs: dict | None = None,
               inputs_given: bool = False) -> Workflow:
        workflow = self.get(name, version)
        self._changeable(workflow, user, is_admin, "change")
        changes: dict = {"updated": utcnow()}
        if cwl is not None:
            summary = validate(cwl)
            changes.update(cwl=cwl, checksum=summary["checksum"], summary=json.dumps(
                {k: v for k, v in summary.items() if k != "checksum"}))
        if inputs_given:
            changes["default_inputs"] = _inputs_json(inputs)
        if cwl is not None:
            storage.write_file_content(workflow.storage_path, cwl, parents=True, force=True)
        with self.db.transaction(write=True) as session:
            row = session.get(Workflow, workflow.id, with_for_update=True)
            if row is None:
                raise NotFound(f"no workflow {name} version {version}")
            for key, value in changes.items():
                setattr(row, key, value)
        return self.get(name, version)

    def delete(self, storage, user: str, is_admin: bool, name: str, version: str) -> None:
        workflow = self.get(name, version)
        self._changeable(workflow, user, is_admin, "delete")
        with self.db.transaction(write=True) as session:
            session.execute(delete(Workflow).where(Workflow.id == workflow.id))
        try:
            storage.remove(workflow.storage_path)
        except (NotFound, PermissionDenied):
            pass  # the copy in storage was removed or is not ours to remove: the entry is gone
