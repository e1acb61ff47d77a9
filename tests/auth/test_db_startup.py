"""Start-up races on the embedded users database (SQLite): uWSGI starts its workers together,
and each creates the schema of a database that may not exist yet."""

from __future__ import annotations

import multiprocessing

import pytest


def _create_schema(path: str, results) -> None:
    from backend.auth.db import Database

    try:
        Database(f"sqlite:///{path}").create_schema()
        results.put("ok")
    except Exception as exc:  # reported to the test
        results.put(repr(exc.__cause__ or exc))


@pytest.mark.parametrize("round", range(10))
def test_workers_creating_a_new_database_at_once_all_succeed(tmp_path, round):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    path = str(tmp_path / "auth.sqlite")
    workers = [context.Process(target=_create_schema, args=(path, results)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [results.get() for _ in workers] == ["ok"] * len(workers)
