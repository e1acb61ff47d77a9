"""GenQuery conditions on ACL columns: "which objects can these user/group ids read?"."""

import pytest
from irods.access import iRODSAccess
from irods.column import In
from irods.models import Collection, CollectionAccess, DataAccess, DataObject, User

from .prc import connect, write

HOME = "/tempZone/home/alice"


@pytest.fixture
def shared(irods_server):
    irods_server.add_user("alice", "apass")
    irods_server.add_user("bob", "bpass")
    irods_server.add_group("lab")
    irods_server.add_to_group("lab", "bob")
    with connect(irods_server, "alice", "apass") as alice:
        for name in ("a", "b", "c", "d", "e"):
            write(alice, f"{HOME}/{name}.txt", name.encode())
        alice.collections.create(f"{HOME}/sub")
        write(alice, f"{HOME}/sub/f.txt", b"f")
        # a: lab may write; b: bob and lab both (two ACL rows, one result); c: lab only;
        # d, e: alice only; sub/f: bob, in another collection.
        for path, who in ((f"{HOME}/b.txt", "bob"), (f"{HOME}/b.txt", "lab"), (f"{HOME}/c.txt", "lab"),
                          (f"{HOME}/sub/f.txt", "bob")):
            alice.acls.set(iRODSAccess("read", path, who))
        alice.acls.set(iRODSAccess("write", f"{HOME}/a.txt", "lab"))
        alice.acls.set(iRODSAccess("write", HOME, "lab"))
        ids = {row[User.name]: str(row[User.id]) for row in alice.query(User.id, User.name)}
        yield alice, ids


def readable_by(session, ids, level="1050", coll=HOME):
    return session.query(DataObject.name).filter(
        Collection.name == coll, In(DataAccess.user_id, ids), DataAccess.type >= level)


def test_objects_readable_by_user_or_group_ids(shared):
    alice, ids = shared
    rows = readable_by(alice, [ids["bob"], ids["lab"]])
    assert [r[DataObject.name] for r in rows] == ["a.txt", "b.txt", "c.txt"]
    # Numeric comparison: 1120 (modify_object) >= 1100, 1050 (read_object) is not.
    assert [r[DataObject.name] for r in readable_by(alice, [ids["bob"], ids["lab"]], "1100")] == ["a.txt"]
    assert [r[DataObject.name] for r in readable_by(alice, [ids["bob"]], coll=f"{HOME}/sub")] == ["f.txt"]


def test_access_query_pages_and_orders(shared):
    alice, ids = shared
    query = readable_by(alice, [ids["bob"], ids["lab"], ids["alice"]]).limit(2)
    batches = [[r[DataObject.name] for r in batch] for batch in query.get_batches()]
    assert batches == [["a.txt", "b.txt"], ["c.txt", "d.txt"], ["e.txt"]]
    desc = readable_by(alice, [ids["lab"]]).order_by(DataObject.name, order="desc")
    assert [r[DataObject.name] for r in desc] == ["c.txt", "b.txt", "a.txt"]


def test_collections_by_access(shared):
    alice, ids = shared
    rows = alice.query(Collection.name).filter(
        In(CollectionAccess.user_id, [ids["lab"]]), CollectionAccess.type >= "1120")
    assert [r[Collection.name] for r in rows] == [HOME]
