"""First page of a listing in a huge collection vs in a small one, through the API.

    .venv/bin/python bench/listing.py [--objects 100000] [--requests 200]

Fills one collection with `--objects` data objects and another with 100, through
the storage layer in this process (100,000 HTTP uploads would only measure
uploads), then times `GET /api/data/<collection>?limit=100` on each through the
running API. Target: huge / small <= 2 (the listing must not scan the collection).
The detailed form and a page deep inside the huge collection, by offset and by
the keyset `after=<name>` of the `next` links, are printed too.
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from common import api_server

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with api_server() as live:
        fill(live.data_dir, f"{ZONE_HOME}/small", 100)
        fill(live.data_dir, f"{ZONE_HOME}/huge", args.objects)
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
            figures[label] = median_time(session, f"{base}{ZONE_HOME}/{collection}", params, args.requests)
            print(f"  {label:<20} median {figures[label] * 1000:.2f} ms")
    print()
    print(f"first page, {args.objects} vs 100 objects: "
          f"{figures['huge, first page'] / figures['small, first page']:.2f}x (target <= 2); "
          f"detailed: {figures['huge, detailed'] / figures['small, detailed']:.2f}x; "
          f"a page at offset 50000: {figures['huge, offset 50000'] / figures['small, first page']:.2f}x, "
          f"the same page by its `next` link (after=<name>): "
          f"{figures['huge, after a name'] / figures['small, first page']:.2f}x")


if __name__ == "__main__":
    main()
