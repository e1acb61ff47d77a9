"""The seadata project's asynchronous paths vs doing the same file by file over HTTP, in one run.

    .venv/bin/python bench/seadata.py [--files 200] [--kib 64] [--repeats 3]

One deployment as `rapydo --env PROJECT=seadata start` makes it (uWSGI + a Celery worker on
the RabbitMQ of 127.0.0.1:5672, a queue of its own, local storage backend); the bench user's
requests on one keep-alive HTTP session; task results polled every 50 ms.

1. Ingestion: --files files of --kib KiB (random bytes) zipped (stored: measured data rarely
   deflates) and imported as a batch, from POST /api/ingestion/<batch> to seeing it imported
   (every file unpacked, given a PID, its provenance recorded). Baseline: the same files
   uploaded one by one with PUT /api/registered (which gives each a PID too: the same end
   state) and, for scale, with PUT /api/data (no PID).
2. Orders: those files ordered (POST /api/orders) until the order is ready, then its zip
   downloaded by ticket without a token. Baseline: the same files downloaded one by one
   with GET /api/data.

Rounds alternate which side goes first; medians of --repeats. No target is set by the issue:
the ratios are reported.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import uuid
import zipfile

from common import api_server

from tests.live import RABBITMQ_URL  # noqa: E402

HOME = "/tempZone/home/bench"
POLL = 0.05


def make_files(count: int, kib: int) -> dict[str, bytes]:
    return {f"cast-{index:04d}.csv": os.urandom(kib * 1024) for index in range(count)}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def wait(http, url: str, done: tuple[str, ...]) -> dict:
    while (state := http.get(url).json())["status"] not in done:
        time.sleep(POLL)
    return state


def ingest(live, http, archive: bytes, count: int) -> tuple[float, str]:
    batch = f"bench-{uuid.uuid4().hex[:10]}"
    url = f"{live.url}/api/ingestion/{batch}"
    start = time.perf_counter()
    assert http.post(url).status_code == 201
    assert http.put(url, data=archive, headers={"Content-Type": "application/zip"}).status_code == 202
    state = wait(http, url, ("imported", "failed"))
    elapsed = time.perf_counter() - start
    assert state["status"] == "imported" and state["files"] == count, state
    return elapsed, f"{HOME}/batches/{batch}"


def upload_each(live, http, files: dict[str, bytes], area: str) -> float:
    folder = f"{HOME}/{area}-{uuid.uuid4().hex[:10]}"
    start = time.perf_counter()
    for name, content in files.items():
        answer = http.put(f"{live.url}/api/{area}{folder}/{name}", data=content, params={"parents": "true"})
        assert answer.status_code == 201, answer.text
    return time.perf_counter() - start


def order(live, http, paths: list[str], size: int) -> float:
    name = f"order-{uuid.uuid4().hex[:10]}"
    start = time.perf_counter()
    assert http.post(f"{live.url}/api/orders", json={"order": name, "files": paths}).status_code == 202
    state = wait(http, f"{live.url}/api/orders/{name}", ("ready", "failed"))
    assert state["status"] == "ready", state
    got = len(live.session().get(state["download"]).content)  # no token: the ticket
    elapsed = time.perf_counter() - start
    assert got > size, (got, size)
    return elapsed


def download_each(live, http, paths: list[str], size: int) -> float:
    start = time.perf_counter()
    got = sum(len(http.get(f"{live.url}/api/data{path}").content) for path in paths)
    elapsed = time.perf_counter() - start
    assert got == size
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--kib", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    files = make_files(args.files, args.kib)
    archive = zipped(files)
    size = sum(len(content) for content in files.values())
    print(f"{args.files} files of {args.kib} KiB ({size / 2**20:.1f} MiB), zip {len(archive) / 2**20:.1f} MiB")

    with api_server(PROJECT="seadata", worker=True, CELERY_BROKER_URL=RABBITMQ_URL,
                    CELERY_QUEUE=f"bench-{uuid.uuid4().hex}") as live:
        http = live.session(live.bench_token)
        ingest(live, http, zipped(make_files(2, 1)), 2)  # warm-up: worker, tables, PID service
        times = {"import": [], "registered": [], "data": [], "order": [], "downloads": []}
        paths = []
        for round_ in range(args.repeats):
            sides = [("import", lambda: ingest(live, http, archive, args.files)),
                     ("registered", lambda: upload_each(live, http, files, "registered")),
                     ("data", lambda: upload_each(live, http, files, "data"))]
            for name, action in sides if round_ % 2 == 0 else reversed(sides):
                result = action()
                if name == "import":
                    result, batch = result
                    paths = [f"{batch}/{file}" for file in files]
                times[name].append(result)
            sides = [("order", lambda: order(live, http, paths, size)),
                     ("downloads", lambda: download_each(live, http, paths, size))]
            for name, action in sides if round_ % 2 == 0 else reversed(sides):
                times[name].append(action())

    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"ingestion: batch import {median['import']:.2f} s, "
          f"{args.files} PUT /api/registered {median['registered']:.2f} s, "
          f"{args.files} PUT /api/data {median['data']:.2f} s")
    print(f"  import / uploads with PIDs = {median['import'] / median['registered']:.2f}   "
          f"import / plain uploads = {median['import'] / median['data']:.2f}   "
          f"({args.files / median['import']:.0f} files/s imported)")
    print(f"orders: order ready + ticket download {median['order']:.2f} s, "
          f"{args.files} GET /api/data {median['downloads']:.2f} s")
    print(f"  order / downloads = {median['order'] / median['downloads']:.2f}")


if __name__ == "__main__":
    main()
