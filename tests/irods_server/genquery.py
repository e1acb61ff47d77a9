"""GenQuery (API 702) over the in-memory catalog.

Rows are built as dicts column-number -> text for the table family the query
touches (objects, collections, their AVUs or ACLs, users, tickets), then
filtered by the conditions, projected, de-duplicated (GenQuery is DISTINCT by
default) and paged with maxRows / continueInx.
"""

import re

from . import errors as E
from . import messages as M
from .catalog import NAMES
from .errors import IrodsError

UPPER_CASE_WHERE = 0x200
RESOURCE = {301: "9101", 302: "demoResc", 303: "tempZone", 304: "unixfilesystem", 305: "cache",
            306: "localhost", 307: "/var/lib/irods/Vault", 315: "", 316: "", 317: "", 318: ""}


def _t(value):
    return f"{int(value):011d}"


def coll_columns(coll):
    return {500: str(coll.id), 501: coll.path, 502: coll.parent if coll.path != "/" else "/",
            503: coll.owner, 504: "tempZone", 505: "0", 506: "1" if coll.inherit else "0",
            507: "", 508: _t(coll.ctime), 509: _t(coll.mtime)}


def obj_columns(cat, obj):
    parent = cat.colls[obj.parent]
    row = coll_columns(parent)
    row.update({401: str(obj.id), 402: str(parent.id), 403: obj.name, 404: "0", 405: "",
                406: "generic", 407: str(len(obj.data)), 409: "demoResc",
                410: f"/var/lib/irods/Vault{obj.path}", 411: obj.owner, 412: cat.zone,
                413: "1", 414: "", 415: obj.checksum, 416: "00000000000", 417: "0", 418: "",
                419: _t(obj.ctime), 420: _t(obj.mtime), 422: "demoResc", 423: "9101",
                424: _t(obj.mtime)})
    return row


def user_columns(user):
    return {201: str(user.id), 202: user.name, 203: user.type, 204: user.zone, 206: "", 207: "",
            208: _t(user.ctime), 209: _t(user.ctime)}


def _rows(cat, columns):
    fam = {c // 10 * 10 if 600 <= c < 700 else c // 100 * 100 if c < 2200 else 2200 for c in columns}
    if 600 in fam:
        for obj in cat.objs.values():
            for avu in obj.avus:
                yield {**obj_columns(cat, obj), 600: avu[1], 601: avu[2], 602: avu[3], 603: str(avu[0]),
                       604: _t(avu[4]), 605: _t(avu[5])}
    elif 610 in fam:
        for coll in cat.colls.values():
            for avu in coll.avus:
                yield {**coll_columns(coll), 610: avu[1], 611: avu[2], 612: avu[3],
                       613: str(avu[0]), 614: _t(avu[4]), 615: _t(avu[5])}
    elif 700 in fam and any(700 <= c < 710 for c in columns):
        for obj in cat.objs.values():
            for name, level in obj.acl.items():
                user = cat.users[name]
                yield {**obj_columns(cat, obj), **user_columns(user), 700: str(level),
                       701: NAMES[level], 702: "access_type", 703: str(user.id), 704: str(obj.id)}
    elif 700 in fam or 1300 in fam:
        for coll in cat.colls.values():
            for name, level in coll.acl.items():
                user = cat.users[name]
                yield {**coll_columns(coll), **user_columns(user), 710: str(level),
                       711: NAMES[level], 712: "access_type", 713: str(user.id), 714: str(coll.id),
                       1300: user.name, 1301: user.zone}
    elif 2200 in fam:
        for t in cat.tickets.values():
            node = cat.node(t.target)
            kind = "collection" if node.path in cat.colls else "data"
            yield {2200: str(t.id), 2201: t.string, 2202: t.type, 2203: str(cat.users[t.owner].id),
                   2204: str(node.id), 2205: kind, 2206: str(t.uses_limit), 2207: str(t.uses_count),
                   2208: "0", 2209: "0", 2210: "0", 2211: "0", 2212: "0", 2213: "0",
                   2214: _t(0), 2215: _t(0), 2216: _t(0), 2217: "", 2218: "", 2219: "", 2220: t.owner,
                   2221: cat.zone}
    elif 400 in fam:
        for obj in cat.objs.values():
            yield obj_columns(cat, obj)
    elif 500 in fam:
        for coll in cat.colls.values():
            yield coll_columns(coll)
    elif 200 in fam:
        for user in cat.users.values():
            yield user_columns(user)
    elif 300 in fam:
        yield dict(RESOURCE)
    elif 100 in fam:
        yield {101: "9000", 102: cat.zone, 103: "local"}


_COND = re.compile(r"^\s*(=|<>|!=|>=|<=|>|<|not like|like|not in|in|between)\s*(.*)$", re.I | re.S)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _like(pattern, value):
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.S) is not None


