"""`GET /api/status` while slow clients hold connections vs idle, in one run.

    .venv/bin/python bench/slow_clients.py [--clients 50] [--requests 300]

One API as `rapydo start` runs it (uWSGI, confs/uwsgi.ini). First `--requests` status
requests one after another on an idle server; then `--clients` slow clients connect and
hold on, and the same requests are made again. The slow clients come in three kinds, in
turn, each sending one byte every `--interval` seconds (the attack of issue 14):
  - headers: a request whose headers never end (slowloris);
  - upload: an authenticated PUT announcing 1 MB of body;
  - login: an anonymous POST /auth/login announcing a 100-byte JSON body.
Prints p50/p99 of both phases, their ratio (target p99 <= 5x) and the failed requests
(target 0: an error, a timeout of --timeout seconds, or a status other than 200).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from urllib.parse import urlsplit

import requests

from common import api_server

KINDS = ("headers", "upload", "login")


def request_head(kind: str, host: str, token: str) -> bytes:
    if kind == "headers":
        return f"GET /api/status HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode()
    if kind == "upload":
        return (f"PUT /api/data/tempZone/home/bench/slow.bin HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: 1000000\r\n\r\n").encode()
    return (f"POST /auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 100\r\n\r\n").encode()


class SlowClient(threading.Thread):
    """Sends its request head at once, then a byte every `interval` s until told to stop."""

    def __init__(self, address, head: bytes, interval: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.address, self.head, self.interval, self.stop = address, head, interval, stop
        self.cut_off = False  # the server closed the connection on us

    def run(self) -> None:
        with socket.create_connection(self.address) as connection:
            connection.sendall(self.head)
            while not self.stop.wait(self.interval):
                try:
                    connection.sendall(b"x")
                except OSError:
                    self.cut_off = True
                    return


def status_latencies(url: str, count: int, timeout: float) -> tuple[list[float], int]:
    latencies, failures = [], 0
    for _ in range(count):
        start = time.perf_counter()
        try:
            ok = requests.get(url, timeout=timeout).status_code == 200
        except requests.RequestException:
            ok = False
        latencies.append(time.perf_counter() - start)
        failures += not ok
    return latencies, failures


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    with api_server() as live:
        url = live.url + "/api/status"
        split = urlsplit(live.url)
        address = (split.hostname, split.port)
        status_latencies(url, 20, args.timeout)  # warm-up
        idle, idle_failed = status_latencies(url, args.requests, args.timeout)
        stop = threading.Event()
        clients = [SlowClient(address, request_head(KINDS[i % len(KINDS)], split.netloc, live.bench_token),
                              args.interval, stop) for i in range(args.clients)]
        for client in clients:
            client.start()
        time.sleep(2 * args.interval)  # every slow client is connected and has trickled
        held, held_failed = status_latencies(url, args.requests, args.timeout)
        still_held = sum(client.is_alive() and not client.cut_off for client in clients)
        stop.set()
    print(f"idle:  p50 {statistics.median(idle) * 1000:.1f} ms, p99 {p99(idle) * 1000:.1f} ms, "
          f"{idle_failed} failed of {args.requests}")
    print(f"with {args.clients} slow clients ({still_held} still connected at the end): "
          f"p50 {statistics.median(held) * 1000:.1f} ms, p99 {p99(held) * 1000:.1f} ms, "
          f"{held_failed} failed of {args.requests}")
    print(f"p99 ratio slow/idle: {p99(held) / p99(idle):.2f}x (target <= 5x), failed requests: "
          f"{held_failed} (target 0)")


if __name__ == "__main__":
    main()
