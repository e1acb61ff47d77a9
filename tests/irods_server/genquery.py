"""GenQuery (API 702) over the in-memory catalog.

Rows come from genquery_rows (one family of joined tables per query), are
filtered by the conditions and, for a non-admin, by read access to the data
object a row is about (iRODS joins R_OBJT_ACCESS for them; a supplied ticket
counts), projected, de-duplicated (GenQuery is DISTINCT by default), sorted
(by the ORDER_BY columns, then by all selected ones, so paging is stable) and
paged with maxRows / continueInx.
"""

import re
from decimal import Decimal

from . import errors as E
from . import messages as M
from .errors import IrodsError
from .genquery_rows import rows as family_rows
from .model import READ

UPPER_CASE_WHERE = 0x200
ORDER_BY, ORDER_BY_DESC = 0x400, 0x800
# A selected column's value (its "ivalue") names an aggregate in its low bits, as in iRODS'
# rodsGenQuery.h: SELECT_MIN 2, SELECT_MAX 3, SELECT_SUM 4, SELECT_AVG 5, SELECT_COUNT 6.
AGGREGATE_MASK = 0xF
SELECT_MIN, SELECT_MAX, SELECT_SUM, SELECT_AVG, SELECT_COUNT = 2, 3, 4, 5, 6
AGGREGATES = {SELECT_MIN, SELECT_MAX, SELECT_SUM, SELECT_AVG, SELECT_COUNT}


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


def _aggregate(kind, values):
    """One aggregate over a group's values, as the catalog's SQL computes it: COUNT counts
    rows; over no rows the others are NULL, which GenQuery sends as an empty string."""
    if kind == SELECT_COUNT:
        return str(len(values))
    if not values:
        return ""
    numbers = [Decimal(v) for v in values] if all(_number(v) is not None for v in values) else None
    if kind in (SELECT_MIN, SELECT_MAX):
        pick = min if kind == SELECT_MIN else max
        return values[numbers.index(pick(numbers))] if numbers is not None else pick(values)
    if numbers is None:
        raise IrodsError(E.CAT_SQL_ERR, "sum or average of a text column")
    total = sum(numbers)
    return str(total if kind == SELECT_SUM else total / len(numbers))


def _aggregated(rows, selects, flags):
    """With an aggregate selected, iRODS groups the rows by the other selected columns (SQL's
    GROUP BY), one result per group; with no other column, one result even over no rows."""
    kinds = [flag & AGGREGATE_MASK for flag in flags]
    keys = [i for i, kind in enumerate(kinds) if kind not in AGGREGATES]
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row.get(selects[i], "") for i in keys), []).append(row)
    if not keys and not groups:
        groups[()] = []
    out = []
    for key, members in groups.items():
        grouped = dict(zip(keys, key))
        out.append(tuple(grouped[i] if i in grouped else
                         _aggregate(kinds[i], [row.get(col, "") for row in members])
                         for i, col in enumerate(selects)))
    return out


def _sort(out, flags):
    """Ascending by all selected values, then (stable sorts, least significant first) by the
    ORDER_BY / ORDER_BY_DESC columns in the order they were selected."""
    out.sort()
    for i in reversed([i for i, f in enumerate(flags) if f & (ORDER_BY | ORDER_BY_DESC)]):
        out.sort(key=lambda r: r[i], reverse=bool(flags[i] & ORDER_BY_DESC))


def run(cat, body, actor):
    """GenQueryInp_PI bytes -> GenQueryOut_PI bytes (or IrodsError CAT_NO_ROWS_FOUND)."""
    root = M.parse(body)
    max_rows = M.integer(root, "maxRows")
    start = M.integer(root, "continueInx")
    upper = bool(M.integer(root, "options") & UPPER_CASE_WHERE)
    sel = root.find("InxIvalPair_PI")
    selects = [int(i.text) for i in sel.findall("inx")] if sel is not None else []
    flags = [int(i.text or 0) for i in sel.findall("ivalue")] if sel is not None else []
    cnd = root.find("InxValPair_PI")
    conds = []
    if cnd is not None:
        conds = [(int(i.text), v.text or "") for i, v in zip(cnd.findall("inx"), cnd.findall("svalue"))]
    if max_rows <= 0:
        # A query "close" (maxRows 0): nothing to free, the server keeps no cursor.
        raise IrodsError(E.CAT_NO_ROWS_FOUND, "closed")
    tests = [(col, make_test(text, upper)) for col, text in conds]
    with cat.lock:
        rows = list(family_rows(cat, selects + [c for c, _ in conds], actor))
        if not cat.is_admin(actor.name):
            rows = [r for r in rows if "obj" not in r or cat.allowed(r["obj"], actor, READ)]
    matching = [row for row in rows if all(col in row and test(row[col]) for col, test in tests)]
    if any((flag & AGGREGATE_MASK) in AGGREGATES for flag in flags):
        out = _aggregated(matching, selects, flags)
    else:
        out = list(dict.fromkeys(tuple(row.get(c, "") for c in selects) for row in matching))
    _sort(out, flags)
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
