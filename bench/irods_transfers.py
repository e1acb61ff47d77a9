"""Upload and download through the API into the irods backend vs python-irodsclient direct.

    .venv/bin/python bench/irods_transfers.py [--size-mib 1024] [--repeats 3]

One tests/irods_server process serves both sides (same server, same run), or the real
iRODS that IRODS_TEST_SERVER=irods://<rodsadmin>:<password>@<host>:1247/<zone> names (user
bench is created there for the run and removed after, tests/irods_server/target.py): the
baseline is a direct PRC `data_objects.put` / `get` of the same file (PRC's
parallel path, 3 threads above 32 MiB), the API side is an HTTP PUT / GET
through uWSGI with STORAGE_BACKEND=irods (streamed, parallel above 32 MiB,
checksummed by the server). Target ratio (PRC time / API time) >= 0.8. The upload
is also compared with a PRC put that has the server register the checksum
(`iput -K`), which is the work the API always does. Memory:
peak growth of any uWSGI worker during each transfer, for 100 MiB and for the
full size: target < 32 MiB, the same for both sizes.
"""

from __future__ import annotations

import argparse
import statistics

import irods.keywords as kw

from irods.session import iRODSSession

from common import OUT, PASSWORD, PeakMemory, api_server, timed
from transfers import make_file, sendfile_put, socket_get

from tests.irods_server import target  # noqa: E402 (path set by common)
from tests.irods_server.process import IrodsProcess  # noqa: E402

MiB = 1024 * 1024


def measure(live, server, source, size_mib: int, repeats: int) -> dict:
    home = f"/{server.zone}/home/bench"
    path = f"{home}/file-{size_mib}.bin"
    direct_path = f"{home}/direct-{size_mib}.bin"
    url = f"{live.url}/api/data{path}"
    downloaded = OUT / "downloaded.bin"
    rows = []
    # Warm-up: a worker's first parallel transfer also imports modules and opens iRODS
    # sessions and connections, which is not what the memory figure is about. Several
    # rounds, since any of the 4 workers may take a request.
    warm = OUT / "warm-up.bin"
    for _ in range(6):
        warm.write_bytes(b"w" * 40 * MiB)
        sendfile_put(f"{live.url}/api/data{home}/warm-{size_mib}?force=true",
                     live.bench_token, warm)
        socket_get(f"{live.url}/api/data{home}/warm-{size_mib}", live.bench_token, warm)
    warm.unlink()
    with iRODSSession(host=server.host, port=server.port, user="bench", password=PASSWORD,
                      zone=server.zone) as prc:
        for round_ in range(repeats):
            # Both sides create a new object each time (the usual upload).
            for stale in (direct_path, path):
                if prc.data_objects.exists(stale):
                    prc.data_objects.unlink(stale, force=True)
            times = {}

            def prc_put(checksum: bool = False):
                if prc.data_objects.exists(direct_path):
                    prc.data_objects.unlink(direct_path, force=True)
                # With checksum: `iput -K`, the server registers it, as the API has it do.
                options = {kw.REG_CHKSUM_KW: ""} if checksum else {}
                times["prc_up_checksum" if checksum else "prc_up"] = timed(
                    lambda: prc.data_objects.put(str(source), direct_path, num_threads=3, **options))

            def api_put():
                with PeakMemory(live.pid) as memory:
                    times["api_up"] = timed(lambda: sendfile_put(url, live.bench_token, source))
                times["up_memory"] = memory.peak_growth

            def prc_get():
                downloaded.unlink(missing_ok=True)
                times["prc_down"] = timed(lambda: prc.data_objects.get(
                    direct_path, str(downloaded), num_threads=3))

            def api_get():
                with PeakMemory(live.pid) as memory:
                    times["api_down"] = timed(lambda: socket_get(url, live.bench_token, downloaded))
                times["down_memory"] = memory.peak_growth

            # Alternate who goes first: the server's memory and the page cache favour neither.
            steps = [prc_put, api_put] if round_ % 2 == 0 else [api_put, prc_put]
            steps += [lambda: prc_put(checksum=True)]
            steps += [prc_get, api_get] if round_ % 2 == 0 else [api_get, prc_get]
            for step in steps:
                step()
            prc_up, api_up, prc_down, api_down = (times[k] for k in
                                                  ("prc_up", "api_up", "prc_down", "api_down"))
            prc_up_checksum = times["prc_up_checksum"]
            up_memory, down_memory = times["up_memory"], times["down_memory"]
            rows.append((prc_up, api_up, prc_down, api_down, up_memory, down_memory,
                         prc_up_checksum))
            print(f"  {size_mib} MiB run: PRC put {prc_up:.2f}s (with checksum "
                  f"{prc_up_checksum:.2f}s), API upload {api_up:.2f}s, "
                  f"PRC get {prc_down:.2f}s, API download {api_down:.2f}s, "
                  f"memory +{up_memory / MiB:.1f}/+{down_memory / MiB:.1f} MiB")
    downloaded.unlink(missing_ok=True)

    def ratio(baseline: int, api: int) -> float:
        return statistics.median(r[baseline] for r in rows) / statistics.median(r[api] for r in rows)

    return {"upload_ratio": ratio(0, 1), "download_ratio": ratio(2, 3),
            "checksummed_upload_ratio": ratio(6, 1),
            "upload_memory_mib": max(r[4] for r in rows) / MiB,
            "download_memory_mib": max(r[5] for r in rows) / MiB}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="a backend setting for the API under test, e.g. IRODS_PARALLEL_THREADS=1")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    if target.url():  # a real iRODS (IRODS_TEST_SERVER): its user bench comes and goes with the run
        server = target.RealIrods(target.url()).start()
        server.add_user("bench", PASSWORD)
    else:
        server = IrodsProcess(users={"bench": PASSWORD}).start()
        server.host, server.zone, server.admin_name, server.admin_password = (
            "127.0.0.1", "tempZone", "rods", "rods")
    try:
        env = dict(STORAGE_BACKEND="irods", IRODS_HOST=server.host, IRODS_PORT=str(server.port),
                   IRODS_ZONE=server.zone, IRODS_USER=server.admin_name,
                   IRODS_PASSWORD=server.admin_password,
                   **dict(item.split("=", 1) for item in args.env))
        with api_server(**env) as live:
            for size in sorted({100, args.size_mib}):
                source = OUT / f"source-{size}.bin"
                make_file(source, size * MiB)
                try:
                    results[size] = measure(live, server, source, size, args.repeats)
                finally:
                    source.unlink(missing_ok=True)
    finally:
        server.stop()
    print()
    for size, figures in results.items():
        print(f"{size:>5} MiB  upload API/PRC {figures['upload_ratio']:.2f} "
              f"(vs PRC put with checksum {figures['checksummed_upload_ratio']:.2f})  "
              f"download API/PRC {figures['download_ratio']:.2f} (target >= 0.8)  "
              f"worker memory growth: upload {figures['upload_memory_mib']:.1f} MiB, "
              f"download {figures['download_memory_mib']:.1f} MiB (target < 32)")


if __name__ == "__main__":
    main()
