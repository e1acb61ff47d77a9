"""Storage.search on every backend: metadata conditions as iRODS GenQuery joins them, the
reader's ACLs, the other criteria, and keyset paging in (collection, name) order."""

from datetime import datetime, timedelta, timezone

import pytest

from backend.errors import BadRequest
from backend.storage.base import AVU, AccessLevel
from backend.storage.search import MetadataCondition as M, Query
from tests.storage.conftest import ALICE, BOB, ZONE


def put(storage, path, *avus, content=b"x"):
    storage.write_file_content(path, content, parents=True)
    for attribute, value, *unit in avus:
        storage.metadata.add(path, AVU(attribute, value, *unit))
    return path


def found(storage, query=None, **criteria):
    query = query or Query(scope=criteria.pop("scope", ALICE), **criteria)
    return [info.path for info in storage.search(query, limit=1000).items]


def test_each_condition_needs_an_avu_of_its_own(alice):
    both = put(alice, f"{ALICE}/both", ("experiment", "x"), ("sample", "y"))
    put(alice, f"{ALICE}/crossed", ("experiment", "y"))  # cond 1's attribute, cond 2's value
    put(alice, f"{ALICE}/one", ("experiment", "x"))
    put(alice, f"{ALICE}/swapped", ("experiment", "y"), ("sample", "x"))
    two = (M("experiment", "x"), M("sample", "y"))
    assert found(alice, conditions=two) == [both]
    # A value-only condition still wants an AVU of its own.
    assert found(alice, conditions=(M("experiment", "x"), M(None, "y"))) == [both]


def test_three_conditions(alice):
    three = put(alice, f"{ALICE}/three", ("a", "1"), ("b", "2"), ("c", "3", "m"))
    put(alice, f"{ALICE}/two", ("a", "1"), ("b", "2"))
    put(alice, f"{ALICE}/mixed", ("a", "2"), ("b", "3"), ("c", "1", "m"))
    conditions = (M("a", "1"), M("b", "2"), M("c", "3", unit="m"))
    assert found(alice, conditions=conditions) == [three]
    assert found(alice, conditions=conditions[:2] + (M("c", "3", unit="s"),)) == []


def test_operators_compare_values_as_text(alice):
    for value in ("10", "9", "abc", "abd"):
        put(alice, f"{ALICE}/v{value}", ("n", value))
    ask = lambda op, value: found(alice, conditions=(M("n", value, op=op),))  # noqa: E731
    assert ask("<", "9") == [f"{ALICE}/v10"]  # "10" < "9", as iRODS compares values
    assert ask(">", "9") == [f"{ALICE}/vabc", f"{ALICE}/vabd"]
    assert ask("between", ("1", "9")) == [f"{ALICE}/v10", f"{ALICE}/v9"]
    assert ask("like", "ab%") == [f"{ALICE}/vabc", f"{ALICE}/vabd"]
    assert ask("like", "AB%") == []  # case sensitive
    assert ask("like", "_0") == [f"{ALICE}/v10"]
    assert ask("not like", "ab%") == [f"{ALICE}/v10", f"{ALICE}/v9"]
    assert ask("!=", "9") == [f"{ALICE}/v10", f"{ALICE}/vabc", f"{ALICE}/vabd"]
    assert found(alice, conditions=(M("n"),)) == [f"{ALICE}/v{v}" for v in ("10", "9", "abc", "abd")]


def test_results_are_what_the_reader_may_read(alice, bob):
    put(alice, f"{ALICE}/private", ("k", "v"))
    shared = put(alice, f"{ALICE}/shared", ("k", "v"))
    public = put(alice, f"{ALICE}/public", ("k", "v"))
    alice.acls.set(shared, "bob", AccessLevel.read)
    alice.acls.set(public, "public", AccessLevel.read)
    mine = put(bob, f"{BOB}/mine", ("k", "v"))
    query = Query(scope=f"/{ZONE}/home", conditions=(M("k", "v"),))
    assert found(bob, query) == [public, shared, mine]
    assert found(alice, query) == [f"{ALICE}/private", public, shared]


def test_other_criteria(alice):
    small = put(alice, f"{ALICE}/data/small.nc", ("k", "v"), content=b"1")
    big = put(alice, f"{ALICE}/data/big.nc", ("k", "v"), content=b"12345")
    deep = put(alice, f"{ALICE}/data/deeper/x.txt", ("k", "v"))
    alice.metadata.add(f"{ALICE}/data/deeper", AVU("k", "v"))
    data, deeper = f"{ALICE}/data", f"{ALICE}/data/deeper"
    assert found(alice, scope=data) == [big, deeper, small, deep]
    assert found(alice, scope=data, recursive=False) == [big, deeper, small]
    assert found(alice, scope=data, type="collection") == [deeper]
    assert found(alice, scope=data, name="%.nc") == [big, small]
    assert found(alice, scope=data, name="deep%") == [deeper]
    assert found(alice, scope=data, min_size=2) == [big]
    assert found(alice, scope=data, max_size=1) == [small, deep]
    assert found(alice, scope=data, owner="alice") == [big, deeper, small, deep]
    assert found(alice, scope=data, owner="bob") == []
    hour = timedelta(hours=1)
    now = datetime.now(timezone.utc)
    assert found(alice, scope=data, modified_after=now - hour, modified_before=now + hour) == [
        big, deeper, small, deep]
    assert found(alice, scope=data, modified_after=now + hour) == []
    assert found(alice, scope=data, conditions=(M("k", "v"),), type="collection") == [deeper]


def test_paging_follows_collection_then_name(alice):
    # (collection, name) order: /p/a's results come before /p/a-b's, those before /p/a/b's
    # ("-" sorts before "/"), which path order would not give (/p/a-b/w < /p/a/c).
    made = [put(alice, f"{ALICE}/p/{path}", ("k", "v")) for path in
            ("z", "a/x", "a/b/y", "a-b/w", "a/c")]
    expected = [made[0], made[4], made[1], made[3], made[2]]
    query = Query(scope=f"{ALICE}/p", conditions=(M("k", "v"),))
    assert found(alice, query) == expected
    pages, after = [], None
    while True:
        page = alice.search(query, after=after, limit=2)
        pages.append([info.path for info in page.items])
        if not page.has_more:
            break
        after = page.items[-1].path
    assert [path for page in pages for path in page] == expected
    assert pages == [expected[:2], expected[2:4], expected[4:]]


def test_scope_names_are_literal(alice):
    inside = put(alice, f"{ALICE}/a_b/x", ("k", "v"))
    put(alice, f"{ALICE}/axb/x", ("k", "v"))
    assert found(alice, scope=f"{ALICE}/a_b") == [inside]


def test_bad_queries_are_refused(alice):
    with pytest.raises(BadRequest):
        M("a", "1", op="~")
    with pytest.raises(BadRequest):
        M("a", "1", op="between")
    with pytest.raises(BadRequest):
        Query(scope=ALICE, type="collection", min_size=1)
    with pytest.raises(BadRequest):
        alice.search(Query(scope=ALICE), limit=0)
