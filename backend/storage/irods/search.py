"""Search on iRODS: a Query (backend/storage/search.py) as GenQuery, the reader's ACL included.

Each metadata condition starts with a condition on the attribute name (`like '%'` when
any attribute will do): iRODS joins R_META_MAIN once more for every such condition after
the first and ties the value and unit conditions that follow to that join, so each
condition is met by an AVU of its own.

GenQuery has neither OR nor a comparison of (collection, name) pairs, and cannot sort by
a whole path. So results come ordered by (collection, name), each kind (data objects,
collections) as a chain of queries whose results follow one another in that order:
  1. in the scope itself (COLL_NAME = scope), after the keyset's name when it is there;
  2. in the keyset's collection, after its name (when that collection is below the scope);
  3. below the scope (COLL_NAME like 'scope/%'), in collections after the keyset's.
Every query is sorted by the server and read lazily, a batch at a time; the two kinds
are merged, and reading stops once the page is full.
"""

from __future__ import annotations

import heapq
import math
import re
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from typing import Callable, Iterator

from irods.column import Between, Criterion, Like, NotLike
from irods.models import (Collection, CollectionAccess, CollectionMeta, DataAccess, DataObject,
                          DataObjectMeta)

from backend.storage import paths
from backend.storage.base import COLLECTION, DATAOBJECT, Info
from backend.storage.irods import queries
from backend.storage.search import MetadataCondition, Query, like_regex, split

BATCH = 256  # iRODS answers at most 256 rows a query page (MAX_SQL_ROWS)


@dataclass(frozen=True)
class Kind:
    """How one kind of result is queried: the columns of its (collection, name) keyset."""

    type: str
    columns: tuple
    parent: object  # the column holding the collection a result is in
    name: object  # the column holding its name (a collection's: its whole path)
    owner: object
    modified: object
    meta: type
    access: type
    info: Callable
    name_key: Callable[[str], str]  # the `name` column's value of a path


OBJECTS = Kind(DATAOBJECT, queries.OBJECT_COLUMNS, Collection.name, DataObject.name,
               DataObject.owner_name, DataObject.modify_time, DataObjectMeta, DataAccess,
               queries.object_info, paths.name)
COLLECTIONS = Kind(COLLECTION, queries.COLLECTION_COLUMNS + (Collection.parent_name,),
                   Collection.parent_name, Collection.name, Collection.owner_name,
                   Collection.modify_time, CollectionMeta, CollectionAccess,
                   queries.collection_info, lambda path: path)


def escape_like(text: str) -> str:
    """`text` matched literally by a LIKE pattern (PostgreSQL's, under iRODS: `\\` escapes)."""
    return re.sub(r"([\\%_])", r"\\\1", text)


def _segments(kind: Kind, scope: str, recursive: bool, after: str | None) -> list[list]:
    """The criteria of each query of the chain (see the module's docstring), in order."""
    collection = split(after)[0]
    name = kind.name_key(after) if after is not None else None
    chain = []
    if collection is None or scope > collection:
        chain.append([kind.parent == scope])
    elif scope == collection:
        chain.append([kind.parent == scope, kind.name > name])
    if recursive:
        if collection is not None and collection != scope and paths.is_within(collection, scope):
            chain.append([kind.parent == collection, kind.name > name])
        below = [Like(kind.parent, escape_like(scope.rstrip("/")) + "/%")]
        chain.append(below + ([kind.parent > collection] if collection is not None else []))
    return chain


def _value(column, cond: MetadataCondition) -> list:
    if cond.value is None:
        return []
    if cond.op == "between":
        return [Between(column, cond.value)]
    if cond.op == "like":
        return [Like(column, cond.value)]
    if cond.op == "not like":
        return [NotLike(column, cond.value)]
    return [Criterion("<>" if cond.op == "!=" else cond.op, column, cond.value)]


def _metadata(kind: Kind, cond: MetadataCondition) -> list:
    """One join of R_META_MAIN: its attribute condition first (see the module's docstring)."""
    meta = kind.meta
    attribute = Like(meta.name, "%") if cond.attribute is None else meta.name == cond.attribute
    unit = [] if cond.unit is None else [meta.units == cond.unit]
    return [attribute] + _value(meta.value, cond) + unit


def _seconds(moment: datetime, rounding) -> str:
    """A time as iRODS keeps it: whole seconds, as text of 11 digits (compared as text)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return f"{int(rounding(moment.timestamp())):011d}"


def _criteria(kind: Kind, query: Query, hidden: str) -> list:
    found = []
    if kind is OBJECTS:
        found.append(NotLike(DataObject.name, escape_like(hidden) + "%"))
        if query.name is not None:
            found.append(Like(DataObject.name, query.name))
        if query.min_size is not None:
            found.append(DataObject.size >= query.min_size)
        if query.max_size is not None:
            found.append(DataObject.size <= query.max_size)
    elif query.name is not None:
        # No column holds a collection's last name: narrowed here, matched exactly by _keep.
        found.append(Like(Collection.name, "%/" + query.name))
    if query.owner is not None:
        found.append(kind.owner == query.owner)
    if query.modified_after is not None:
        found.append(kind.modified > _seconds(query.modified_after, math.floor))
    if query.modified_before is not None:
        found.append(kind.modified < _seconds(query.modified_before, math.ceil))
    for cond in query.conditions:
        found += _metadata(kind, cond)
    return found


def _keep(kind: Kind, query: Query) -> Callable[[Info], bool]:
    """What a row must also be, beyond what GenQuery can say."""
    pattern = re.compile(like_regex(query.name), re.S) if query.name is not None else None

    def keep(info: Info) -> bool:
        if not paths.is_within(paths.parent(info.path), query.scope):
            return False
        return kind is OBJECTS or pattern is None or pattern.fullmatch(info.name) is not None

    return keep


def _stream(stack: ExitStack, session, kind: Kind, query: Query, reader_ids, after: str | None,
            hidden: str, count: int) -> Iterator[Info]:
    """The results of one kind, in (collection, name) order, read a batch at a time."""
    keep = _keep(kind, query)
    criteria = _criteria(kind, query, hidden)
    for segment in _segments(kind, query.scope, query.recursive, after):
        request = session.query(*kind.columns).filter(*segment, *criteria)
        request = queries._readable(request, kind.access, reader_ids)
        request = request.order_by(kind.parent).order_by(kind.name).limit(min(count, BATCH))
        # Closed when the page is full: iRODS keeps an open query's statement until then.
        rows = stack.enter_context(closing(request.get_results()))
        last = None
        for row in rows:
            info = kind.info(row)
            if info.path != last and keep(info):  # one row per replica: keep the first
                yield info
            last = info.path


def _key(info: Info) -> tuple[str, str]:
    return paths.parent(info.path), info.name


def search(session, query: Query, reader_ids, *, after: str | None, count: int,
           hidden: str) -> list[Info]:
    """Up to `count` results of `query` readable by `reader_ids` (None: as the session may),
    after the path `after`; data objects named with the prefix `hidden` are left out."""
    kinds = [kind for kind in (OBJECTS, COLLECTIONS) if query.wants(kind.type)]
    with ExitStack() as stack:
        streams = [_stream(stack, session, kind, query, reader_ids, after, hidden, count)
                   for kind in kinds]
        found = list(islice(heapq.merge(*streams, key=_key), count))
        for stream in streams:
            stream.close()
    return found
