"""A deployment for job tests: the API under uWSGI plus a real Celery worker on the real
RabbitMQ (127.0.0.1:5672; the test fails in CI when it is missing), each deployment on a
queue of its own so that concurrent deployments never take each other's tasks.

`JobsClient` wraps what the tests do over HTTP: users, uploads, registration, submission
and waiting for a job to end.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from pathlib import Path
from typing import Iterator

import psutil

from tests.api.deployments import PASSWORD, ZONE, add_irods_users, irods_settings
from tests.irods_server import IrodsTestServer, target as irods_target
from tests.live import ROOT, LiveApi, rabbitmq_url, running_api, wait_for

WORKFLOWS = ROOT / "projects" / "default" / "workflows"
FINISHED = ("successful", "failed", "dismissed")
# Fast heartbeats, so that lost workers are noticed within seconds in tests.
JOB_SETTINGS = {"JOB_HEARTBEAT": 1, "JOB_LOST_AFTER": 6}


def example(name: str) -> str:
    return (WORKFLOWS / f"{name}.cwl").read_text()


def sleeping_workflow(seconds: int) -> str:
    """One step that sleeps `seconds` (a distinctive number: tests look for the process)."""
    return f"""cwlVersion: v1.2
class: Workflow
inputs: {{text: File}}
outputs:
  out: {{type: File, outputSource: nap/out}}
steps:
  nap:
    in: {{src: text}}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'sleep {seconds}; cat "$0"']
      arguments: [$(inputs.src.path)]
      stdout: rested.txt
      inputs: {{src: File}}
      outputs: {{out: stdout}}
"""


def sleepers(seconds: int) -> list[psutil.Process]:
    """Live processes of this host running `sleep <seconds>`."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.info["cmdline"] == ["sleep", str(seconds)] and \
                process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


class JobsClient:
    def __init__(self, live: LiveApi, backend: str = "local", irods: IrodsTestServer | None = None):
        self.live, self.backend, self.irods = live, backend, irods
        self.admin = live.session(live.admin_token())
        self._sessions: dict[str, object] = {}

    def url(self, path: str) -> str:
        return self.live.url + path

    def user(self, name: str):
        if name not in self._sessions:
            created = self.admin.post(self.url("/admin/users"),
                                      json={"username": name, "password": PASSWORD, "role": "user"})
            assert created.status_code in (201, 409), created.text
            self._sessions[name] = self.live.session(self.live.login(name, PASSWORD))
        return self._sessions[name]

    def home(self, name: str) -> str:
        return f"/{ZONE}/home/{name}"

    def unique(self, name: str, prefix: str = "t") -> str:
        return f"{self.home(name)}/{prefix}-{uuid.uuid4().hex[:10]}"

    def upload(self, session, path: str, content: bytes) -> dict:
        response = session.put(self.url("/api/data" + path), data=content, params={"parents": "true"})
        assert response.status_code == 201, response.text
        return response.json()

    def download(self, session, path: str) -> bytes:
        response = session.get(self.url("/api/data" + path))
        assert response.status_code == 200, response.text
        return response.content

    def register(self, session, cwl: str, name: str | None = None, version: str = "1.0") -> str:
        name = name or f"wf-{uuid.uuid4().hex[:8]}"
        response = session.post(self.url("/api/workflows"), json={"name": name, "version": version,
                                                                  "cwl": cwl})
        assert response.status_code == 201, response.text
        return f"{name}/{version}"

    def submit(self, session, workflow: str, inputs: dict, outputs: str):
        return session.post(self.url("/api/jobs"), json={"workflow": workflow, "inputs": inputs,
                                                         "outputs": outputs})

    def job(self, session, job_id: str) -> dict:
        response = session.get(self.url(f"/api/jobs/{job_id}"))
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, session, job_id: str, statuses=FINISHED, timeout: float = 120) -> dict:
        seen = {}

        def reached() -> bool:
            seen.update(self.job(session, job_id))
            return seen["status"] in statuses

        assert wait_for(reached, timeout), f"job {job_id} still {seen.get('status')}: {seen}"
        return dict(seen)

    def wait_for_step(self, session, job_id: str, step: str, status: str = "running",
                      timeout: float = 60) -> dict:
        def reached() -> bool:
            body = self.job(session, job_id)
            return any(each["name"] == step and each["status"] == status for each in body["steps"])

        assert wait_for(reached, timeout), f"step {step} of job {job_id} never {status}"
        return self.job(session, job_id)


def sha2(content: bytes) -> str:
    import base64

    return "sha2:" + base64.b64encode(hashlib.sha256(content).digest()).decode()


@contextlib.contextmanager
def jobs_deployment(data_dir: Path, backend: str = "local", *, broker: str = "rabbitmq",
                    **env) -> Iterator[JobsClient]:
    """`broker="embedded"`: the local engine's default transport (files in DATA_DIR) instead."""
    settings = {"CELERY_QUEUE": f"test-{uuid.uuid4().hex}", **JOB_SETTINGS, **env}
    if broker == "rabbitmq":
        settings["CELERY_BROKER_URL"] = rabbitmq_url()
    if backend == "local":
        with running_api(data_dir, worker=True, **settings) as live:
            yield JobsClient(live)
        return
    server = irods_target.start(ZONE)  # or the real iRODS of IRODS_TEST_SERVER
    try:
        add_irods_users(server, "alice", "bob")
        with running_api(data_dir, worker=True, **irods_settings(server), **settings) as live:
            yield JobsClient(live, "irods", server)
    finally:
        server.stop()


def kill_worker(live: LiveApi) -> list[int]:
    """SIGKILL the Celery worker's own processes (main and pool) at once, as a crash or the
    OOM killer would, leaving cwltool and its tools to what the framework does about them."""
    celery = []
    for pid in live.engine.worker_status().pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            process = psutil.Process(pid)
            if any("celery" in part for part in process.cmdline()):
                celery.append(process)
    assert celery, "no Celery worker process to kill"
    for process in celery:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    assert wait_for(lambda: not any(_alive(process) for process in celery), 10)
    return [process.pid for process in celery]


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