def _number(value):
    try:
        return float(value)
    except ValueError:
        return None


def make_test(condition, upper):
    match = _COND.match(condition)
    if not match:
        raise IrodsError(E.CAT_INVALID_ARGUMENT, f"condition {condition!r}")
    op, rest = match.group(1).lower(), match.group(2)
    args = [a.replace("''", "'") for a in _QUOTED.findall(rest)] or [rest.strip()]
    norm = (lambda s: s.upper()) if upper else (lambda s: s)
    args = [norm(a) for a in args]

    def compare(value, arg):
        a, b = _number(value), _number(arg)
        return (a, b) if a is not None and b is not None else (value, arg)

    def test(value):
        value = norm(value)
        if op == "=":
            return value == args[0]
        if op in ("<>", "!="):
            return value != args[0]
        if op in ("like", "not like"):
            return _like(args[0], value) == (op == "like")
        if op in ("in", "not in"):
            return (value in args) == (op == "in")
        if op == "between":
            return compare(value, args[0])[0] >= compare(value, args[0])[1] and \
                compare(value, args[1])[0] <= compare(value, args[1])[1]
        x, y = compare(value, args[0])
        return {">": x > y, "<": x < y, ">=": x >= y, "<=": x <= y}[op]

    return test


def run(cat, body):
    """GenQueryInp_PI bytes -> GenQueryOut_PI bytes (or IrodsError CAT_NO_ROWS_FOUND)."""
    root = M.parse(body)
    max_rows = M.integer(root, "maxRows")
    start = M.integer(root, "continueInx")
    upper = bool(M.integer(root, "options") & UPPER_CASE_WHERE)
    sel = root.find("InxIvalPair_PI")
    selects = [int(i.text) for i in sel.findall("inx")] if sel is not None else []
    cnd = root.find("InxValPair_PI")
    conds = []
    if cnd is not None:
        conds = [(int(i.text), v.text or "") for i, v in zip(cnd.findall("inx"), cnd.findall("svalue"))]
    if max_rows <= 0:
        # A query "close" (maxRows 0): nothing to free, the server keeps no cursor.
        raise IrodsError(E.CAT_NO_ROWS_FOUND, "closed")
    tests = [(col, make_test(text, upper)) for col, text in conds]
    with cat.lock:
        rows = list(_rows(cat, selects + [c for c, _ in conds]))
    out, seen = [], set()
    for row in rows:
        if all(col in row and test(row[col]) for col, test in tests):
            key = tuple(row.get(c, "") for c in selects)
            if key not in seen:
                seen.add(key)
                out.append(key)
    out.sort()
    page = out[start:start + max_rows]
    if not page:
        raise IrodsError(E.CAT_NO_ROWS_FOUND, "no rows")
    more = start + max_rows < len(out)
    columns = [M.build("SqlResult_PI", [("attriInx", col), ("reslen", 2700), ("value", [r[i] for r in page])])
               for i, col in enumerate(selects)]
    reply = M.build("GenQueryOut_PI", [("rowCnt", len(page)), ("attriCnt", len(selects)),
                                       ("continueInx", start + max_rows if more else 0),
                                       ("totalRowCount", len(out))] + [("SqlResult_PI", c) for c in columns])
    return M.to_bytes(reply)
