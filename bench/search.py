"""First page of a search with two AVU conditions, on 100,000 objects vs on 1,000, through the API.

    .venv/bin/python bench/search.py [--backend local|irods|both] [--objects 100000]
                                     [--baseline 1000] [--requests 20]

Each run makes a fresh deployment whose catalog holds N data objects with three AVUs
each (tests/bulk.py: experiment exp-<i mod 10>, sample s-<i>, quality <i mod 100>),
then times `GET /api/search?meta=experiment,=,exp-3&meta=quality,<,50&limit=100` over
the whole zone: 5% of the objects match, spread evenly. Target: the 100,000-object
first page within 3x of the 1,000-object one (a search must not read the whole catalog
to fill a page). Also printed: a rare match (one object of N: sample = s-0000500 and
experiment = exp-0), which on the local backend scans the scope.

local: the objects are inserted straight into the SQLite catalog (tests/bulk.py, no
bytes); irods: a tests/irods_server process seeds them at start (`--seed`, `--seed-avus`).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import requests

from common import PASSWORD, api_server

HOME = "/tempZone/home/bench"
COLLECTION = f"{HOME}/data"
SEARCHES = {
    "dense": {"meta": ["experiment,=,exp-3", "quality,<,50"], "limit": 100},
    "rare": {"meta": ["sample,=,s-0000500", "experiment,=,exp-0"], "limit": 100},
}


@contextlib.contextmanager
def local_api(objects: int):
    from backend.storage.local.catalog import Catalog
    from tests.bulk import seed_local

    with api_server() as live:
        session = live.session(live.bench_token)
        assert session.post(live.url + "/api/data" + COLLECTION).status_code == 201
        started = time.perf_counter()
        seed_local(Catalog(live.data_dir / "catalog.sqlite"), "bench", COLLECTION, objects)
        print(f"  local catalog seeded with {objects} objects in {time.perf_counter() - started:.1f}s")
        yield live


@contextlib.contextmanager
def irods_api(objects: int):
    from tests.irods_server.process import IrodsProcess

    started = time.perf_counter()
    server = IrodsProcess(users={"bench": PASSWORD}, ready_timeout=900, seed_avus=True,
                          seed=[("bench", COLLECTION, objects)]).start()
    print(f"  test iRODS server seeded with {objects} objects in {time.perf_counter() - started:.0f}s")
    try:
        with api_server(STORAGE_BACKEND="irods", IRODS_HOST="127.0.0.1",
                        IRODS_PORT=str(server.port), IRODS_USER="rods", IRODS_PASSWORD="rods") as live:
            yield live
    finally:
        server.stop()


def median_time(session: requests.Session, url: str, params: dict, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=300)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(timings)


def measure(backend: str, objects: int, repeats: int) -> dict[str, float]:
    with (irods_api if backend == "irods" else local_api)(objects) as live:
        session = live.session(live.bench_token)
        url = live.url + "/api/search"
        figures = {}
        for label, params in SEARCHES.items():
            first = session.get(url, params=params, timeout=300).json()  # warms the worker
            figures[label] = median_time(session, url, params, repeats)
            print(f"  {backend}, {objects} objects, {label}: {len(first['items'])} results on the "
                  f"first page, median {figures[label] * 1000:.2f} ms")
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("local", "irods", "both"), default="both")
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    backends = ("local", "irods") if args.backend == "both" else (args.backend,)
    lines = []
    for backend in backends:
        small = measure(backend, args.baseline, args.requests)
        huge = measure(backend, args.objects, args.requests)
        lines.append(f"backend {backend}: first page, two AVU conditions, {args.objects} vs "
                     f"{args.baseline} objects: {huge['dense'] / small['dense']:.2f}x (target <= 3; "
                     f"{huge['dense'] * 1000:.1f} vs {small['dense'] * 1000:.1f} ms); rare match: "
                     f"{huge['rare'] / small['rare']:.2f}x ({huge['rare'] * 1000:.1f} vs "
                     f"{small['rare'] * 1000:.1f} ms)")
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
