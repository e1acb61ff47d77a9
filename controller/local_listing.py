"""`rapydo list services` with the local engine: what runs on this host and what it uses.

The compose catalogue (docker-compose.base.yml) names containers the local engine never
starts; listing it would claim a RabbitMQ or a PostgreSQL that is not there. The local engine
runs two kinds of processes (the API under uWSGI, the Celery worker) and everything else is
either embedded (files and SQLite under DATA_DIR, kombu's filesystem transport) or an external
server named by a setting, which this listing names (its password masked) but does not run.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from controller.local_engine import LocalEngine, Status

# Services of the compose catalogue that the local engine runs itself, as processes.
RUN_AS_PROCESSES = frozenset({"backend", "celery"})


def lines(engine: LocalEngine, state: Status, switched_on: Mapping[str, str],
          masked: Callable[[str], str]) -> list[str]:
    """The listing: one row per process or resource, then the switched-on services it ignores."""
    rows = [("api", "uWSGI", _api(engine, state))]
    if state.worker is not None:
        rows.append(("worker", "Celery", _worker(state)))
    rows += _resources(engine.env, str(engine.data_dir), masked)
    width = [max(len(row[column]) for row in rows) for column in (0, 1)]
    listing = [f"{name.ljust(width[0])}  {kind.ljust(width[1])}  {detail}" for name, kind, detail in rows]
    ignored = sorted(set(switched_on) - RUN_AS_PROCESSES)
    if ignored:
        listing.append(f"(switched on but not run by the local engine: {', '.join(ignored)}; it uses the "
                       f"servers the settings above name, or its embedded substitutes)")
    return listing


def _api(engine: LocalEngine, state: Status) -> str:
    if not state.running:
        return f"not running  ({engine.url} when started)"
    return f"running  pid {state.pid} ({len(state.pids) - 1} workers)  {engine.url}"


def _worker(state: Status) -> str:
    worker = state.worker
    if not worker.running:
        return "not running"
    return f"running  pid {worker.pid} ({worker.health})"


def _resources(env: Mapping[str, str], data_dir: str, masked: Callable[[str], str]) -> Iterable[tuple]:
    broker = env.get("CELERY_BROKER_URL", "")
    if broker:
        kind = {"amqp": "RabbitMQ", "amqps": "RabbitMQ", "redis": "Redis"}.get(broker.split(":", 1)[0], "external")
        yield "broker", kind, f"{masked(broker)}  (CELERY_BROKER_URL; not run here)"
    else:
        yield "broker", "embedded", f"kombu filesystem transport in {data_dir}/broker (no server)"
    yield _database("results", env.get("CELERY_RESULT_BACKEND", ""), "CELERY_RESULT_BACKEND", data_dir, masked)
    if env.get("STORAGE_BACKEND", "local") == "irods":
        yield ("storage", "iRODS", f"{env.get('IRODS_HOST')}:{env.get('IRODS_PORT')} zone {env.get('IRODS_ZONE')}"
               f"  (not run here)")
    else:
        yield "storage", "embedded", f"local vault and catalog in {data_dir}"
    yield _database("users db", env.get("AUTH_DB_URL", ""), "AUTH_DB_URL", data_dir, masked)
    if env.get("PROV_STORE", "sql") == "neo4j":
        yield "provenance", "Neo4j", f"{env.get('NEO4J_URI') or '(NEO4J_URI is empty)'}  (not run here)"
    else:
        yield _database("provenance", env.get("PROV_DB_URL", ""), "PROV_DB_URL", data_dir, masked)


def _database(name: str, url: str, setting: str, data_dir: str, masked: Callable[[str], str]) -> tuple:
    if url:
        return name, "external", f"{masked(url)}  ({setting})"
    return name, "embedded", f"SQLite in {data_dir}"
