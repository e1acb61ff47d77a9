"""The rows GenQuery filters: one dict column-number -> text per row of the joined tables.

The selected and conditioned columns decide the family (objects, collections,
their AVUs or ACLs, users and groups with their AVUs and DNs, resources' AVUs,
tickets). Rows that concern a data object carry it under the key "obj", and
their collection (or the collection they are about) under "coll", so the query
can hide what the user may not read; rows with AVUs of a user or resource carry
all of its AVUs under "avus", for the further joins of R_META_MAIN. For
objects and collections, sources() says which nodes an index reaches (see
indexes.py) and node_rows() makes one node's rows, so a query reads only those.
"""

import bisect

from .indexes import colls_under_prefix, join
from .model import NAMES

RESOURCE = {301: "9101", 302: "demoResc", 303: "tempZone", 304: "unixfilesystem", 305: "cache",
            306: "localhost", 307: "/var/lib/irods/Vault", 315: "", 316: "", 317: "", 318: ""}
TICKET_DATA_COLUMNS, TICKET_COLL_COLUMNS = {2226, 2227}, {2228}


def _t(value):
    return f"{int(value):011d}"


def coll_columns(cat, coll):
    return {500: str(coll.id), 501: coll.path, 502: coll.parent if coll.path != "/" else "/",
            503: coll.owner, 504: cat.zone, 505: "0", 506: "1" if coll.inherit else "0",
            507: "", 508: _t(coll.ctime), 509: _t(coll.mtime), "coll": coll}


def obj_columns(cat, obj):
    parent = cat.colls[obj.parent]
    row = coll_columns(cat, parent)
    row.update({401: str(obj.id), 402: str(parent.id), 403: obj.name, 404: "0", 405: "",
                406: "generic", 407: str(len(obj.data)), 409: "demoResc",
                410: f"/var/lib/irods/Vault{obj.path}", 411: obj.owner, 412: cat.zone,
                413: "1", 414: "", 415: obj.checksum, 416: "00000000000", 417: "0", 418: "",
                419: _t(obj.ctime), 420: _t(obj.mtime), 422: "demoResc", 423: "9101",
                424: _t(obj.mtime), "obj": obj})
    return row


def user_columns(user):
    return {201: str(user.id), 202: user.name, 203: user.type, 204: user.zone, 206: user.info, 207: user.comment,
            208: _t(user.ctime), 209: _t(user.ctime)}


