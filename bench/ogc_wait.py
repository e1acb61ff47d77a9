"""OGC execution with `Prefer: wait=60` vs POST /api/jobs and polling, on the two-step example.

    .venv/bin/python bench/ogc_wait.py [--rounds 7] [--poll 0.2]

One deployment as `rapydo start` makes it (uWSGI + a Celery worker on the RabbitMQ of
127.0.0.1:5672, local storage backend, a queue of its own). The bench user runs
projects/default/workflows/two-step-text.cwl on a small text, two ways, until its result is
known to the client:

- OGC: POST /api/ogc/processes/<id>/execution with `Prefer: wait=60`; the answer (200) is the
  results document itself. The API waits on the jobs table (polled every 50 ms at first,
  then up to every 0.5 s).
- /api/jobs: POST /api/jobs, then GET /api/jobs/<id> every --poll seconds (default 0.2 s)
  until it is successful, then GET /api/jobs/<id>/results.

One warm-up of each; --rounds rounds alternate who goes first; medians; the ratio is
OGC time / polling time (below 1: the OGC way is faster). How long the job itself took
(finished - created, as the jobs table says) varies from run to run with the worker; the
client's time minus that is the lag of learning the result (submission, noticing the end,
fetching the results), printed too.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import datetime

from common import OUT
from workflows import HOME, deployment

from tests.workflows.deployment import example  # noqa: E402

TEXT = b"".join(b"line %04d the quick brown fox jumps over the lazy dog\n" % i for i in range(80))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between GET /api/jobs/<id>")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with deployment() as api:
        http, url = api.http, api.url
        name = f"bench-two-step-{uuid.uuid4().hex[:6]}"
        registered = http.post(url + "/api/workflows", json={"name": name, "version": "1.0",
                                                             "cwl": example("two-step-text")})
        assert registered.status_code == 201, registered.text
        source = f"{HOME}/ogc/fox.txt"
        stored = http.put(f"{url}/api/data{source}", data=TEXT, params={"parents": "true"})
        assert stored.status_code == 201, stored.text

        def job_seconds(job_id: str) -> float:
            job = http.get(f"{url}/api/jobs/{job_id}").json()
            return (datetime.fromisoformat(job["finished"]) -
                    datetime.fromisoformat(job["created"])).total_seconds()

        def ogc() -> tuple[float, float]:
            start = time.perf_counter()
            answer = http.post(f"{url}/api/ogc/processes/{name}/execution",
                               json={"inputs": {"text": {"href": source}}},
                               headers={"Prefer": "wait=60"}, timeout=120)
            elapsed = time.perf_counter() - start
            assert answer.status_code == 200 and "counted" in answer.json(), answer.text
            monitor = answer.headers["Link"].split(">", 1)[0].lstrip("<")
            return elapsed, job_seconds(monitor.rsplit("/", 1)[-1])

        def polled() -> tuple[float, float]:
            start = time.perf_counter()
            created = http.post(url + "/api/jobs", json={
                "workflow": f"{name}/1.0", "inputs": {"text": {"href": source}},
                "outputs": f"{HOME}/out-{uuid.uuid4().hex[:12]}"})
            assert created.status_code == 201, created.text
            job_id = created.json()["id"]
            while (job := http.get(f"{url}/api/jobs/{job_id}").json())["status"] not in (
                    "successful", "failed", "dismissed"):
                time.sleep(args.poll)
            results = http.get(f"{url}/api/jobs/{job_id}/results")
            elapsed = time.perf_counter() - start
            assert job["status"] == "successful" and results.status_code == 200, job
            return elapsed, job_seconds(job_id)

        runs = {"ogc": ogc, "polled": polled}
        for action in runs.values():  # warm-up
            action()
        rows = []
        for round_ in range(args.rounds):
            order = ["ogc", "polled"] if round_ % 2 == 0 else ["polled", "ogc"]
            rows.append(row := {key: runs[key]() for key in order})
            print(f"  round {round_ + 1}: OGC Prefer: wait=60 {row['ogc'][0]:.2f}s (job {row['ogc'][1]:.2f}s), "
                  f"/api/jobs polled every {args.poll:g}s {row['polled'][0]:.2f}s (job {row['polled'][1]:.2f}s)")
        ogc_s, polled_s = (statistics.median(row[key][0] for row in rows) for key in ("ogc", "polled"))
        ogc_lag, polled_lag = (statistics.median(row[key][0] - row[key][1] for row in rows)
                               for key in ("ogc", "polled"))
        print(f"two-step example, median of {args.rounds} rounds: OGC execution with Prefer: wait=60 "
              f"{ogc_s:.2f}s, POST /api/jobs + GET every {args.poll:g}s + results {polled_s:.2f}s; "
              f"OGC/polling {ogc_s / polled_s:.2f}. Lag beyond the job's own time: OGC "
              f"{ogc_lag * 1000:.0f} ms, polling {polled_lag * 1000:.0f} ms")


if __name__ == "__main__":
    main()
