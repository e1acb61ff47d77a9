"""Run the test server as a process: python -m tests.irods_server --port PORT [options].

Prints one line "ready <port>" once it accepts connections and serves until
SIGTERM or SIGINT, so tests and benchmarks can kill and restart it (same port)
to play an iRODS outage.
"""

import argparse
import signal
import sys
import threading

from .server import IrodsTestServer


def _pair(text):
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD, got {text!r}")
    return name, password


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.irods_server", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--zone", default="tempZone")
    parser.add_argument("--admin", type=_pair, default=("rods", "rods"), metavar="NAME:PASSWORD")
    parser.add_argument("--user", type=_pair, action="append", default=[], metavar="NAME:PASSWORD",
                        help="a rodsuser; repeat for more")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    context = None
    if args.tls_cert:
        from .tls import server_context

        context = server_context(args.tls_cert, args.tls_key)
    server = IrodsTestServer(zone=args.zone, admin=args.admin, tls_context=context)
    for name, password in args.user:
        server.add_user(name, password)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.start(port=args.port)
    print(f"ready {server.port}", flush=True)
    try:
        while not stop.wait(0.5):  # a timed wait so the signal handler gets to run
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
