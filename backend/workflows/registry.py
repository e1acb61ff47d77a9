"""The workflow registry: CWL documents by (name, version), validated, kept in the database
and, as a copy users can reach with their usual tools, in storage:
`/<zone>/home/<owner>/workflows/<name>/<version>/workflow.cwl`.

A name belongs to the user who registered it first: nobody else adds versions under it,
so "the latest version of x" is always its owner's. A name is private to its owner (and
administrators) until the owner makes it public; to everyone else a private workflow does
not exist (404), so names do not leak. Changing or deleting a version is for its owner
and administrators.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from backend.auth.db import Database
from backend.auth.models import utcnow
from backend.errors import AlreadyExists, NotFound, PayloadTooLarge, PermissionDenied, Unprocessable
from backend.storage import paths
from backend.workflows.documents import DOCUMENT_NAME, Limits
from backend.workflows.models import Base, Workflow, WorkflowName
from backend.workflows.validation import validate

# In a version's summary: its document was found self-contained (older versions are
# checked when a job first names them).
SELF_CONTAINED = "self_contained"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


def check_name(kind: str, value, pattern: re.Pattern) -> str:
    if not isinstance(value, str) or not pattern.match(value) or value in (".", ".."):
        raise Unprocessable(f"invalid workflow {kind} {value!r}: letters, digits, '.', '_', '-'")
    return value


def _taken(name: str) -> PermissionDenied:
    # Not who has it: the name may be private.
    return PermissionDenied(f"the workflow name {name} belongs to another user: only its owner "
                            f"adds versions to it; choose another name")


def _summary_json(summary: dict) -> str:
    # SELF_CONTAINED marks documents checked as this version of the registry checks them.
    return json.dumps({**{k: v for k, v in summary.items() if k != "checksum"},
                       SELF_CONTAINED: True})


def _inputs_json(inputs) -> str | None:
    if inputs is None:
        return None
    if not isinstance(inputs, dict):
        raise Unprocessable("default inputs must be a JSON object (a CWL job order)")
    return json.dumps(inputs, sort_keys=True)


def _visible_to(user: str):
    """The SQL condition for rows `user` may see (not an administrator): their own versions,
    versions under their names, and the name owner's versions of public names."""
    return or_(Workflow.owner == user, WorkflowName.owner == user,
               and_(WorkflowName.public.is_(True), WorkflowName.owner == Workflow.owner))


