"""Upload and download through the API into the irods backend vs python-irodsclient direct.

    .venv/bin/python bench/irods_transfers.py [--size-mib 1024] [--repeats 3]

One tests/irods_server process serves both sides (same server, same run): the
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

from tests.irods_server.process import IrodsProcess  # noqa: E402 (path set by common)

MiB = 1024 * 1024


def measure(live, server, source, size_mib: int, repeats: int) -> dict:
    path = f"/tempZone/home/bench/file-{size_mib}.bin"
    direct_path = f"/tempZone/home/bench/direct-{size_mib}.bin"
    url = f"{live.url}/api/data{path}"
    downloaded = OUT / "downloaded.bin"
    rows = []
    # Warm-up: the worker's first transfer also imports modules and opens iRODS sessions,
    # which is not what the memory figure is about.
    warm = OUT / "warm-up.bin"
    warm.write_bytes(b"w" * MiB)
    sendfile_put(f"{live.url}/api/data/tempZone/home/bench/warm-{size_mib}?force=true",
                 live.bench_token, warm)
    socket_get(f"{live.url}/api/data/tempZone/home/bench/warm-{size_mib}", live.bench_token, warm)
    warm.unlink()
    with iRODSSession(host="127.0.0.1", port=server.port, user="bench", password=PASSWORD,
                      zone="tempZone") as prc:
        for _ in range(repeats):
            # Both sides create a new object each time (the usual upload).
            for stale in (direct_path, path):
                if prc.data_objects.exists(stale):
                    prc.data_objects.unlink(stale, force=True)
            prc_up = timed(lambda: prc.data_objects.put(str(source), direct_path, num_threads=3))
            prc.data_objects.unlink(direct_path, force=True)
            # `iput -K`: the server also computes and registers the checksum, as the API has it do.
            prc_up_checksum = timed(lambda: prc.data_objects.put(
                str(source), direct_path, num_threads=3, **{kw.REG_CHKSUM_KW: ""}))
            with PeakMemory(live.pid) as up_memory:
                api_up = timed(lambda: sendfile_put(url, live.bench_token, source))
            downloaded.unlink(missing_ok=True)
            prc_down = timed(lambda: prc.data_objects.get(direct_path, str(downloaded),
                                                          num_threads=3))
            with PeakMemory(live.pid) as down_memory:
                api_down = timed(lambda: socket_get(url, live.bench_token, downloaded))
            rows.append((prc_up, api_up, prc_down, api_down, up_memory.peak_growth,
                         down_memory.peak_growth, prc_up_checksum))
            print(f"  {size_mib} MiB run: PRC put {prc_up:.2f}s (with checksum "
                  f"{prc_up_checksum:.2f}s), API upload {api_up:.2f}s, "
                  f"PRC get {prc_down:.2f}s, API download {api_down:.2f}s, "
                  f"memory +{up_memory.peak_growth / MiB:.1f}/+{down_memory.peak_growth / MiB:.1f} MiB")
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
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    server = IrodsProcess(users={"bench": PASSWORD}).start()
    try:
        env = dict(STORAGE_BACKEND="irods", IRODS_HOST="127.0.0.1", IRODS_PORT=str(server.port),
                   IRODS_USER="rods", IRODS_PASSWORD="rods")
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
