"""The seadata project over real HTTP: the API under uWSGI with PROJECT=seadata and a real
Celery worker on the real RabbitMQ (a queue of its own, so that concurrent deployments never
take each other's tasks).

One deployment serves every module that uses `seadata` (a start costs seconds); tests stay
independent by working in batches and orders of their own (`unique`). Users: alice and bob,
with PASSWORD.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Iterator

import pytest
import requests
from prov.model import ProvDocument

from backend.provenance import vocabulary
from tests.api.deployments import TIMEOUT, ZONE, Deployment
from tests.live import rabbitmq_url, running_api, wait_for

TASK_TIMEOUT = 90
# The project's example workflows, which tests register through POST /api/workflows.
WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"


class Seadata(Deployment):
    """URLs and logins of one deployment (tests.api.deployments.Deployment), and the waiting."""

    def home(self, user: str) -> str:
        return f"/{ZONE}/home/{user}"

    @staticmethod
    def unique(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def admin(self) -> requests.Session:
        return self.live.session(self.live.admin_token())

    def workflow(self, name: str) -> str:
        return (WORKFLOWS / f"{name}.cwl").read_text()

    # --- batches ------------------------------------------------------------------------
    @staticmethod
    def zip_of(files: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return buffer.getvalue()

    def batch_url(self, batch: str, rest: str = "") -> str:
        return self.url(f"/api/ingestion/{batch}{rest}")

    def new_batch(self, session) -> str:
        batch = self.unique("batch")
        created = session.post(self.batch_url(batch), timeout=TIMEOUT)
        assert created.status_code == 201, created.text
        return batch

    def put_zip(self, session, batch: str, content: bytes) -> dict:
        accepted = session.put(self.batch_url(batch), data=content, timeout=TIMEOUT,
                               headers={"Content-Type": "application/zip"})
        assert accepted.status_code == 202, accepted.text
        assert accepted.headers["Location"] == self.batch_url(batch)
        return accepted.json()

    def wait_batch(self, session, batch: str) -> dict:
        return self._wait(session, self.batch_url(batch), ("imported", "failed"))

    def imported_batch(self, session, files: dict[str, bytes]) -> dict:
        """A new batch with these files, imported."""
        batch = self.new_batch(session)
        self.put_zip(session, batch, self.zip_of(files))
        done = self.wait_batch(session, batch)
        assert done["status"] == "imported", done
        return done

    # --- orders ---------------------------------------------------------------------------
    def order(self, session, files: list[str], order: str | None = None) -> requests.Response:
        body = {"files": files} if order is None else {"files": files, "order": order}
        return session.post(self.url("/api/orders"), json=body, timeout=TIMEOUT)

    def wait_order(self, session, order: str) -> dict:
        return self._wait(session, self.url(f"/api/orders/{order}"), ("ready", "failed"))

    # --- provenance ---------------------------------------------------------------------
    def lineage(self, session, path: str, direction: str = "backward") -> dict:
        """The PROV-JSON document of what `path` came from (or what was made from it)."""
        answer = session.get(self.url("/api/provenance/lineage"), timeout=TIMEOUT,
                             params={"path": path, "direction": direction, "f": "json"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    @staticmethod
    def activities(document: dict) -> list[str]:
        """The labels of a PROV-JSON document's activities (e.g. "seadata-import")."""
        labels = []
        for activity in (document.get("activity") or {}).values():
            label = activity.get("prov:label")
            labels.append(label.get("$") if isinstance(label, dict) else label)
        return labels

    @staticmethod
    def locations(document: dict) -> set[str]:
        """The storage paths of a PROV-JSON document's entities (each entity's prov:location
        is a prov:Location node whose path is rapydo-terms:path: read through the vocabulary's
        adapter, as the API's own readers do)."""
        parsed = ProvDocument.deserialize(content=json.dumps(document), format="json")
        return {path for paths in vocabulary.paths_by_entity(parsed).values() for path in paths}

    # --- jobs -----------------------------------------------------------------------------
    def wait_job(self, session, job: str) -> dict:
        return self._wait(session, self.url(f"/api/jobs/{job}"), ("successful", "failed", "dismissed"),
                          timeout=180)

    def _wait(self, session, url: str, statuses, timeout: float = TASK_TIMEOUT) -> dict:
        seen = {}

        def reached() -> bool:
            answer = session.get(url, timeout=TIMEOUT)
            assert answer.status_code == 200, answer.text
            seen.update(answer.json())
            return seen["status"] in statuses

        assert wait_for(reached, timeout), \
            f"{url} still {seen.get('status')}: {seen}\n{self.live.log()[-3000:]}"
        return dict(seen)


@contextlib.contextmanager
def deployment(data_dir, **env) -> Iterator[Seadata]:
    """A seadata deployment (API and worker) with the users alice and bob."""
    with running_api(data_dir, PROJECT="seadata", worker=True, **env) as live:
        found = Seadata(live)
        found.create_user("alice")
        found.create_user("bob")
        yield found


@pytest.fixture(scope="session")
def seadata(tmp_path_factory):
    with deployment(tmp_path_factory.mktemp("seadata"), CELERY_BROKER_URL=rabbitmq_url(),
                    CELERY_QUEUE=f"seadata-{uuid.uuid4().hex}") as found:
        yield found


@pytest.fixture
def seadata_factory(tmp_path_factory):
    """Deployments of its own for a test that needs other settings, e.g.
    `seadata_factory(SEADATA_ORDER_EXPIRY=3)`: on the embedded broker (no RabbitMQ) unless
    the settings say otherwise."""
    with contextlib.ExitStack() as stack:
        yield lambda **env: stack.enter_context(deployment(tmp_path_factory.mktemp("seadata"), **env))


# The limits of the `limited` deployment.
SHORT_EXPIRY = 4
SMALL_UNPACKED = 4096


@pytest.fixture(scope="session")
def limited(tmp_path_factory):
    """A deployment with small limits, on the embedded broker: orders that live a few seconds
    (SEADATA_ORDER_EXPIRY), batches that may unpack to a few kB (SEADATA_MAX_UNPACKED)."""
    with deployment(tmp_path_factory.mktemp("seadata"), SEADATA_ORDER_EXPIRY=SHORT_EXPIRY,
                    SEADATA_MAX_UNPACKED=SMALL_UNPACKED) as found:
        yield found


@pytest.fixture
def alice(seadata):
    return seadata.session_of("alice")


@pytest.fixture
def bob(seadata):
    return seadata.session_of("bob")
