"""The web interface against curl, in the same run (issue 18's figures).

    .venv/bin/python bench/web.py [--entries 10000] [--size-mib 1024] [--rounds 7]

1. A collection of `--entries` objects: time until its first page is usable in headless
   Chromium (the page loaded from scratch, signed in, until the listing's 50 rows and its
   paging are on screen and the page is no longer busy) vs the same page of the listing
   fetched by curl (the request the page makes). Target: usable within 1 s.
   Also the in-page navigation to it (the application already loaded, a click away).
2. A `--size-mib` file uploaded from the browser (the data browser's "Upload files", tus
   PATCHes of the page's chunk size) vs `curl -T` of the same file to /api/data.
   Target: curl time / browser time >= 0.7.

Needs Debian's chromium (`python3 -m tests.services up` installs it) and Playwright's Python
package (the test extras); the browser is the system one, as in tests/web.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import tarfile
import time
from pathlib import Path

import requests
from common import OUT, PASSWORD, api_server, timed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
PAGE_ROWS = 50  # the data browser's page size (backend/web/static/views/data.js)
MiB = 1024 * 1024


def sign_in(live) -> tuple[str, dict]:
    answer = requests.post(live.url + "/auth/login", json={"username": "bench", "password": PASSWORD})
    answer.raise_for_status()
    return answer.json()["token"], answer.json()["user"]


def fill_collection(live, token: str, collection: str, entries: int) -> None:
    """`entries` small objects in one request: a tar unpacked by /api/archive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for number in range(entries):
            body = f"object {number}\n".encode()
            info = tarfile.TarInfo(f"object-{number:05d}.txt")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    answer = requests.post(f"{live.url}/api/archive{collection}", data=buffer.getvalue(),
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/x-tar"}, timeout=600)
    answer.raise_for_status()


def curl_seconds(url: str, token: str) -> float:
    """Wall time of curl fetching `url`, as curl measures it (time_total)."""
    out = subprocess.run(["curl", "-sS", "--fail", "-o", os.devnull, "-w", "%{time_total}",
                          "-H", f"Authorization: Bearer {token}", url],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


def browser_page(browser, live, token: str, user: dict, chunk: int | None = None):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(
        f"sessionStorage.setItem('rapydo.token', {json.dumps(token)});"
        f"sessionStorage.setItem('rapydo.user', {json.dumps(json.dumps(user))});"
        + (f"sessionStorage.setItem('rapydo.upload.chunk-size', '{chunk}');" if chunk else ""))
    return context, context.new_page()


def wait_usable(page) -> None:
    page.wait_for_selector(f"main:not([aria-busy]) table tbody tr:nth-child({PAGE_ROWS})",
                           timeout=60_000)


def first_page(browser, live, token: str, user: dict, collection: str, rounds: int) -> None:
    url = f"{live.url}/web/#/data{collection}"
    listing = (f"{live.url}/api/data{collection}?offset=0&limit={PAGE_ROWS}"
               "&detailed=true&count=true")
    loads, clicks, curls = [], [], []
    for _ in range(rounds):
        context, page = browser_page(browser, live, token, user)
        start = time.perf_counter()
        page.goto(url)
        wait_usable(page)
        loads.append(time.perf_counter() - start)
        # The application loaded: go to the parent, then back into the big collection.
        parent = collection.rsplit("/", 1)[0]
        page.goto(f"{live.url}/web/#/data{parent}")
        page.wait_for_selector("main:not([aria-busy]) table")
        name = collection.rsplit("/", 1)[1]
        start = time.perf_counter()
        page.get_by_role("link", name=f"{name}/").click()
        wait_usable(page)
        clicks.append(time.perf_counter() - start)
        context.close()
        curls.append(curl_seconds(listing, token))
    load, click, curl = (statistics.median(values) for values in (loads, clicks, curls))
    print(f"first page of {collection} (median of {rounds}):")
    print(f"  browser, page loaded from scratch until usable: {load:.3f} s")
    print(f"  browser, a click in the loaded application:     {click:.3f} s")
    print(f"  curl, the same page of the listing:             {curl:.3f} s")
    print(f"  ratio browser(load)/curl {load / curl:.1f}x, browser(click)/curl {click / curl:.1f}x; "
          f"target: usable within 1 s -> {'met' if load <= 1 else 'NOT met'}")


def make_file(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    with path.open("wb") as out:
        block = os.urandom(MiB)
        for _ in range(size // MiB):
            out.write(block)


def browser_upload(browser, live, token: str, user: dict, home: str, source: Path,
                   chunk: int | None) -> float:
    context, page = browser_page(browser, live, token, user, chunk)
    page.goto(f"{live.url}/web/#/data{home}")
    page.wait_for_selector("main:not([aria-busy]) #upload-files")
    row = f"ul.uploads li[data-path='{home}/{source.name}'] .status"

    def upload() -> None:
        page.set_input_files("#upload-files", str(source))
        page.locator(row).filter(has_text=re.compile(r"^(done|failed)")).wait_for(timeout=1_800_000)

    seconds = timed(upload)
    status = page.locator(row).text_content()
    context.close()
    if not status.startswith("done"):
        raise SystemExit(f"the browser upload failed: {status}")
    return seconds


def upload_figures(browser, live, token: str, user: dict, size_mib: int,
                   chunk_mib: int | None) -> None:
    source = OUT / f"web-upload-{size_mib}MiB.bin"
    make_file(source, size_mib * MiB)
    home = user["home"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    url = f"{live.url}/api/data{home}/curl-{source.name}"
    curl = timed(lambda: subprocess.run(
        ["curl", "-sS", "--fail", "-o", os.devnull, "-T", str(source),
         "-H", f"Authorization: Bearer {token}", url], check=True))
    browser_time = browser_upload(browser, live, token, user, home, source,
                                  chunk_mib * MiB if chunk_mib else None)
    stored = session.head(f"{live.url}/api/data{home}/{source.name}")
    print(f"upload of {size_mib} MiB:")
    print(f"  curl -T to /api/data:             {curl:.2f} s ({size_mib / curl:.0f} MiB/s)")
    print(f"  browser (tus, page's chunk size): {browser_time:.2f} s ({size_mib / browser_time:.0f} MiB/s)")
    print(f"  ratio curl/browser {curl / browser_time:.2f} (target >= 0.7)")
    stored.raise_for_status()
    print(f"  stored from the browser: {stored.headers['Content-Length']} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chunk-mib", type=int, default=None,
                        help="the page's PATCH size (default: the page's own)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with api_server() as live, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        token, user = sign_in(live)
        collection = f"{user['home']}/big"
        started = time.perf_counter()
        if args.entries:
            fill_collection(live, token, collection, args.entries)
            print(f"{args.entries} objects stored in {time.perf_counter() - started:.1f} s (one tar)")
            first_page(browser, live, token, user, collection, args.rounds)
        if args.size_mib:
            upload_figures(browser, live, token, user, args.size_mib, args.chunk_mib)
        browser.close()


if __name__ == "__main__":
    main()
