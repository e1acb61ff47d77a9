"""The Neo4j server the tests run against: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD (set by
`.ci/run` from `python3 -m tests.services env`, which also starts it).

Skipped when NEO4J_URI is not set, except under CI (env CI set): there a missing Neo4j is a
failure, so its tests never silently stop running.
"""

from __future__ import annotations

import os

import pytest

from backend.provenance.store.neo4j import Neo4jStore

# Every label the Neo4j store writes: emptied before a test that wants a clean database.
LABELS = ("Element", "ProvBundle", "ProvRecord", "ProvLocation", "ProvCounter")


def neo4j_settings() -> dict[str, str]:
    """The deployment variables naming the test server; skips (fails in CI) without one."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        message = "NEO4J_URI is not set: no Neo4j server to run against (python3 -m tests.services up)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {"NEO4J_URI": uri, "NEO4J_USER": os.environ.get("NEO4J_USER", "neo4j"),
            "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", "")}


def connect(settings: dict[str, str]) -> Neo4jStore:
    """The store on the server `settings` name (as neo4j_settings() returns them)."""
    return Neo4jStore(settings["NEO4J_URI"], settings["NEO4J_USER"], settings["NEO4J_PASSWORD"])


def empty_store(settings: dict[str, str] | None = None) -> Neo4jStore:
    """A store on the test server with none of the store's nodes left from earlier tests."""
    store = connect(settings or neo4j_settings())
    with store._driver.session() as session:
        for label in LABELS:
            session.run(f"MATCH (n:{label}) DETACH DELETE n").consume()
    return store
