"""Provenance stores: one interface (`base.ProvenanceStore`), two adapters.

`build_store(settings)` picks the adapter PROV_STORE names: `sql` (SQLite in DATA_DIR by
default, or PROV_DB_URL) or `neo4j` (NEO4J_URI). It connects to nothing: a store that is
down when the application starts is built all the same, and says so when used.
"""

from __future__ import annotations

from backend.provenance.store.base import ProvenanceStore
from backend.settings import Settings

__all__ = ["ProvenanceStore", "build_store"]


def build_store(settings: Settings) -> ProvenanceStore:
    if settings.prov_store == "neo4j":
        if not settings.neo4j_uri:
            # A deployment mistake, found at start-up: not a request error, so not a typed one.
            raise ValueError("PROV_STORE=neo4j needs NEO4J_URI")
        from backend.provenance.store.neo4j import Neo4jStore

        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        return Neo4jStore(settings.neo4j_uri, settings.neo4j_user, password)
    from backend.provenance.store.sql import SqlStore

    return SqlStore(settings.prov_db)
