"""Backward lineage on a big provenance graph vs on a small one, in every store.

    .venv/bin/python bench/provenance_lineage.py [--runs 1000] [--baseline-runs 10] [--steps 10] [--repeats 200]

Stores `--runs` runs of a `--steps`-step linear workflow (tests/provenance/documents.py;
every run reads one shared reference input, used by all, and one input of its own), on
SQLite, PostgreSQL (a fresh schema, dropped afterwards) and Neo4j (two private servers,
tests/services/neo4j_server.py: Community edition has one database per server). Then
times a backward lineage of depth `--steps` from a final output (input reached through
every step) on that graph and on a graph of `--baseline-runs` runs of the same shape,
median of `--repeats`, the two interleaved. Target: big / small <= 3 (each hop of the
recursive query is an index lookup, whatever the size of the graph). Also prints how long
storing the runs took, and storing on Neo4j vs on PostgreSQL per run.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import OUT
from sqlalchemy import create_engine, make_url, text

from backend.provenance.store.neo4j import Neo4jStore
from backend.provenance.store.sql import SqlStore
from tests.live import free_port
from tests.provenance.documents import data_input, linear_run
from tests.services.neo4j_server import USER, Neo4jServer

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def sqlite_url():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as directory:
        yield f"sqlite:///{directory}/provenance.sqlite"


@contextlib.contextmanager
def postgres_url():
    """A fresh schema on the local server, or None when none answers."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        print(f"  PostgreSQL unreachable ({type(exc).__name__}): skipped")
        engine.dispose()
        yield None
        return
    schema = f"bench_prov_{secrets.token_hex(4)}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(POSTGRES_URL).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextlib.contextmanager
def sql_stores(url_context):
    with url_context() as big_url, url_context() as small_url:
        if big_url is None:
            yield None
            return
        big, small = SqlStore(big_url), SqlStore(small_url)
        try:
            yield big, small
        finally:
            big.close()
            small.close()


@contextlib.contextmanager
def neo4j_stores():
    """Two fresh Neo4j servers, started side by side, removed afterwards."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as directory:
        servers = [Neo4jServer(free_port(), Path(directory) / name) for name in ("big", "small")]
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(Neo4jServer.start, servers))
        stores = [Neo4jStore(server.uri, USER, server.password) for server in servers]
        try:
            yield tuple(stores)
        finally:
            for store in stores:
                store.close()
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(Neo4jServer.stop, servers))


def fill(store, runs: int, steps: int, prefix: str) -> tuple[float, list[str]]:
    """Store `runs` runs; returns the seconds it took and the final outputs."""
    shared = data_input("bench", "reference.fa")
    outputs = []
    started = time.perf_counter()
    for index in range(runs):
        run = linear_run(f"{prefix}-{index:05d}", steps, inputs=[shared, data_input(f"{prefix}-{index}", "reads.fq")])
        store.save(run.bundle, run.document)
        outputs.append(run.output)
    return time.perf_counter() - started, outputs


def lineage_medians(big, small, big_outputs, small_outputs, steps: int,
                    repeats: int) -> tuple[float, float]:
    timings = {"big": [], "small": []}
    for repeat in range(repeats):
        # A different output each time, spread over the graph, so no one row is always cached.
        pair = [("big", big, big_outputs), ("small", small, small_outputs)]
        if repeat % 2:
            pair.reverse()  # neither graph always goes first
        for label, store, outputs in pair:
            node = outputs[(repeat * 7919) % len(outputs)]
            started = time.perf_counter()
            document = store.lineage(node, "backward", steps)
            timings[label].append(time.perf_counter() - started)
            # The same answer on both graphs (the graph's size must not change what is found).
            assert len(document.get_records()) == expected_records(steps), len(document.get_records())
    return statistics.median(timings["big"]), statistics.median(timings["small"])


def expected_records(steps: int) -> int:
    # nodes: steps activities, output + (steps - 1) intermediates + 2 inputs, 1 agent;
    # relations: steps generations, steps + 1 usages, 2 derivations, steps associations.
    return steps + (steps + 2) + 1 + steps + (steps + 1) + 2 + steps


def bench(name: str, stores_context, args) -> float | None:
    """Prints the figures of one store; returns its storing time per run (seconds)."""
    with stores_context() as stores:
        if stores is None:
            return None
        big, small = stores
        small_seconds, small_outputs = fill(small, args.baseline_runs, args.steps, "small")
        big_seconds, big_outputs = fill(big, args.runs, args.steps, "big")
        counts = big.counts()
        print(f"  {name}: stored {args.runs} runs of {args.steps} steps in {big_seconds:.1f}s "
              f"({big_seconds / args.runs * 1000:.1f} ms/run; {args.baseline_runs} runs: "
              f"{small_seconds / args.baseline_runs * 1000:.1f} ms/run); graph: {counts['nodes']} nodes, "
              f"{counts['relations']} relations")
        lineage_medians(big, small, big_outputs, small_outputs, args.steps, 5)  # warm-up
        big_s, small_s = lineage_medians(big, small, big_outputs, small_outputs, args.steps, args.repeats)
        print(f"  {name}: backward lineage depth {args.steps}: {args.runs} runs {big_s * 1000:.2f} ms, "
              f"{args.baseline_runs} runs {small_s * 1000:.2f} ms (medians of {args.repeats})")
        print(f"  {name}: {args.runs} vs {args.baseline_runs} runs: {big_s / small_s:.2f}x (target <= 3)")
        return big_seconds / args.runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--baseline-runs", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    bench("SQLite", lambda: sql_stores(sqlite_url), args)
    postgres = bench("PostgreSQL", lambda: sql_stores(postgres_url), args)
    neo4j = bench("Neo4j", neo4j_stores, args)
    if postgres and neo4j:
        print(f"  storing one {args.steps}-step run: Neo4j {neo4j * 1000:.1f} ms vs PostgreSQL "
              f"{postgres * 1000:.1f} ms: {neo4j / postgres:.2f}x")


if __name__ == "__main__":
    main()