class Registry:
    def __init__(self, db: Database, zone: str, limits: Limits):
        self.db = db
        self.zone = zone
        self.limits = limits

    def create_schema(self) -> None:
        with self.db.schema_lock() as session:
            Base.metadata.create_all(session.connection())
            # Names registered before names had owners: each goes to the owner of its
            # first version, private (sharing is the owner's explicit choice).
            unclaimed = session.execute(
                select(Workflow.name, Workflow.owner).where(
                    Workflow.name.not_in(select(WorkflowName.name)))
                .order_by(Workflow.created, Workflow.id)).all()
            first: dict[str, str] = {}
            for name, owner in unclaimed:
                first.setdefault(name, owner)
            session.add_all(WorkflowName(name=name, owner=owner, public=False)
                            for name, owner in first.items())

    def _document_path(self, owner: str, name: str, version: str) -> str:
        collection = paths.join(paths.join(f"/{self.zone}/home/{owner}/workflows", name), version)
        return paths.join(collection, DOCUMENT_NAME)

    def register(self, storage, owner: str, name: str, version: str, cwl: str,
                 inputs: dict | None = None, public: bool | None = None) -> Workflow:
        """Validate, store the document in the owner's storage, then record it. Under a name
        someone else registered first: PermissionDenied, administrators included (the
        version would be theirs, not the name owner's). `public`, when given, is the name's."""
        check_name("name", name, NAME)
        check_name("version", version, VERSION)
        self._may_register(owner, name, version)
        summary = validate(cwl, self.limits)
        default_inputs = _inputs_json(inputs)
        path = self._document_path(owner, name, version)
        storage.write_file_content(path, cwl, parents=True, force=True)
        workflow = Workflow(name=name, version=version, owner=owner, cwl=cwl,
                            default_inputs=default_inputs, summary=_summary_json(summary),
                            checksum=summary["checksum"], storage_path=path)
        for attempt in (1, 2):
            try:
                self._record(workflow, public)
                break
            except IntegrityError:  # registered meanwhile: say why, as if it had been first
                self._may_register(owner, name, version)
                if attempt == 2:
                    raise
        return self.get(name, version)

    def _record(self, workflow: Workflow, public: bool | None) -> None:
        """The version, and its name's claim when it is the name's first (checked again
        inside the transaction that writes: someone may have taken the name meanwhile)."""
        with self.db.transaction(write=True) as session:
            claim = session.get(WorkflowName, workflow.name, with_for_update=True)
            if claim is None:
                session.add(WorkflowName(name=workflow.name, owner=workflow.owner,
                                         public=bool(public)))
            elif claim.owner != workflow.owner:
                raise _taken(workflow.name)
            elif public is not None:
                claim.public = public
            session.add(workflow)

    def _may_register(self, owner: str, name: str, version: str) -> None:
        with self.db.transaction() as session:
            if session.scalar(select(Workflow.id).where(Workflow.name == name,
                                                        Workflow.version == version)):
                raise AlreadyExists(f"workflow {name} version {version} is already registered")
            claim = session.get(WorkflowName, name)
        if claim is not None and claim.owner != owner:
            raise _taken(name)

    def get(self, name: str, version: str) -> Workflow:
        """Any user's version, whoever asks: for the workers and the job service."""
        with self.db.transaction() as session:
            workflow = session.scalars(select(Workflow).where(
                Workflow.name == name, Workflow.version == version)).unique().one_or_none()
        if workflow is None:
            raise NotFound(f"no workflow {name} version {version}")
        return workflow

    def visible(self, name: str, version: str, user: str, is_admin: bool) -> Workflow:
        """The version if `user` may see it, else NotFound, as if it did not exist."""
        workflow = self.get(name, version)
        claim = workflow.claim
        if not (is_admin or user in (workflow.owner, claim and claim.owner)
                or (claim and claim.public and claim.owner == workflow.owner)):
            raise NotFound(f"no workflow {name} version {version}")
        return workflow

    def claim(self, name: str, user: str, is_admin: bool) -> WorkflowName:
        """The name, its owner and sharing, if `user` may see it, else NotFound."""
        with self.db.transaction() as session:
            claim = session.get(WorkflowName, name)
        if claim is None or not (is_admin or claim.public or claim.owner == user):
            raise NotFound(f"no workflow {name}")
        return claim

    def latest_version(self, name: str) -> str:
        """The version of `name` its owner registered last."""
        with self.db.transaction() as session:
            version = session.scalar(
                select(Workflow.version).join(WorkflowName, WorkflowName.name == Workflow.name)
                .where(Workflow.name == name, Workflow.owner == WorkflowName.owner)
                .order_by(Workflow.created.desc(), Workflow.id.desc()).limit(1))
        if version is None:
            raise NotFound(f"no workflow {name}")
        return version

    def runnable(self, name: str, version: str | None, user: str, is_admin: bool) -> Workflow:
        """What a job of `user` naming `name` (and `version`, or its owner's latest) runs."""
        if version is None:
            self.claim(name, user, is_admin)
            version = self.latest_version(name)
        workflow = self.visible(name, version, user, is_admin)
        if not json.loads(workflow.summary).get(SELF_CONTAINED):
            self._check_again(workflow)
        return workflow

    def _check_again(self, workflow: Workflow) -> None:
        """A version registered before documents had to be self-contained runs only once
        its document passes today's validation (then it is marked, and not checked again)."""
        try:
            summary = validate(workflow.cwl, self.limits)
        except (Unprocessable, PayloadTooLarge) as exc:
            raise Unprocessable(f"workflow {workflow.name} {workflow.version} was registered "
                                f"before documents had to be self-contained, and its document "
                                f"is refused now: {exc.message}") from None
        with self.db.transaction(write=True) as session:
            row = session.get(Workflow, workflow.id, with_for_update=True)
            if row is not None and row.cwl == workflow.cwl:  # not changed meanwhile
                row.summary = _summary_json(summary)

    def share(self, name: str, user: str, is_admin: bool, public: bool) -> WorkflowName:
        """Make `name` public or private again (its owner or an administrator)."""
        claim = self.claim(name, user, is_admin)
        if claim.owner != user and not is_admin:
            raise PermissionDenied(f"only the owner of workflow {name} or an administrator may "
                                   f"share it")
        with self.db.transaction(write=True) as session:
            session.get(WorkflowName, name, with_for_update=True).public = public
        return self.claim(name, user, is_admin)

    def list(self, user: str, is_admin: bool, *, name: str | None = None, offset: int = 0,
             limit: int = 100) -> tuple[list[Workflow], int]:
        """The versions `user` may see, by name and version."""
        query = select(Workflow).outerjoin(WorkflowName, WorkflowName.name == Workflow.name)
        if not is_admin:
            query = query.where(_visible_to(user))
        if name:
            query = query.where(Workflow.name == name)
        with self.db.transaction() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = list(session.scalars(query.order_by(Workflow.name, Workflow.version)
                                        .offset(offset).limit(limit)).unique())
        return rows, total

    def _changeable(self, workflow: Workflow, user: str, is_admin: bool, action: str) -> None:
        if workflow.owner != user and not is_admin:
            raise PermissionDenied(f"only {workflow.owner} (its owner) or an administrator may "
                                   f"{action} workflow {workflow.name} {workflow.version}")

    def update(self, storage, user: str, is_admin: bool, name: str, version: str, *,
               cwl: str | None = None, inputs: dict | None = None,
               inputs_given: bool = False) -> Workflow:
        workflow = self.visible(name, version, user, is_admin)
        self._changeable(workflow, user, is_admin, "change")
        changes: dict = {"updated": utcnow()}
        if cwl is not None:
            summary = validate(cwl, self.limits)
            changes.update(cwl=cwl, checksum=summary["checksum"], summary=_summary_json(summary))
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
        """The version goes; the name stays its owner's (nobody else takes it over and
        with it the jobs that name it)."""
        workflow = self.visible(name, version, user, is_admin)
        self._changeable(workflow, user, is_admin, "delete")
        with self.db.transaction(write=True) as session:
            session.execute(delete(Workflow).where(Workflow.id == workflow.id))
        try:
            storage.remove(workflow.storage_path)
        except (NotFound, PermissionDenied):
            pass  # the copy in storage was removed or is not ours to remove: the entry is gone
