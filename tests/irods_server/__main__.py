"""Run the test server as a process: python -m tests.irods_server --port PORT [options].

Prints one line "ready <port>" once it accepts connections and serves until
SIGTERM or SIGINT, so tests and benchmarks can kill and restart it (same port)
to play an iRODS outage.

For benchmarks only: --seed OWNER:COLLECTION:COUNT fills COLLECTION (made with its
parents, owned by OWNER, a user given with --user) with COUNT small data objects
object-0000000.dat ... (content: their number) straight into the catalog before
serving, as OWNER creating them would; 100,000 objects through a client would
take long enough to swamp what the benchmark measures. With --seed-avus each of
them also gets the three AVUs of seed_avus(its number), for search benchmarks.
"""

import argparse
import signal
import sys
import threading

from .server import RELEASES, IrodsTestServer


def _pair(text):
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD, got {text!r}")
    return name, password


def _seed(text):
    owner, sep, rest = text.partition(":")
    collection, sep2, count = rest.rpartition(":")
    if not (sep and sep2 and owner and collection.startswith("/") and count.isdigit()):
        raise argparse.ArgumentTypeError(f"expected OWNER:/ZONE/COLLECTION:COUNT, got {text!r}")
    return owner, collection, int(count)


def seed_avus(index):
    """The AVUs (attribute, value, unit) --seed-avus gives object number `index`: a tenth of
    the objects share each experiment, every one has its own sample, a hundredth share each
    quality (two digits)."""
    return [("experiment", f"exp-{index % 10}", ""), ("sample", f"s-{index:07d}", ""),
            ("quality", f"{index % 100:02d}", "")]


def seed(catalog, owner, collection, count, avus=False):
    """COUNT data objects in `collection` (made if missing), created as `owner` would; with
    `avus`, each carrying the AVUs of seed_avus."""
    catalog.mkdir(owner, collection, recursive=True)
    for index in range(count):
        obj = catalog.create(owner, f"{collection}/object-{index:07d}.dat")
        obj.data = bytearray(b"%d" % index)
        if avus:
            obj.avus = [[catalog.next_id(), *avu, obj.ctime, obj.ctime] for avu in seed_avus(index)]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.irods_server", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--zone", default="tempZone")
    parser.add_argument("--admin", type=_pair, default=("rods", "rods"), metavar="NAME:PASSWORD")
    parser.add_argument("--user", type=_pair, action="append", default=[], metavar="NAME:PASSWORD",
                        help="a rodsuser; repeat for more")
    parser.add_argument("--seed", type=_seed, action="append", default=[], metavar="OWNER:COLLECTION:COUNT",
                        help="benchmarks only: COUNT data objects in COLLECTION at start; repeat for more")
    parser.add_argument("--seed-avus", action="store_true",
                        help="benchmarks only: give each seeded object the AVUs of seed_avus()")
    parser.add_argument("--irods-version", choices=sorted(RELEASES), default="4.3",
                        help="the iRODS release it presents itself as")
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
    server = IrodsTestServer(zone=args.zone, admin=args.admin, tls_context=context,
                             version=args.irods_version)
    for name, password in args.user:
        server.add_user(name, password)
    for owner, collection, count in args.seed:
        seed(server.catalog, owner, collection, count, avus=args.seed_avus)
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
