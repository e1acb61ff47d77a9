"""Bulk-made catalogs for search tests and benchmarks: many data objects with AVUs, fast.

Tests and benchmarks only. 100,000 objects through the storage API (a transaction and a
vault file each, then one more transaction per AVU) would take minutes and measure
uploads; these write what the API would leave in the catalog, without bytes:
- local: rows of `nodes`, `acls` (own for the owner) and `avus`, inserted in one
  transaction straight into the SQLite catalog; the objects have no vault file, so
  reading one fails (nothing here reads them);
- irods: tests/irods_server's own seeding (its __main__.seed), inside the test server.
Both give object number i the name object-<i:07d>.dat and the AVUs of `seed_avus(i)`.
"""

from __future__ import annotations

from backend.storage import paths
from backend.storage.local.catalog import now, to_db
from tests.irods_server.__main__ import seed, seed_avus

__all__ = ["seed_avus", "seed_irods", "seed_local"]


def seed_local(catalog, owner: str, collection: str, count: int) -> None:
    """`count` data objects in `collection` (which must exist) of a local backend's Catalog
    (backend.storage.local.catalog), owned by `owner`."""
    stamp = to_db(now())
    with catalog.transaction() as conn:
        parent = conn.execute("SELECT id FROM nodes WHERE path = ?", (collection,)).fetchone()[0]
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM nodes").fetchone()[0]
        ids = range(first, first + count)
        names = [f"object-{index:07d}.dat" for index in range(count)]
        conn.executemany(
            "INSERT INTO nodes (id, parent_id, name, path, type, owner, size, created, modified)"
            " VALUES (?, ?, ?, ?, 'dataobject', ?, ?, ?, ?)",
            [(node, parent, name, paths.join(collection, name), owner, len(str(index)), stamp, stamp)
             for index, (node, name) in enumerate(zip(ids, names))])
        conn.executemany("INSERT INTO acls (node_id, user, level) VALUES (?, ?, 3)",
                         [(node, owner) for node in ids])
        conn.executemany("INSERT INTO avus (node_id, attribute, value, unit) VALUES (?, ?, ?, ?)",
                         [(node, *avu) for index, node in enumerate(ids) for avu in seed_avus(index)])


def seed_irods(catalog, owner: str, collection: str, count: int) -> None:
    """The same, in a tests/irods_server catalog (objects holding their number as bytes)."""
    seed(catalog, owner, collection, count, avus=True)
