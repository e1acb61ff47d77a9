"""An import whose worker is SIGKILLed mid-way runs again, whole and once, on the next worker:
the task is acknowledged late, RabbitMQ hands it over again, and the import is idempotent."""

from __future__ import annotations

from tests.live import wait_for
from tests.workflows.deployment import kill_worker

TIMEOUT = 30  # a safeguard against a hang, not a measurement
MEMBERS = 1500  # enough for the import to take seconds


def test_an_import_whose_worker_dies_is_run_again_by_the_next_worker(seadata, alice):
    files = {f"profiles/p{number:04}.csv": f"{number}\n".encode() for number in range(MEMBERS)}
    batch = seadata.new_batch(alice)
    path = f"{seadata.home('alice')}/batches/{batch}"
    seadata.put_zip(alice, batch, seadata.zip_of(files))

    def unpacking() -> bool:
        staged = alice.get(seadata.url(f"/api/data{path}/.seadata-import/profiles"), timeout=TIMEOUT)
        return staged.status_code == 200 and bool(staged.json()["items"])

    assert wait_for(unpacking, 60), "the import never started"
    try:
        kill_worker(seadata.live)
    finally:
        seadata.live.engine.start_worker()
    done = seadata.wait_batch(alice, batch)
    assert done["status"] == "imported", done
    assert (done["files"], done["attempts"]) == (MEMBERS, 2)

    # Everything once, nothing of the dead attempt left, and every file with one PID.
    names = []
    page = {"next": seadata.url(f"/api/data{path}/profiles?limit=1000")}
    while "next" in page:
        page = alice.get(page["next"], timeout=TIMEOUT).json()
        names += [item["name"] for item in page["items"]]
    assert names == sorted(name.split("/")[1] for name in files)
    assert [item["name"] for item in
            alice.get(seadata.url("/api/data" + path), timeout=TIMEOUT).json()["items"]] == ["profiles"]
    for number in (0, MEMBERS // 2, MEMBERS - 1):
        metadata = alice.get(seadata.url(f"/api/metadata{path}/profiles/p{number:04}.csv"),
                             timeout=TIMEOUT).json()["metadata"]
        assert [avu["attribute"] for avu in metadata].count("PID") == 1
