"""GenQuery reads what the query's conditions reach through the catalog's indexes, never the
whole catalog: a page of a big collection costs a page, the next page goes on from the last,
and the indexes follow renames, removals and AVU changes."""

import pytest
from irods.column import Like
from irods.models import Collection, DataObject, DataObjectMeta

from . import genquery_rows, target
from .__main__ import seed
from .prc import connect

COLL = "/tempZone/home/rods/big"
COUNT = 3000


@pytest.fixture
def big(irods_server, monkeypatch):
    """COUNT objects in COLL, and a counter of the rows GenQuery builds (one call per node)."""
    target.require_test_server("counts the rows the server builds")
    seed(irods_server.catalog, "rods", COLL, COUNT)
    built = []
    node_rows = genquery_rows.node_rows
    monkeypatch.setattr(genquery_rows, "node_rows", lambda cat, fam, node: built.append(node) or
                        node_rows(cat, fam, node))
    with connect(irods_server, "rods", "rods") as rods:
        yield rods, built


def names(rows):
    return [row[DataObject.name] for row in rows]


def test_a_page_reads_the_page_only(big):
    rods, built = big
    query = rods.query(DataObject.name, Collection.name).filter(Collection.name == COLL)
    first = query.order_by(DataObject.name).limit(10).all()
    assert names(first) == [f"object-{i:07d}.dat" for i in range(10)]
    assert len(built) <= 12  # the page, one more to tell there are more, one to end its run
    built.clear()
    last = query.order_by(DataObject.name, order="desc").limit(3).all()
    assert names(last) == [f"object-{i:07d}.dat" for i in (COUNT - 1, COUNT - 2, COUNT - 3)]
    assert len(built) <= 5
    built.clear()
    # A keyset page (what the API's `next` links ask for) starts at its key.
    after = query.filter(DataObject.name > "object-0002000.dat").order_by(DataObject.name).limit(5).all()
    assert names(after) == [f"object-{i:07d}.dat" for i in range(2001, 2006)]
    assert len(built) <= 7


def test_next_pages_go_on_from_the_last(big):
    rods, built = big
    query = rods.query(DataObject.name, Collection.name).filter(Collection.name == COLL).order_by(DataObject.name)
    batches = [names(batch) for batch in query.get_batches()]
    assert [len(b) for b in batches] == [500] * (COUNT // 500)
    assert sum(batches, []) == [f"object-{i:07d}.dat" for i in range(COUNT)]
    assert len(built) <= COUNT + len(batches)
    # Unordered (sorted on the whole row at the first page), later pages are not recomputed.
    built.clear()
    everything = list(rods.query(DataObject.id, DataObject.name).filter(Collection.name == COLL))
    assert len(everything) == COUNT
    assert len(built) == COUNT


def test_indexes_follow_renames_removals_and_avus(irods_server):
    with connect(irods_server, "rods", "rods") as rods:
        home = "/tempZone/home/rods"
        rods.collections.create(f"{home}/a/sub")
        for path in (f"{home}/a/x", f"{home}/a/sub/y"):
            rods.data_objects.create(path).metadata.add("colour", "red")

        def under(top):
            return sorted(f"{r[Collection.name]}/{r[DataObject.name]}" for r in
                          rods.query(Collection.name, DataObject.name).filter(Like(Collection.name, top + "%")))

        def red():
            return sorted(f"{r[Collection.name]}/{r[DataObject.name]}" for r in
                          rods.query(Collection.name, DataObject.name).filter(DataObjectMeta.name == "colour"))

        assert under(f"{home}/a") == [f"{home}/a/sub/y", f"{home}/a/x"]
        rods.collections.move(f"{home}/a", f"{home}/b")
        assert under(f"{home}/a") == []
        assert under(f"{home}/b") == red() == [f"{home}/b/sub/y", f"{home}/b/x"]
        rods.data_objects.get(f"{home}/b/x").metadata.remove("colour", "red")
        assert red() == [f"{home}/b/sub/y"]
        rods.data_objects.unlink(f"{home}/b/sub/y", force=True)
        assert red() == [] and under(f"{home}/b") == [f"{home}/b/x"]
        rods.data_objects.create(f"{home}/b/sub/y")
        assert under(f"{home}/b") == [f"{home}/b/sub/y", f"{home}/b/x"]
        if not target.url():
            # AVUs changed as plain lists, as catalog code may do, are indexed too.
            irods_server.catalog.objs[f"{home}/b/sub/y"].avus = [[1, "colour", "blue", "", 0, 0]]
            assert red() == [f"{home}/b/sub/y"]
