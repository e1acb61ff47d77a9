"""GenQuery aggregates (SUM, COUNT, MIN, MAX, AVG) as iRODS computes them: grouped by the other
selected columns, one row over no rows; what quota usage (SUM of DATA_SIZE by owner) needs."""

from irods.models import Collection, DataObject

from .prc import connect, write

HOME = "/tempZone/home"


def store(server):
    server.add_user("alice", "apass")
    server.add_user("bob", "bpass")
    with connect(server, "alice", "apass") as alice:
        alice.collections.create(f"{HOME}/alice/sub")
        for name, size in (("a", 10), ("b", 200), ("sub/c", 3000)):
            write(alice, f"{HOME}/alice/{name}", b"x" * size)
    with connect(server, "bob", "bpass") as bob:
        write(bob, f"{HOME}/bob/d", b"y" * 7)


def one(query, column):
    rows = query.all()
    assert len(rows) == 1
    return rows[0][column]


def test_sum_of_sizes_by_owner(irods_server):
    store(irods_server)
    with connect(irods_server, "rods", "rods") as rods:
        owned = rods.query(DataObject.size).filter(DataObject.owner_name == "alice").sum(DataObject.size)
        assert one(owned, DataObject.size) == 3210
        count = rods.query(DataObject.id).filter(DataObject.owner_name == "alice").count(DataObject.id)
        assert one(count, DataObject.id) == 3
        sizes = rods.query(DataObject.size)
        assert one(sizes.min(DataObject.size), DataObject.size) == 7
        assert one(rods.query(DataObject.size).max(DataObject.size), DataObject.size) == 3000


def test_an_aggregate_over_no_rows_is_one_empty_row(irods_server):
    store(irods_server)
    with connect(irods_server, "rods", "rods") as rods:
        nobody = rods.query(DataObject.size).filter(DataObject.owner_name == "nobody")
        # SQL's NULL goes out as an empty value, which PRC reads as None.
        assert one(nobody.sum(DataObject.size), DataObject.size) is None
        none = rods.query(DataObject.id).filter(DataObject.owner_name == "nobody").count(DataObject.id)
        assert one(none, DataObject.id) == 0


def test_aggregates_group_by_the_other_selected_columns(irods_server):
    store(irods_server)
    with connect(irods_server, "rods", "rods") as rods:
        per_collection = rods.query(Collection.name, DataObject.size).sum(DataObject.size)
        assert {row[Collection.name]: row[DataObject.size] for row in per_collection} == {
            f"{HOME}/alice": 210, f"{HOME}/alice/sub": 3000, f"{HOME}/bob": 7}


def test_a_user_sums_only_what_they_may_read(irods_server):
    store(irods_server)
    with connect(irods_server, "bob", "bpass") as bob:
        everything = bob.query(DataObject.size).sum(DataObject.size)
        assert one(everything, DataObject.size) == 7
