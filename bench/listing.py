"""First page of a listing in a huge collection vs in a small one, through the API.

    .venv/bin/python bench/listing.py [--objects 100000] [--requests 200] [--backend local|irods]
                                      [--prc-objects 2500]

Fills one collection with `--objects` data objects and another with 100, then
times `GET /api/data/<collection>?limit=100` on each through the running API.
Target: huge / small <= 2 (the listing must not scan the collection). The
detailed form and a page deep inside the huge collection, by offset and by the
keyset `after=<name>` of the `next` links, are printed too.

--backend local (default): filled through the storage layer in this process
(100,000 HTTP uploads would only measure uploads). --backend irods: the API runs
with STORAGE_BACKEND=irods against a tests/irods_server process that creates the
objects at start (its benchmark-only `--seed` option; 100,000 creations through
python-irodsclient would take long), so what is timed is the API's GenQuery paging
on a big collection. With irods, --prc-objects N (0 to skip) also times N
python-irodsclient `data_objects.create` calls in a new collection, as the setUp of
PRC's own tests does (issue 15: 2,500 of them took over a minute).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import requests

from common import PASSWORD, api_server

ZONE_HOME = "/tempZone/home/bench"


def fill(data_dir, collection: str, count: int) -> None:
    from backend.storage.local import LocalBackend

    storage = LocalBackend(data_dir, zone="tempZone").session("bench")
    storage.mkdir(collection)
    started = time.perf_counter()
    for index in range(count):
        storage.write_file_content(f"{collection}/object-{index:07d}.dat", b"%d" % index)
    print(f"  filled {collection} with {count} objects in {time.perf_counter() - started:.0f}s")


def median_time(session: requests.Session, url: str, params: dict, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=60)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == params["limit"]
    return statistics.median(timings)


def prc_creations(port: int, count: int) -> float:
    """Seconds for `count` PRC data_objects.create in a new collection, as bench."""
    from irods.session import iRODSSession

    with iRODSSession(host="127.0.0.1", port=port, user="bench", password=PASSWORD,
                      zone="tempZone") as prc:
        collection = f"{ZONE_HOME}/prc-created"
        prc.collections.create(collection)
        started = time.perf_counter()
        for index in range(count):
            prc.data_objects.create(f"{collection}/obj{index:05d}")
        return time.perf_counter() - started


@contextlib.contextmanager
def irods_api(objects: int):
    """The API on the irods backend, over a test server seeded with the two collections."""
    from tests.irods_server.process import IrodsProcess

    started = time.perf_counter()
    server = IrodsProcess(users={"bench": PASSWORD}, ready_timeout=600,
                          seed=[("bench", f"{ZONE_HOME}/small", 100),
                                ("bench", f"{ZONE_HOME}/huge", objects)]).start()
    print(f"  test iRODS server seeded with 100 + {objects} objects in "
          f"{time.perf_counter() - started:.0f}s")
    try:
        env = dict(STORAGE_BACKEND="irods", IRODS_HOST="127.0.0.1", IRODS_PORT=str(server.port),
                   IRODS_USER="rods", IRODS_PASSWORD="rods")
        with api_server(**env) as live:
            live.irods_port = server.port
            yield live
    finally:
        server.stop()


@contextlib.contextmanager
def local_api(objects: int):
    with api_server() as live:
        fill(live.data_dir, f"{ZONE_HOME}/small", 100)
        fill(live.data_dir, f"{ZONE_HOME}/huge", objects)
        yield live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=("local", "irods"), default="local")
    parser.add_argument("--prc-objects", type=int, default=2500,
                        help="irods only: time this many PRC creations (0: skip)")
    args = parser.parse_args()
    creations = None
    with (irods_api if args.backend == "irods" else local_api)(args.objects) as live:
        session = live.session(live.bench_token)
        base = live.url + "/api/data"
        figures = {}
        for label, collection, params in [
            ("small, first page", "small", {"limit": 100}),
            ("huge, first page", "huge", {"limit": 100}),
            ("small, detailed", "small", {"limit": 100, "detailed": "true"}),
            ("huge, detailed", "huge", {"limit": 100, "detailed": "true"}),
            ("huge, offset 50000", "huge", {"limit": 100, "offset": min(50_000, args.objects - 100)}),
            ("huge, after a name", "huge", {"limit": 100,
                                            "after": f"object-{min(50_000, args.objects - 101):07d}.dat"}),
        ]:
            # A deep offset is read up to the offset (on iRODS too): fewer repeats.
            repeats = min(args.requests, 5) if "offset" in params else args.requests
            figures[label] = median_time(session, f"{base}{ZONE_HOME}/{collection}", params, repeats)
            print(f"  {label:<20} median {figures[label] * 1000:.2f} ms")
        if args.backend == "irods" and args.prc_objects:
            creations = prc_creations(live.irods_port, args.prc_objects)
    print()
    print(f"backend {args.backend}:")
    print(f"first page, {args.objects} vs 100 objects: "
          f"{figures['huge, first page'] / figures['small, first page']:.2f}x (target <= 2); "
          f"detailed: {figures['huge, detailed'] / figures['small, detailed']:.2f}x; "
          f"a page at offset 50000: {figures['huge, offset 50000'] / figures['small, first page']:.2f}x, "
          f"the same page by its `next` link (after=<name>): "
          f"{figures['huge, after a name'] / figures['small, first page']:.2f}x")
    if creations is not None:
        print(f"{args.prc_objects} python-irodsclient data_objects.create: {creations:.1f}s "
              f"({creations / args.prc_objects * 1000:.1f} ms each)")


if __name__ == "__main__":
    main()
