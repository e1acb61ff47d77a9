"""GenQuery: stat, listings and account lookups, bound by the reader's ACLs.

iRODS' default policy lets any user query the catalog rows of objects they may
not read (only STRICT mode hides them). So every query here carries the ACL
condition itself: "an access entry for one of the reader's ids (the user and
the groups they belong to) of at least read". A ticket session passes no ids:
the server confines it to what the ticket grants.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from irods.column import In, Like
from irods.models import Collection, CollectionAccess, DataAccess, DataObject, Group, User

from backend.storage import paths
from backend.storage.base import COLLECTION, DATAOBJECT, AccessLevel, Info

# iRODS' numeric access types (r_tokn_main); "read object" and above can read.
ACCESS_TYPE = {AccessLevel.read: 1050, AccessLevel.write: 1120, AccessLevel.own: 1200}

COLLECTION_COLUMNS = (Collection.name, Collection.owner_name, Collection.create_time,
                      Collection.modify_time)
OBJECT_COLUMNS = (DataObject.name, Collection.name, DataObject.size, DataObject.checksum,
                  DataObject.owner_name, DataObject.create_time, DataObject.modify_time)


def _utc(moment) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(int(moment), timezone.utc)


def collection_info(row) -> Info:
    path = row[Collection.name]
    return Info(path=path, name=paths.name(path) or path, type=COLLECTION, size=None,
                checksum=None, owner=row[Collection.owner_name],
                created=_utc(row[Collection.create_time]),
                modified=_utc(row[Collection.modify_time]))


def object_info(row) -> Info:
    checksum = row[DataObject.checksum] or None
    return Info(path=paths.join(row[Collection.name], row[DataObject.name]),
                name=row[DataObject.name], type=DATAOBJECT, size=int(row[DataObject.size]),
                checksum=checksum, owner=row[DataObject.owner_name],
                created=_utc(row[DataObject.create_time]),
                modified=_utc(row[DataObject.modify_time]))


def _readable(query, access_model, reader_ids, level=AccessLevel.read):
    if reader_ids is None:
        return query
    return query.filter(In(access_model.user_id, sorted(reader_ids)),
                        access_model.type >= ACCESS_TYPE[level])


def find_collection(session, path: str, reader_ids=None, level=AccessLevel.read):
    query = session.query(*COLLECTION_COLUMNS).filter(Collection.name == path)
    rows = _readable(query, CollectionAccess, reader_ids, level).limit(1).all()
    return collection_info(rows[0]) if len(rows) else None


def find_object(session, path: str, reader_ids=None, level=AccessLevel.read):
    query = session.query(*OBJECT_COLUMNS).filter(Collection.name == paths.parent(path),
                                                  DataObject.name == paths.name(path))
    rows = _readable(query, DataAccess, reader_ids, level).limit(1).all()
    return object_info(rows[0]) if len(rows) else None


def find(session, path: str, reader_ids=None, level=AccessLevel.read) -> Info | None:
    return (find_collection(session, path, reader_ids, level)
            or find_object(session, path, reader_ids, level))


# Storage.list's orders (base.SORT_KEYS): the column each kind is ordered by in GenQuery.
# Collections have no size: sorted by size, they come first, by name.
COLLECTION_ORDER = {"name": Collection.name, "size": Collection.name, "modified": Collection.modify_time}
OBJECT_ORDER = {"name": DataObject.name, "size": DataObject.size, "modified": DataObject.modify_time}


def children(session, path: str, reader_ids, *, after: str | None, count: int,
             sort: str = "name", descending: bool = False) -> list[Info]:
    """The first `count` readable children of `path` in the order asked (after `after`,
    by name), both kinds.

    Subcollections and data objects are two queries, each ordered by the sort column
    (ties by name) and cut at `count`; merging them keeps the order, so a page never
    needs more. PRC's order_by moves its column to the end of the selection, and iRODS
    orders by the ORDER BY columns in their selected order: the sort column is ordered
    first, the name after it.
    """
    colls = session.query(*COLLECTION_COLUMNS).filter(Collection.parent_name == path)
    objects = session.query(*OBJECT_COLUMNS).filter(Collection.name == path)
    if after is not None:
        before = descending  # a descending listing continues with the names before `after`
        colls = colls.filter(Collection.name < paths.join(path, after) if before
                             else Collection.name > paths.join(path, after))
        objects = objects.filter(DataObject.name < after if before else DataObject.name > after)
    direction = "desc" if descending else "asc"
    colls = _readable(colls, CollectionAccess, reader_ids).order_by(
        COLLECTION_ORDER[sort], "asc" if sort == "size" else direction)
    objects = _readable(objects, DataAccess, reader_ids).order_by(OBJECT_ORDER[sort], direction)
    if sort != "name":
        colls = colls.order_by(Collection.name)
        objects = objects.order_by(DataObject.name)
    found = [collection_info(r) for r in colls.limit(count).all()]
    seen = set()
    for row in objects.limit(count).all():
        info = object_info(row)
        if info.name not in seen:  # one row per replica: keep the first
            seen.add(info.name)
            found.append(info)
    return in_order(found, sort, descending)[:count]


def in_order(found: list[Info], sort: str, descending: bool) -> list[Info]:
    """`found` in a listing's order (base.SORT_KEYS); stable sorts, least significant first."""
    if sort == "name":
        return sorted(found, key=lambda info: info.name, reverse=descending)
    found = sorted(found, key=lambda info: info.name)
    if sort == "modified":
        return sorted(found, key=lambda info: info.modified, reverse=descending)
    found = sorted(found, key=lambda info: info.size or 0, reverse=descending)
    return sorted(found, key=lambda info: info.type != COLLECTION)


def owned_bytes(session, user: str, zone: str) -> int:
    """SUM(DATA_SIZE) of what `user` of `zone` owns. Every replica counts, as in iRODS' own
    quota usage (`iadmin cu`): each takes room on a resource. Over no rows iRODS answers an
    empty sum (None from PRC)."""
    rows = session.query(DataObject.size).filter(
        DataObject.owner_name == user, DataObject.owner_zone == zone).sum(DataObject.size).all()
    total = rows[0][DataObject.size] if len(rows) else None
    return int(Decimal(str(total))) if total not in (None, "") else 0


def account_exists(session, name: str, zone: str) -> bool:
    rows = session.query(User.id).filter(User.name == name, User.zone == zone).limit(1).all()
    return len(rows) > 0


def reader_ids(session, user: str) -> set[str]:
    """The ids an ACL entry may name to let `user` in: their own and their groups'."""
    ids = {row[User.id] for row in session.query(User.id).filter(User.name == user).all()}
    ids |= {row[Group.id] for row in session.query(Group.id).filter(User.name == user).all()}
    return {str(i) for i in ids}


def subtree(session, path: str, reader_ids=None, level=AccessLevel.read) -> set[str]:
    """Paths of every collection and data object below `path` (on which the reader holds
    `level`, when ids are given): for all-or-nothing checks before recursive changes."""
    below = Like(Collection.name, paths.join(path, "%"))
    colls = _readable(session.query(Collection.name).filter(below), CollectionAccess,
                      reader_ids, level)
    found = {row[Collection.name] for row in colls.get_results()}
    for where in (Collection.name == path, below):
        objects = _readable(session.query(Collection.name, DataObject.name).filter(where),
                            DataAccess, reader_ids, level)
        found |= {paths.join(row[Collection.name], row[DataObject.name])
                  for row in objects.get_results()}
    # LIKE's "_" matches any character: keep what is really below.
    return {p for p in found if p != path and paths.is_within(p, path)}
