"""The rows GenQuery filters: one dict column-number -> text per row of the joined tables.

The selected and conditioned columns decide the family (objects, collections,
their AVUs or ACLs, users and groups, tickets). Rows that concern a data object
carry it under the key "obj", so the query can hide objects the user may not read.
"""

from .model import NAMES

RESOURCE = {301: "9101", 302: "demoResc", 303: "tempZone", 304: "unixfilesystem", 305: "cache",
            306: "localhost", 307: "/var/lib/irods/Vault", 315: "", 316: "", 317: "", 318: ""}
TICKET_DATA_COLUMNS, TICKET_COLL_COLUMNS = {2226, 2227}, {2228}


def _t(value):
    return f"{int(value):011d}"


def coll_columns(cat, coll):
    return {500: str(coll.id), 501: coll.path, 502: coll.parent if coll.path != "/" else "/",
            503: coll.owner, 504: cat.zone, 505: "0", 506: "1" if coll.inherit else "0",
            507: "", 508: _t(coll.ctime), 509: _t(coll.mtime)}


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


def rows(cat, columns, actor):
    fam = _family(columns)
    if 600 in fam:
        for obj in cat.objs.values():
            for avu in obj.avus:
                yield {**obj_columns(cat, obj), 600: avu[1], 601: avu[2], 602: avu[3], 603: str(avu[0]),
                       604: _t(avu[4]), 605: _t(avu[5])}
    elif 610 in fam:
        for coll in cat.colls.values():
            for avu in coll.avus:
                yield {**coll_columns(cat, coll), 610: avu[1], 611: avu[2], 612: avu[3],
                       613: str(avu[0]), 614: _t(avu[4]), 615: _t(avu[5])}
    elif 700 in fam and any(700 <= c < 710 for c in columns):
        # One row per ACL entry; an entry naming a group carries the group (type rodsgroup) as user.
        for obj in cat.objs.values():
            for name, level in obj.acl.items():
                user = cat.users[name]
                yield {**obj_columns(cat, obj), **user_columns(user), 700: str(level),
                       701: NAMES[level], 702: "access_type", 703: str(user.id), 704: str(obj.id)}
    elif 700 in fam or 1300 in fam:
        for coll in cat.colls.values():
            for name, level in coll.acl.items():
                user = cat.users[name]
                yield {**coll_columns(cat, coll), **user_columns(user), 710: str(level),
                       711: NAMES[level], 712: "access_type", 713: str(user.id), 714: str(coll.id),
                       1300: user.name, 1301: user.zone}
    elif 2200 in fam:
        yield from _ticket_rows(cat, set(columns), actor)
    elif 400 in fam:
        for obj in cat.objs.values():
            yield obj_columns(cat, obj)
    elif 500 in fam:
        for coll in cat.colls.values():
            yield coll_columns(cat, coll)
    elif 900 in fam:
        # R_USER_GROUP joined to R_USER_MAIN: a user row per group it is in (itself and public too).
        for user in cat.users.values():
            for group in sorted(cat.group_rows(user.name)):
                yield {**user_columns(user), 900: str(cat.users[group].id), 901: group}
    elif 200 in fam:
        for user in cat.users.values():
            yield user_columns(user)
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
