"""Accounts end cleanly (attacks: a disabled or deleted user's write ticket still wrote, their
queued job still ran, and a grant to a name nobody had passed to whoever took it later).

Over HTTP against the real API under uWSGI: tickets and grants on both storage backends
(local, and irods against tests/irods_server), jobs with a real Celery worker.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from tests.api.deployments import TIMEOUT, ZONE, Deployment, add_irods_users, irods_settings
from tests.irods_server import target as irods_target
from tests.live import running_api, wait_for
from tests.workflows.deployment import example, jobs_deployment, kill_worker, sleepers, sleeping_workflow

CONTENT = b"what alice shares\n"


class Accounts(Deployment):
    def __init__(self, live):
        super().__init__(live)
        self.admin = live.session(live.admin_token())

    def new_user(self, prefix: str) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.create_user(name)
        return name

    def disable(self, name: str, disabled: bool = True) -> None:
        changed = self.admin.put(self.url(f"/admin/users/{name}"), json={"disabled": disabled},
                                 timeout=TIMEOUT)
        assert changed.status_code == 200, changed.text

    def delete(self, name: str) -> None:
        deleted = self.admin.delete(self.url(f"/admin/users/{name}"), timeout=TIMEOUT)
        assert deleted.status_code == 204, deleted.text
        self._tokens.pop(name, None)

    def data(self, path: str) -> str:
        return self.url("/api/data" + path)

    def permissions(self, path: str) -> str:
        return self.url("/api/permissions" + path)

    def ticket(self, session, path: str, kind: str) -> str:
        created = session.post(self.url("/api/tickets"), json={"path": path, "type": kind},
                               timeout=TIMEOUT)
        assert created.status_code == 201, created.text
        return created.json()["url"]


@pytest.fixture(scope="module", params=["local", "irods"])
def api(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"accounts-{request.param}")
    if request.param == "local":
        with running_api(data_dir) as live:
            yield Accounts(live)
        return
    server = irods_target.start(ZONE)  # or the real iRODS of IRODS_TEST_SERVER
    try:
        add_irods_users(server)
        with running_api(data_dir, **irods_settings(server)) as live:
            yield Accounts(live)
    finally:
        server.stop()


def shared_file(api, owner: str) -> str:
    path = f"/{ZONE}/home/{owner}/shared-{uuid.uuid4().hex[:6]}.txt"
    stored = api.session_of(owner).put(api.data(path), data=CONTENT, timeout=TIMEOUT)
    assert stored.status_code == 201, stored.text
    return path


def test_a_disabled_users_tickets_neither_read_nor_write(api):
    alice = api.new_user("alice")
    path = shared_file(api, alice)
    reader = api.ticket(api.session_of(alice), path, "read")
    writer = api.ticket(api.session_of(alice), path, "write")
    anyone = api.anonymous()
    assert anyone.get(reader, timeout=TIMEOUT).content == CONTENT

    api.disable(alice)

    for refused in (anyone.get(reader, timeout=TIMEOUT), anyone.head(reader, timeout=TIMEOUT),
                    anyone.put(writer, data=b"vandalised", params={"force": "true"}, timeout=TIMEOUT)):
        assert refused.status_code == 403
        assert CONTENT not in refused.content
    assert "disabled or deleted" in anyone.get(writer, timeout=TIMEOUT).json()["error"]
    # Enabled again, alice finds her file as she left it, and her tickets work again.
    api.disable(alice, False)
    assert api.session_of(alice).get(api.data(path), timeout=TIMEOUT).content == CONTENT
    assert anyone.get(reader, timeout=TIMEOUT).content == CONTENT


def test_a_deleted_users_ticket_is_refused_even_when_the_name_is_given_again(api):
    alice = api.new_user("alice")
    path = shared_file(api, alice)
    reader = api.ticket(api.session_of(alice), path, "read")

    api.delete(alice)

    refused = api.anonymous().get(reader, timeout=TIMEOUT)
    assert refused.status_code == 403 and CONTENT not in refused.content
    api.create_user(alice)  # someone else, with the same name
    again = api.anonymous().get(reader, timeout=TIMEOUT)
    assert again.status_code == 403 and CONTENT not in again.content
    assert api.session_of(alice).get(api.url("/api/tickets"), timeout=TIMEOUT).json()["tickets"] == []


def test_a_grant_to_a_name_nobody_has_is_404_and_never_passes_to_its_later_holder(api):
    alice = api.new_user("alice")
    path = shared_file(api, alice)
    nobody = f"carol-{uuid.uuid4().hex[:6]}"

    refused = api.session_of(alice).put(api.permissions(path), json={"user": nobody, "level": "read"},
                                        timeout=TIMEOUT)

    assert refused.status_code == 404, refused.text
    assert refused.json()["type"] == "not_found"
    acls = api.session_of(alice).get(api.permissions(path), timeout=TIMEOUT).json()["acls"]
    assert nobody not in {acl["user"] for acl in acls}
    api.create_user(nobody)
    taken = api.session_of(nobody).get(api.data(path), timeout=TIMEOUT)
    assert taken.status_code == 403 and CONTENT not in taken.content


def test_a_deleted_users_grants_are_gone(api):
    alice, bob = api.new_user("alice"), api.new_user("bob")
    path = shared_file(api, alice)
    granted = api.session_of(alice).put(api.permissions(path), json={"user": bob, "level": "write"},
                                        timeout=TIMEOUT)
    assert granted.status_code == 200, granted.text
    assert api.session_of(bob).get(api.data(path), timeout=TIMEOUT).content == CONTENT

    api.delete(bob)

    acls = api.session_of(alice).get(api.permissions(path), timeout=TIMEOUT).json()["acls"]
    assert bob not in {acl["user"] for acl in acls}
    api.create_user(bob)  # the name given to someone new
    newcomer = api.session_of(bob)
    assert newcomer.get(api.data(path), timeout=TIMEOUT).status_code == 403
    overwrite = newcomer.put(api.data(path), data=b"mine now", params={"force": "true"}, timeout=TIMEOUT)
    assert overwrite.status_code == 403
    assert api.session_of(alice).get(api.data(path), timeout=TIMEOUT).content == CONTENT


# --- jobs -----------------------------------------------------------------------------------

NAP = 4711  # seconds the sleeping workflow sleeps: a number to find its process by


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("accounts-jobs")) as client:
        # Public workflows, registered before any job is queued: registering validates in a
        # forked child, which today closes the broker connection of its uWSGI worker (its next
        # submission gets a 503); not what these tests are about.
        client.workflows = {name: _public(client, cwl) for name, cwl in
                            (("text", example("two-step-text")), ("nap", sleeping_workflow(NAP)))}
        yield client


def _public(jobs, cwl: str) -> str:
    name = f"wf-{uuid.uuid4().hex[:8]}"
    registered = jobs.admin.post(jobs.url("/api/workflows"),
                                 json={"name": name, "version": "1.0", "cwl": cwl, "public": True})
    assert registered.status_code == 201, registered.text
    return f"{name}/1.0"


def _submit(jobs, owner: str, workflow: str):
    session = jobs.user(owner)
    text = jobs.unique(owner, "in") + "/in.txt"
    jobs.upload(session, text, b"queued\n")
    return jobs.submit(session, jobs.workflows[workflow], {"text": {"href": text}},
                       jobs.unique(owner, "out"))


def _queued(jobs, owner: str) -> dict:
    """A job of `owner`, submitted (to the queue: whether a worker takes it is the caller's)."""
    created = _submit(jobs, owner, "text")
    assert created.status_code == 201, created.text
    return created.json()


def _never_ran(job: dict) -> None:
    assert job["started"] is None and job["attempt"] == 0, job
    assert all(step["status"] == "waiting" and step["started"] is None for step in job["steps"]), job


def _after_the_queue_moved_on(jobs) -> None:
    """Once a job submitted later has ended, the worker has taken every earlier task."""
    other = f"witness-{uuid.uuid4().hex[:6]}"
    job = _queued(jobs, other)
    assert jobs.wait(jobs.user(other), job["id"])["status"] == "successful"


@pytest.mark.parametrize("ending", ["disabled", "deleted"])
def test_a_queued_job_of_an_account_that_ends_never_runs(jobs, ending):
    owner = f"alice-{uuid.uuid4().hex[:6]}"
    kill_worker(jobs.live)
    job = _queued(jobs, owner)

    if ending == "disabled":
        changed = jobs.admin.put(jobs.url(f"/admin/users/{owner}"), json={"disabled": True})
    else:
        changed = jobs.admin.delete(jobs.url(f"/admin/users/{owner}"))
    assert changed.status_code in (200, 204), changed.text

    seen = jobs.job(jobs.admin, job["id"])
    assert seen["status"] == "dismissed", seen
    assert f"the account of {owner} was {ending}" in seen["message"]
    jobs.live.engine.start_worker()
    _after_the_queue_moved_on(jobs)
    seen = jobs.job(jobs.admin, job["id"])
    assert seen["status"] == "dismissed", seen
    _never_ran(seen)


def test_a_worker_starts_no_job_whose_owner_was_disabled_behind_the_apis_back(jobs):
    """The worker holds every job to the rule, even one the admin's cancel never reached."""
    owner = f"alice-{uuid.uuid4().hex[:6]}"
    kill_worker(jobs.live)
    job = _queued(jobs, owner)
    with sqlite3.connect(jobs.live.data_dir / "auth.sqlite", timeout=30) as db:
        db.execute("UPDATE auth_users SET disabled = 1 WHERE username = ?", (owner,))

    jobs.live.engine.start_worker()
    seen = jobs.wait(jobs.admin, job["id"])

    assert seen["status"] == "dismissed", seen
    assert f"not run: the account of {owner} is disabled or deleted" in seen["message"]
    _never_ran(seen)


def test_a_running_job_of_a_disabled_user_is_cancelled(jobs):
    owner = f"alice-{uuid.uuid4().hex[:6]}"
    created = _submit(jobs, owner, "nap")
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    jobs.wait_for_step(jobs.user(owner), job_id, "nap")
    assert wait_for(lambda: sleepers(NAP), 60)

    changed = jobs.admin.put(jobs.url(f"/admin/users/{owner}"), json={"disabled": True})
    assert changed.status_code == 200, changed.text

    seen = jobs.wait(jobs.admin, job_id)
    assert seen["status"] == "dismissed", seen
    assert f"the account of {owner} was disabled" in seen["message"]
    assert wait_for(lambda: not sleepers(NAP), 60), "the job's tool still runs"
