"""Upload and download through the API vs the physical limit, and the API's memory.

    .venv/bin/python bench/transfers.py [--size-mib 1024] [--repeats 3]

Upload: `curl -T` into the API (which hashes with sha256 on the way and writes to
the vault) vs one pass on the same disk that reads the file, hashes it and writes
it (the work the API cannot avoid). Target ratio (baseline time / API time) >= 0.7.
Download: `curl -o` from the API vs `cp` of the same vault file on the same disk.
Target >= 0.8. Memory: peak growth of any uWSGI worker during each transfer, for
100 MiB and for the full size: target < 32 MiB, the same for both sizes.
Each ratio is of the medians of `--repeats` runs; every run's numbers are printed.
Clients: a sendfile() PUT and a large-buffer GET (what is measured is the server);
the same transfers with curl are printed beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
from urllib.parse import urlsplit

from common import OUT, PeakMemory, api_server, timed

MiB = 1024 * 1024
CHUNK = 4 * MiB


def make_file(path, size: int) -> None:
    block = os.urandom(MiB)
    with open(path, "wb") as out:
        for index in range(size // MiB):
            out.write(index.to_bytes(8, "big") + block[8:])


def hash_and_copy(source, target, durable: bool = False) -> None:
    """The physical limit for an upload: read, sha256, write, one pass (then fsync, when
    `durable`, as the API does before an object becomes visible)."""
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
        if durable:
            dst.flush()
            os.fsync(dst.fileno())


def curl(*args) -> None:
    subprocess.run(["curl", "-sS", "--fail", "-o", os.devnull, *args], check=True)


def sendfile_put(url: str, token: str, source) -> None:
    """An HTTP PUT whose body the kernel copies from the file (socket.sendfile).

    curl reads and sends an upload in 64 KiB steps and costs ~2 s per GiB of CPU
    on these machines by itself; this client costs almost nothing, so what is
    measured is the server.
    """
    parts = urlsplit(url)
    size = os.path.getsize(source)
    with socket.create_connection((parts.hostname, parts.port)) as conn, open(source, "rb") as body:
        conn.sendall((f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Length: {size}\r\n\r\n").encode())
        conn.sendfile(body)
        answer = conn.makefile("rb").readline()
    if b" 20" not in answer:
        raise RuntimeError(f"upload failed: {answer!r}")


def socket_get(url: str, token: str, target) -> None:
    """An HTTP GET written to a file with large socket reads (curl reads 16 KiB at a time)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as conn, open(target, "wb") as out:
        conn.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
                      f"Authorization: Bearer {token}\r\n\r\n").encode())
        reader = conn.makefile("rb", buffering=CHUNK)
        status = reader.readline()
        if b" 200" not in status:
            raise RuntimeError(f"download failed: {status!r}")
        length = None
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        while length:
            count = reader.readinto(view[:min(CHUNK, length)])
            if not count:
                raise RuntimeError("connection closed early")
            out.write(view[:count])
            length -= count


def measure(live, source, size_mib: int, repeats: int) -> dict:
    url = f"{live.url}/api/data/tempZone/home/bench/file-{size_mib}.bin"
    auth = f"Authorization: Bearer {live.bench_token}"
    target = OUT / "baseline-copy.bin"
    downloaded = OUT / "downloaded.bin"
    rows = []
    for _ in range(repeats):
        baseline_up = timed(lambda: hash_and_copy(source, target))
        durable_up = timed(lambda: hash_and_copy(source, target, durable=True))
        with PeakMemory(live.pid) as up_memory:
            api_up = timed(lambda: sendfile_put(url + "?force=true", live.bench_token, source))
        curl_up = timed(lambda: curl("-T", str(source), "-H", auth, url + "?force=true"))
        vault_file = max((p for p in (live.data_dir / "vault").rglob("*") if p.is_file()
                          and ".tmp" not in p.parts), key=lambda p: p.stat().st_mtime)
        baseline_down = timed(lambda: shutil.copyfile(vault_file, target))
        with PeakMemory(live.pid) as down_memory:
            api_down = timed(lambda: socket_get(url, live.bench_token, downloaded))
        curl_down = timed(lambda: subprocess.run(["curl", "-sS", "--fail", "-H", auth, "-o",
                                                  str(downloaded), url], check=True))
        rows.append((baseline_up, api_up, baseline_down, api_down, up_memory.peak_growth,
                     down_memory.peak_growth, curl_up, curl_down, durable_up))
        print(f"  {size_mib} MiB run: hash+copy {baseline_up:.2f}s (+fsync {durable_up:.2f}s), "
              f"API upload {api_up:.2f}s "
              f"(with curl -T {curl_up:.2f}s), "
              f"cp {baseline_down:.2f}s, API download {api_down:.2f}s (with curl {curl_down:.2f}s), "
              f"memory +{up_memory.peak_growth / MiB:.1f}/+{down_memory.peak_growth / MiB:.1f} MiB")
    target.unlink(missing_ok=True)
    downloaded.unlink(missing_ok=True)
    def ratio(baseline: int, api: int) -> float:
        return statistics.median(r[baseline] for r in rows) / statistics.median(r[api] for r in rows)

    return {
        "upload_ratio": ratio(0, 1),
        "durable_upload_ratio": ratio(8, 1),
        "curl_upload_ratio": ratio(0, 6),
        "download_ratio": ratio(2, 3),
        "curl_download_ratio": ratio(2, 7),
        "upload_memory_mib": max(r[4] for r in rows) / MiB,
        "download_memory_mib": max(r[5] for r in rows) / MiB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="a backend setting for the API under test, e.g. CHUNK_SIZE=1048576")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    with api_server(**dict(item.split("=", 1) for item in args.env)) as live:
        for size in sorted({100, args.size_mib}):
            source = OUT / f"source-{size}.bin"
            make_file(source, size * MiB)
            try:
                results[size] = measure(live, source, size, args.repeats)
            finally:
                source.unlink(missing_ok=True)
    print()
    for size, figures in results.items():
        print(f"{size:>5} MiB  upload/physical-limit {figures['upload_ratio']:.2f} (target >= 0.7; "
              f"{figures['durable_upload_ratio']:.2f} against a baseline that fsyncs too; "
              f"{figures['curl_upload_ratio']:.2f} with curl -T as the client)  "
              f"download/cp {figures['download_ratio']:.2f} (target >= 0.8; "
              f"{figures['curl_download_ratio']:.2f} with curl)  "
              f"worker memory growth: upload {figures['upload_memory_mib']:.1f} MiB, "
              f"download {figures['download_memory_mib']:.1f} MiB (target < 32)")


if __name__ == "__main__":
    main()