def _family(columns):
    return {c // 10 * 10 if 600 <= c < 700 else c // 100 * 100 if c < 2200 else 2200 for c in columns}


DATA_META, COLL_META, DATA_ACL, COLL_ACL, DATA, COLL = (
    "data_meta", "coll_meta", "data_acl", "coll_acl", "data", "coll")
# AVUs and access entries in one query (a search filtered by the reader's ACL): R_META_MAIN
# and R_OBJT_ACCESS both joined, a row per AVU and entry.
DATA_META_ACL, COLL_META_ACL = "data_meta_acl", "coll_meta_acl"
DATA_FAMILIES = {DATA_META, DATA_ACL, DATA, DATA_META_ACL}
COLL_FAMILIES = {COLL_META, COLL_ACL, COLL, COLL_META_ACL}
# The AVUs of the small tables (resources, users and groups): rows() makes them, no index.
RESC_META, USER_META = "resc_meta", "user_meta"
# The columns of R_META_MAIN joined to objects / collections / resources / users, the attribute
# name first.
META_COLUMNS = {DATA_META: range(600, 606), COLL_META: range(610, 616), RESC_META: range(630, 636),
                USER_META: range(640, 646), DATA_META_ACL: range(600, 606),
                COLL_META_ACL: range(610, 616)}
ACL_OF = {DATA_META_ACL: DATA_ACL, COLL_META_ACL: COLL_ACL}


def family(columns):
    """Which data objects' or collections' rows a query is about (None: another table)."""
    fam = _family(columns)
    acl = 700 in fam or 1300 in fam
    if 600 in fam:
        return DATA_META_ACL if any(700 <= c < 710 for c in columns) else DATA_META
    if 610 in fam:
        return COLL_META_ACL if acl else COLL_META
    if 700 in fam and any(700 <= c < 710 for c in columns):
        return DATA_ACL
    if 700 in fam or 1300 in fam:
        return COLL_ACL
    if 2200 in fam:
        return None
    if 400 in fam:
        return DATA
    if 500 in fam:
        return COLL
    return None


def meta_family(columns):
    """Whose AVUs among the small tables' a query joins: RESC_META, USER_META or None."""
    fam = _family(columns)
    return RESC_META if 630 in fam else USER_META if 640 in fam else None


def meta_columns(fam, avu):
    first = META_COLUMNS[fam][0]
    return {first: avu[1], first + 1: avu[2], first + 2: avu[3], first + 3: str(avu[0]),
            first + 4: _t(avu[4]), first + 5: _t(avu[5])}


def node_rows(cat, fam, node):
    """The rows one data object (DATA_FAMILIES) or collection contributes to the family's join."""
    if fam == DATA:
        return [obj_columns(cat, node)]
    if fam == COLL:
        return [coll_columns(cat, node)]
    base = obj_columns(cat, node) if fam in DATA_FAMILIES else coll_columns(cat, node)
    if fam in ACL_OF:
        entries = _acl_columns(cat, ACL_OF[fam], node)
        return [{**base, **meta_columns(fam, avu), **entry} for avu in node.avus for entry in entries]
    if fam in META_COLUMNS:
        return [{**base, **meta_columns(fam, avu)} for avu in node.avus]
    return [{**base, **entry} for entry in _acl_columns(cat, fam, node)]


def _acl_columns(cat, fam, node):
    """The columns of each ACL entry of a node; an entry naming a group carries the group
    (type rodsgroup) as user."""
    out = []
    for name, level in node.acl.items():
        user = cat.users[name]
        if fam == DATA_ACL:
            out.append({**user_columns(user), 700: str(level), 701: NAMES[level],
                        702: "access_type", 703: str(user.id), 704: str(node.id)})
        else:
            out.append({**user_columns(user), 710: str(level), 711: NAMES[level],
                        712: "access_type", 713: str(user.id), 714: str(node.id),
                        1300: user.name, 1301: user.zone})
    return out


class Source:
    """Nodes reached through an index: a superset of those a condition can match (the query
    still tests every row). `orders`: the sort orders they come in, each a tuple of columns
    (a collection's children by name: (DATA_NAME,), and (COLL_NAME, DATA_NAME) too)."""

    def __init__(self, size, iterate, orders=()):
        self.size, self.iterate, self.orders = size, iterate, tuple(orders)

    def fit(self, leading):
        """How many of the `leading` sort columns the nodes come ordered by (0: none)."""
        return max((len(o) for o in self.orders if tuple(leading[:len(o)]) == o), default=0)


def _listed(nodes):
    nodes = list({id(n): n for n in nodes if n is not None}.values())  # each once
    return Source(len(nodes), lambda reverse=False: nodes)


def _grouped(index, keys):
    """The nodes under any of `keys` in an index of key -> {path: node}, each once; read when
    iterated (an index a query does not choose costs nothing), its size an upper bound."""
    keys = list(dict.fromkeys(keys))

    def iterate(reverse=False):
        seen = set()
        for key in keys:
            for path, node in list(index.get(key, {}).items()):
                if path not in seen:
                    seen.add(path)
                    yield node

    return Source(sum(len(index.get(key, ())) for key in keys), iterate)


def _children(table, parents, orders, with_root=False, bounds=()):
    """The children of `parents` in `table`; with one parent, in order of their names (the
    `orders` that gives), and only those within `bounds` ((operator, name): what a keyset
    page asks for)."""
    parents = list(dict.fromkeys(parents))
    ranges = []
    for parent in parents:
        names = table.child_names(parent)
        low, high = 0, len(names)
        for op, bound in bounds if len(parents) == 1 else ():
            if op in (">", ">="):
                low = max(low, (bisect.bisect_right if op == ">" else bisect.bisect_left)(names, bound))
            else:
                high = min(high, (bisect.bisect_left if op == "<" else bisect.bisect_right)(names, bound))
        root = with_root and parent == "/" and "/" in table
        ranges.append((parent, names, low, max(low, high), root))

    def iterate(reverse=False):
        for parent, names, low, high, root in ranges:
            if root and not reverse:
                yield table["/"]
            for at in (range(high - 1, low - 1, -1) if reverse else range(low, high)):
                yield table[join(parent, names[at])]
            if root and reverse:
                yield table["/"]

    size = sum(high - low + root for _, _, low, high, root in ranges)
    return Source(size, iterate, orders if len(parents) == 1 else ())


def _descendants(table, colls, after=None):
    """The data objects of the collections `colls`, ordered by (COLL_NAME, DATA_NAME); after:
    a cursor (columns, operator, values) on those two, where a keyset page resumes."""
    colls = sorted(colls)
    start, bound = 0, None
    if after is not None and after[0] == (501, 403) and after[1] == ">":
        start = bisect.bisect_left(colls, after[2][0])
        bound = after[2]

    def iterate(reverse=False):
        for coll in colls[start:]:
            names = table.child_names(coll)
            low = bisect.bisect_right(names, bound[1]) if bound and coll == bound[0] else 0
            for name in names[low:]:
                yield table[join(coll, name)]

    size = sum(len(table.child_names(coll)) for coll in colls[start:])
    return Source(size, iterate, [(501, 403)])


# The orders of the data objects of one collection, or of the subcollections of one.
ONE_COLLECTION_OBJECTS = [(403,), (501, 403), (402, 403), (500, 403)]
ONE_COLLECTION_COLLS = [(501,), (502, 501)]


def _name_bounds(conds, column, prefix="", after=None):
    """Range conditions on the column a children source is ordered by (a name, compared as
    text), as bounds on the children's names (for collections: their paths less the parent's,
    `prefix`); `after`, (columns, operator, values): where a query's cursor resumes, the
    last of the columns being the name (the others are the same for every child)."""
    after = (after[0][-1], after[1], after[2][-1]) if after else None
    bounds = [(col, op, args[0]) for col, op, args in conds if op in (">", ">=", "<", "<=") and args]
    return [(op, value[len(prefix):]) for col, op, value in bounds + ([after] if after else [])
            if col == column and value.startswith(prefix)]


def _like_prefix(pattern):
    """The literal text a LIKE pattern starts with (a backslash escapes the next character)."""
    out, chars = [], iter(pattern)
    for ch in chars:
        if ch in "%_":
            break
        out.append(next(chars, ch) if ch == "\\" else ch)
    return "".join(out)


def sources(cat, fam, conds, after=None):
    """Indexes that narrow the nodes of a query; conds: (column, operator, arguments); after:
    (columns, operator, values), a bound on the columns a source is sorted by (a cursor)."""
    out = []
    data = fam in DATA_FAMILIES
    table = cat.objs if data else cat.colls
    for col, op, args in conds:
        values = args if op in ("=", "in") else None
        under = None
        if col == 501 and op == "like" and args:
            under = colls_under_prefix(cat.colls, _like_prefix(args[0]))
        if col == (401 if data else 500) or col == (704 if data else 714):
            if values:
                out.append(_listed(table.by_id.get(v) for v in values))
        elif data and col == 403 and values:
            out.append(_grouped(table.by_name, values))
        elif data and col in (402, 500) and values:
            parents = [cat.colls.by_id[v].path for v in values if v in cat.colls.by_id]
            out.append(_children(table, parents, ONE_COLLECTION_OBJECTS,
                                 bounds=_name_bounds(conds, 403, after=after)))
        elif col == 501 and values:
            if data:
                out.append(_children(table, values, ONE_COLLECTION_OBJECTS,
                                     bounds=_name_bounds(conds, 403, after=after)))
            else:
                out.append(_listed(table.get(v) for v in values))
        elif col == 501 and under is not None:
            if data:
                out.append(_descendants(table, under, after))
            else:
                out.append(_listed(table[p] for p in under))
        elif not data and col == 502 and values:
            bounds = _name_bounds(conds, 501, join(values[0], ""), after) if values[0] != "/" else ()
            out.append(_children(table, values, ONE_COLLECTION_COLLS, with_root=True, bounds=bounds))
        elif fam in META_COLUMNS and col == META_COLUMNS[fam][0] and values:
            out.append(_grouped(table.by_attr, values))
        elif fam in META_COLUMNS and col == META_COLUMNS[fam][1] and values:
            out.append(_grouped(table.by_value, values))
    return out


def rows(cat, columns, actor):
    """Every row of the query's family (the small tables: users, groups, tickets, zone...)."""
    fam = _family(columns)
    node_family = family(columns)
    if node_family in DATA_FAMILIES or node_family in COLL_FAMILIES:
        for node in (cat.objs if node_family in DATA_FAMILIES else cat.colls).values():
            yield from node_rows(cat, node_family, node)
    elif 2200 in fam:
        yield from _ticket_rows(cat, set(columns), actor)
    elif 400 in fam:
        for obj in cat.objs.values():
            yield obj_columns(cat, obj)
    elif 500 in fam:
        for coll in cat.colls.values():
            yield coll_columns(cat, coll)
    elif 630 in fam:
        # R_RESC_MAIN joined to its AVUs: a row per AVU ("avus": all of them, for further joins).
        for resc in cat.resources.values():
            base = {**RESOURCE, 301: str(resc.id), 302: resc.name, "avus": resc.avus}
            for avu in resc.avus:
                yield {**base, **meta_columns(RESC_META, avu)}
    elif fam & {200, 640, 900, 1600}:
        # R_USER_MAIN joined to what the query names: R_USER_GROUP (a row per group the user is
        # in, itself and public too), its AVUs, its DNs (R_USER_AUTH).
        for user in cat.users.values():
            out = [{**user_columns(user), "avus": user.avus}]
            if 900 in fam:
                out = [{**row, 900: str(cat.users[group].id), 901: group}
                       for row in out for group in sorted(cat.group_rows(user.name))]
            if 640 in fam:
                out = [{**row, **meta_columns(USER_META, avu)} for row in out for avu in user.avus]
            if 1600 in fam:
                out = [{**row, 1600: str(user.id), 1601: dn} for row in out for dn in user.dns]
            yield from out
    elif 300 in fam:
        yield dict(RESOURCE)
    elif 100 in fam:
        yield {101: "9000", 102: cat.zone, 103: "local"}


def _ticket_rows(cat, columns, actor):
    """R_TICKET_MAIN joined to its target and owner; a user sees only the tickets it owns."""
    for t in cat.tickets.values():
        if t.owner != actor.name and not cat.is_admin(actor.name):
            continue
        node = cat.colls.get(t.target) or cat.objs.get(t.target)
        if node is None:
            continue
        is_coll = t.target in cat.colls
        # Joining the target's table drops the tickets for the other kind of target.
        if (is_coll and columns & TICKET_DATA_COLUMNS) or (not is_coll and columns & TICKET_COLL_COLUMNS):
            continue
        row = {2200: str(t.id), 2201: t.string, 2202: t.type, 2203: str(cat.users[t.owner].id),
               2204: str(node.id), 2205: "collection" if is_coll else "data",
               2206: str(t.uses_limit), 2207: str(t.uses_count), 2208: _t(t.expiry) if t.expiry else "",
               2209: _t(t.ctime), 2210: _t(t.mtime), 2211: "0", 2212: "0", 2213: "0", 2214: "0",
               2229: t.owner, 2230: cat.zone}
        if is_coll:
            row[2228] = node.path
        else:
            row.update({2226: node.name, 2227: node.parent})
        yield row
