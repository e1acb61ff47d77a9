"""A provenance store that is down during a job loses no record: PostgreSQL behind a
forwarder the test cuts (tests/tcp_proxy.py) while a real worker runs a real job; once the
store is back, the worker's sweep delivers what the outbox kept."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from tests.postgres import postgres_schema_url
from tests.live import wait_for
from tests.tcp_proxy import TcpProxy
from tests.workflows.deployment import example, jobs_deployment


@pytest.fixture
def proxied_postgres():
    for url in postgres_schema_url():
        parsed = make_url(url)
        proxy = TcpProxy((parsed.host, parsed.port or 5432)).start()
        try:
            yield proxy, parsed.set(port=proxy.port).render_as_string(hide_password=False)
        finally:
            proxy.stop()


def test_stopping_the_store_during_a_job_loses_no_record(tmp_path, proxied_postgres):
    proxy, url = proxied_postgres
    with jobs_deployment(tmp_path / "data", PROV_DB_URL=url) as api:
        alice = api.user("alice")
        source = api.unique("alice", "in") + "/text.txt"
        api.upload(alice, source, b"lost and found\n")
        workflow = api.register(alice, example("two-step-text"))
        assert alice.get(api.url("/api/status")).json()["services"]["provenance"]["status"] == "ok"

        proxy.stop()  # the store goes down
        later = api.unique("alice", "in") + "/while-down.txt"
        api.upload(alice, later, b"uploaded while the store was down\n")
        job = api.wait(alice, api.submit(alice, workflow, {"text": {"href": source}},
                                         api.unique("alice", "out")).json()["id"])
        assert job["status"] == "successful"  # the job does not depend on the store
        down = alice.get(api.url(f"/api/jobs/{job['id']}/prov"))
        assert down.status_code == 503 and down.json()["type"] == "service_unavailable"
        status = alice.get(api.url("/api/status")).json()["services"]["provenance"]
        assert status["status"] == "down" and status["pending"] == 2  # the upload's and the job's

        proxy.start()  # back: the worker's sweep delivers what waited
        assert wait_for(lambda: alice.get(api.url(f"/api/jobs/{job['id']}/prov")).status_code == 200, 60)
        document = alice.get(api.url(f"/api/jobs/{job['id']}/prov/runs")).text
        assert document.splitlines()[0].startswith("run ") and "count" in document
        lineage = alice.get(api.url("/api/provenance/lineage"),
                            params={"path": later, "direction": "backward", "f": "provn"})
        assert lineage.status_code == 200 and "rapydo-terms:Upload" in lineage.text
        assert wait_for(lambda: alice.get(api.url("/api/status")).json()
                        ["services"]["provenance"]["pending"] == 0, 30)
