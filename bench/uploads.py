"""Uploads the way people make them, against baselines measured in the same run.

    .venv/bin/python bench/uploads.py [--backend local|irods] [--files 1000] [--size-mib 1024]

1. Small files: `--files` files of 4 KiB sent with `curl -T` (which sends Expect:
   100-continue), four curls at a time, to the API vs to a bare WSGI app under the same
   uWSGI that only writes each body to disk (bench/bare_upload.py). Target: >= 0.5
   (bare time / API time).
2. A resumable (tus) upload of `--size-mib` cut at 50 % and resumed (HEAD for the offset,
   then PATCH the rest) vs a plain PUT of the same file, both sent with sendfile so the
   client costs nothing. Targets: bytes sent <= 1.05x the file, time <= 1.2x.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from common import OUT, PASSWORD, api_server, running_api, timed
from transfers import make_file, sendfile_put

from tests.irods_server.process import IrodsProcess  # noqa: E402 (path set by common)

MiB = 1024 * 1024
TUS = "Tus-Resumable: 1.0.0\r\n"


def curl_put(url: str, token: str | None, source: Path) -> None:
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    subprocess.run(["curl", "-sS", "--fail", "-o", os.devnull, "-T", str(source), *auth, url],
                   check=True)


def many_small(base_url: str, token: str | None, files: list[Path], collection: str) -> float:
    def send(source: Path) -> None:
        curl_put(f"{base_url}{collection}/{source.name}", token, source)

    def all_of_them() -> None:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(send, files))

    return timed(all_of_them)


def request(url: str, token: str, method: str, headers: str = "", body: tuple | None = None,
            cut_after: int | None = None) -> tuple[bytes, int]:
    """One HTTP request on a raw socket; the body (file, offset, count) goes by sendfile.
    (status line + headers, body bytes sent). `cut_after` closes the connection after
    that many body bytes, as a dropped network would."""
    parts = urlsplit(url)
    sent = 0
    with socket.create_connection((parts.hostname, parts.port)) as conn:
        length = f"Content-Length: {body[2]}\r\n" if body else ""
        conn.sendall((f"{method} {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                      f"Authorization: Bearer {token}\r\n{headers}{length}\r\n").encode())
        if body:
            source, offset, count = body
            with open(source, "rb") as stream:
                sent = conn.sendfile(stream, offset, cut_after or count)
            if cut_after:
                return b"", sent
        return conn.makefile("rb").read(), sent


def header(answer: bytes, name: str) -> str:
    for line in answer.split(b"\r\n"):
        key, _, value = line.decode("latin-1").partition(":")
        if key.lower() == name.lower():
            return value.strip()
    raise RuntimeError(f"no {name} in {answer[:300]!r}")


def resumable(live, source: Path, path: str) -> tuple[float, int]:
    size = source.stat().st_size
    total = 0

    def run() -> None:
        nonlocal total
        created, _ = request(f"{live.url}/api/uploads?path={path}", live.bench_token, "POST",
                             f"{TUS}Upload-Length: {size}\r\n")
        url = header(created, "Location")
        patch = f"{TUS}Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
        started = time.perf_counter()
        _, sent = request(url, live.bench_token, "PATCH", patch, (source, 0, size), cut_after=size // 2)
        total += sent
        phases["first half sent"] = time.perf_counter() - started
        # The server keeps what reached it; ask where to go on, as a tus client does, once
        # it has finished with the cut request (the offset stays put).
        offset, previous = -1, -2
        while offset != previous:
            time.sleep(0.1)
            previous, offset = offset, int(header(request(url, live.bench_token, "HEAD", TUS)[0],
                                                  "Upload-Offset"))
        phases["offset settled"] = time.perf_counter() - started
        patch = f"{TUS}Content-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\n"
        answer, sent = request(url, live.bench_token, "PATCH", patch, (source, offset, size - offset))
        total += sent
        if b" 204 " not in answer.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"resumed PATCH failed: {answer[:300]!r}")
        phases["complete"] = time.perf_counter() - started

    phases = {}
    elapsed = timed(run)
    print("  resumable upload, seconds since the first PATCH: "
          + ", ".join(f"{name} {seconds:.2f}" for name, seconds in phases.items()))
    return elapsed, total


def irods_env(server) -> dict:
    return dict(STORAGE_BACKEND="irods", IRODS_HOST="127.0.0.1", IRODS_PORT=str(server.port),
                IRODS_ZONE="tempZone", IRODS_USER="rods", IRODS_PASSWORD="rods")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("local", "irods"), default="local")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--skip-small", action="store_true", help="only the resumable upload")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for the API under test, e.g. VAULT_FSYNC=false")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    small = OUT / "small-files"
    small.mkdir(exist_ok=True)
    files = []
    for index in range(args.files):
        files.append(small / f"f{index:05d}.bin")
        files[-1].write_bytes(os.urandom(4096))
    server = IrodsProcess(users={"bench": PASSWORD}).start() if args.backend == "irods" else None
    try:
        env = {**(irods_env(server) if server else {}), **dict(item.split("=", 1) for item in args.env)}
        with api_server(**env) as live, running_api(OUT / "bare-data", module="bench.bare_upload:app") as bare:
            home = "/api/data/tempZone/home/bench"
            many_small(live.url, live.bench_token, files[:20], home)  # warm-up: every worker's first request
            if not args.skip_small:
                bare_time = many_small(bare.url, None, files, "/bare")
                live.session(live.bench_token).post(f"{live.url}{home}/small")
                api_time = many_small(live.url, live.bench_token, files, home + "/small")
                print(f"{args.files} files of 4 KiB, curl -T, 4 at a time: bare uWSGI {bare_time:.2f} s, "
                      f"API ({args.backend}) {api_time:.2f} s, ratio {bare_time / api_time:.2f} "
                      f"(target >= 0.5)")
            source = OUT / "resumable.bin"
            make_file(source, args.size_mib * MiB)
            try:
                put_time = timed(lambda: sendfile_put(f"{live.url}{home}/plain.bin", live.bench_token, source))
                tus_time, sent = resumable(live, source, "/tempZone/home/bench/resumed.bin")
                size = source.stat().st_size
                print(f"{args.size_mib} MiB: plain PUT {put_time:.2f} s; tus cut at 50 % and resumed "
                      f"{tus_time:.2f} s = {tus_time / put_time:.2f}x (target <= 1.2), bytes sent "
                      f"{sent / size:.3f}x the file (target <= 1.05)")
            finally:
                source.unlink(missing_ok=True)
    finally:
        if server:
            server.stop()
        for each in files:
            each.unlink()


if __name__ == "__main__":
    main()
