"""GenQuery (API 702) over the in-memory catalog.

Rows come from genquery_rows (one family of joined tables per query): for data
objects and collections only the nodes an index reaches (a collection's children,
an id, a name, an AVU attribute, a LIKE prefix of COLL_NAME), else all. They are
filtered by the conditions (each condition on a metadata attribute after the first
joins R_META_MAIN again, matched against its own AVU) and, for a non-admin, by read
access as iRODS' STRICT access control does: to the data object a row is about,
and to the collection when the query names a collection column (a supplied ticket
counts); then projected, de-duplicated (GenQuery is DISTINCT by default), sorted
(by the ORDER_BY columns, then by all selected ones, so paging is stable) and paged
with maxRows / continueInx. When an index yields the nodes in the order of the
leading sort column (a collection's children by name), a page stops reading them
once it is full, so the first page of a huge collection costs what a small one does.
"""

import re
import weakref
from collections import OrderedDict
from decimal import Decimal

from . import errors as E
from . import genquery_rows as R
from . import messages as M
from .errors import IrodsError
from .model import READ

RETURN_TOTAL_ROW_COUNT, UPPER_CASE_WHERE = 0x20, 0x200
ORDER_BY, ORDER_BY_DESC = 0x400, 0x800
# A selected column's value (its "ivalue") names an aggregate in its low bits, as in iRODS'
# rodsGenQuery.h: SELECT_MIN 2, SELECT_MAX 3, SELECT_SUM 4, SELECT_AVG 5, SELECT_COUNT 6.
AGGREGATE_MASK = 0xF
SELECT_MIN, SELECT_MAX, SELECT_SUM, SELECT_AVG, SELECT_COUNT = 2, 3, 4, 5, 6
AGGREGATES = {SELECT_MIN, SELECT_MAX, SELECT_SUM, SELECT_AVG, SELECT_COUNT}


_COND = re.compile(r"^\s*(=|<>|!=|>=|<=|>|<|not like|like|not in|in|between)\s*(.*)$", re.I | re.S)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


# The columns the catalog keeps as numbers (bigint, integer in iRODS' icatSysTables.sql):
# ids, sizes, replica numbers and statuses, access types, ticket counts. A condition on one
# compares numerically; on any other column (names, paths, AVUs, the zero-padded times, all
# varchar) it compares text, as PostgreSQL does with the bound string: '10' < '9'.
NUMERIC_COLUMNS = frozenset({
    101, 201, 301, 401, 402, 404, 407, 413, 417, 423, 500, 505, 603, 613, 633, 643,
    700, 703, 704, 710, 713, 714, 900, 1000, 1600, 2000, 2001, 2002, 2003,
    2200, 2203, 2204, 2206, 2207, 2211, 2212, 2213, 2214})


def like_regex(pattern):
    """A LIKE pattern as a regular expression: % any run, _ one character, and a backslash
    taking the next character literally (PostgreSQL's default escape)."""
    out, chars = [], iter(pattern)
    for ch in chars:
        if ch == "\\":
            ch = next(chars, "\\")
            out.append(re.escape(ch))
        else:
            out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return "".join(out)


def _number(value):
    try:
        return float(value)
    except ValueError:
        return None


def parse_condition(condition):
    """'<op> <args>' -> (op, [args]), the arguments unquoted. A single argument is what lies
    between the first quote and the last, embedded quotes included, as iRODS' insertWhere
    binds it; in and between take a list of quoted strings."""
    match = _COND.match(condition)
    if not match:
        raise IrodsError(E.CAT_INVALID_ARGUMENT, f"condition {condition!r}")
    op, rest = match.group(1).lower(), match.group(2)
    if op not in ("in", "not in", "between"):
        first, last = rest.find("'"), rest.rfind("'")
        if first >= 0 and last > first:
            return op, [rest[first + 1:last]]
    return op, [a.replace("''", "'") for a in _QUOTED.findall(rest)] or [rest.strip()]


def make_test(condition, upper, numeric=True):
    """A test of a column's text against a condition; `numeric`: the column holds numbers
    (compared as numbers when both sides are), else text is compared as text."""
    op, args = parse_condition(condition)
    norm = (lambda s: s.upper()) if upper else (lambda s: s)
    args = [norm(a) for a in args]

    def compare(value, arg):
        a, b = (_number(value), _number(arg)) if numeric else (None, None)
        return (a, b) if a is not None and b is not None else (value, arg)

    pattern = re.compile(like_regex(args[0]), re.S) if op in ("like", "not like") else None

    def test(value):
        value = norm(value)
        if op == "=":
            return value == args[0]
        if op in ("<>", "!="):
            return value != args[0]
        if op in ("like", "not like"):
            return (pattern.fullmatch(value) is not None) == (op == "like")
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


def _sort(out, flags, selects=()):
    """Ascending by all selected values, then (stable sorts, least significant first) by the
    ORDER_BY / ORDER_BY_DESC columns in the order they were selected. A column the catalog
    keeps as a number (NUMERIC_COLUMNS: sizes, ids) is ordered as numbers, as PostgreSQL
    orders a bigint: 9 before 10."""
    out.sort()
    for i in reversed([i for i, f in enumerate(flags) if f & (ORDER_BY | ORDER_BY_DESC)]):
        numeric = i < len(selects) and selects[i] in NUMERIC_COLUMNS
        out.sort(key=(lambda r: _numeric_order(r[i])) if numeric else (lambda r: r[i]),
                 reverse=bool(flags[i] & ORDER_BY_DESC))


def _numeric_order(value):
    """A number column's sort key: numbers by value, NULL (sent as "") after them."""
    number = _number(value)
    return (0, number, "") if number is not None else (1, 0, value)


def _distinct_sorted(tuples, flags, selects=()):
    out = list(dict.fromkeys(tuples))
    _sort(out, flags, selects)
    return out


def _joins(tests, fam):
    """The metadata conditions split into joins of R_META_MAIN, as iRODS' GenQuery joins it
    once more for each condition on the attribute name after the first: the value and units
    conditions go to the latest. Other conditions come back first, as the base join's."""
    meta = R.META_COLUMNS.get(fam, ())
    base, joins = [], [[]]
    for col, test in tests:
        if col not in meta:
            base.append((col, test))
            continue
        if col == meta[0] and any(c == col for c, _ in joins[-1]):
            joins.append([])
        joins[-1].append((col, test))
    return base + joins[0], [j for j in joins[1:] if j]


def _joined(avus, fam, joins):
    """True when each further join of R_META_MAIN (see _joins) matches one of the AVUs."""
    metas = [R.meta_columns(fam, avu) for avu in avus]
    return all(any(all(test(m[col]) for col, test in join) for m in metas) for join in joins)


def _readable(cat, node, actor):
    """Read access as GenQuery checks it: an ACL entry of the user or one of its groups, or the
    session's ticket covering the node, expired or used up or not (iRODS refuses those when
    an object is opened, its GenQuery only joins R_TICKET_MAIN)."""
    if cat.level(node, actor) >= READ:
        return True
    ticket = cat.tickets.get(actor.ticket) if actor.ticket else None
    return ticket is not None and ticket.covers(node.path)


# What a page is taken to need of a source in its order: its rows up to this many times the
# page (a condition met by one row in 20 or more), as a database's planner would reckon.
ORDERED_READ = 20


def _cost(source, leading, want):
    """The nodes a query would read from `source`: all of them, unless they come in the
    query's order and a page is wanted (then it stops when full)."""
    if want is not None and source.fit(leading):
        return min(source.size, want * ORDERED_READ)
    return source.size


def _node_query(cat, actor, fam, selects, flags, conds, tests, upper, want, raw=False, after=None):
    """(result tuples, resume) of a query on data objects or collections, sorted; with `want`,
    the first `want` of them at least (more when the sort ties), else all. `resume` is None
    when they are all, else (indexes of the leading sort columns the nodes came ordered by,
    the last row's values of them): pass it as `after` to read on from there. raw: the matching rows themselves (dicts, neither de-duplicated nor
    sorted), for aggregates."""
    admin = cat.is_admin(actor.name)
    first, others = _joins(tests, fam)
    coll_checked = not admin and any(500 <= c < 600 for c in selects + [c for c, _ in conds])
    node_key = "obj" if fam in R.DATA_FAMILIES else "coll"

    def keep(row):
        if not all(col in row and test(row[col]) for col, test in first):
            return False
        if others and not _joined(row[node_key].avus, fam, others):
            return False
        if admin:
            return True
        obj = row.get("obj")
        if obj is not None and not _readable(cat, obj, actor):
            return False
        # With a ticket, iRODS checks the collection only when no data object is involved.
        if coll_checked and not (actor.ticket and obj is not None):
            return _readable(cat, row["coll"], actor)
        return True

    ordering = [i for i, f in enumerate(flags) if f & (ORDER_BY | ORDER_BY_DESC)] or [0]
    primary = ordering[0]
    desc = bool(flags) and bool(flags[primary] & ORDER_BY_DESC)
    leading = [selects[i] for i in ordering] if selects else []
    cursor = None
    if after is not None:  # (indexes of the sort columns the last page stopped on, their values)
        cursor = (tuple(selects[i] for i in after[0]), "<" if desc else ">", after[1])
    found = [] if upper else R.sources(cat, fam, [(c, *parse_condition(t)) for c, t in conds], cursor)
    best = min(found, key=lambda s: (_cost(s, leading, want), not s.fit(leading))) if found else None
    # How many leading sort columns the nodes come ordered by (descending: one at most).
    fit = best.fit(leading) if best is not None else 0
    fit = 0 if desc and fit > 1 else fit
    if best is None:
        nodes = (cat.objs if fam in R.DATA_FAMILIES else cat.colls).values()
    else:
        nodes = best.iterate(reverse=desc and fit > 0)
    # A node whose AVUs cannot meet the metadata joins makes no row: skipped before its rows
    # are built (the rows are still tested one by one).
    meta = R.META_COLUMNS.get(fam, ())
    joins = [j for j in [[(c, t) for c, t in first if c in meta]] + others if j]
    if joins:
        nodes = (node for node in nodes if _joined(node.avus, fam, joins))
    rows = (row for node in nodes for row in R.node_rows(cat, fam, node) if keep(row))
    if raw:
        return list(rows), None
    tuples = (tuple(row.get(c, "") for c in selects) for row in rows)
    if want is None or fit == 0:
        if after is not None:  # the catalog changed under an open query: another index won
            key = lambda t: tuple(t[i] for i in after[0])  # noqa: E731
            tuples = (t for t in tuples if (key(t) < after[1] if desc else key(t) > after[1]))
        return _distinct_sorted(tuples, flags, selects), None
    # The nodes come in the order of the leading sort columns: sort each run of equal values
    # as the whole would be, and stop after the run that fills the page.
    run_columns = tuple(ordering[:fit])
    key = lambda t: tuple(t[i] for i in run_columns)  # noqa: E731
    out, run_, value = [], [], object()
    for row in tuples:
        if key(row) != value:
            out += _distinct_sorted(run_, flags, selects)
            run_ = []
            if len(out) >= want:
                return out, (run_columns, key(out[-1]))
            value = key(row)
        run_.append(row)
    return out + _distinct_sorted(run_, flags, selects), None


# Open queries, as iRODS keeps a statement per query until its last page: catalog -> LRU of
# (query, offset of its next page) -> (the rows from that offset on already computed, where
# to read on (None: they are all), the total). A next page is then read from where the last
# one stopped instead of from the start; a page asked for without one is computed afresh.
_CURSORS = weakref.WeakKeyDictionary()
_OPEN_QUERIES = 16


def run(cat, body, actor):
    """GenQueryInp_PI bytes -> GenQueryOut_PI bytes (or IrodsError CAT_NO_ROWS_FOUND)."""
    root = M.parse(body)
    max_rows = M.integer(root, "maxRows")
    start = M.integer(root, "continueInx")
    options = M.integer(root, "options")
    upper = bool(options & UPPER_CASE_WHERE)
    sel = root.find("InxIvalPair_PI")
    selects = [int(i.text) for i in sel.findall("inx")] if sel is not None else []
    flags = [int(i.text or 0) for i in sel.findall("ivalue")] if sel is not None else []
    cnd = root.find("InxValPair_PI")
    conds = []
    if cnd is not None:
        conds = [(int(i.text), v.text or "") for i, v in zip(cnd.findall("inx"), cnd.findall("svalue"))]
    query = (actor.name, actor.ticket, tuple(selects), tuple(flags), tuple(conds), options)
    if max_rows <= 0:
        # A query "close" (maxRows 0): its cursor, if any, is freed.
        with cat.lock:
            _CURSORS.get(cat, {}).pop((query, start), None)
        raise IrodsError(E.CAT_NO_ROWS_FOUND, "closed")
    tests = [(col, make_test(text, upper, col in NUMERIC_COLUMNS)) for col, text in conds]
    columns = selects + [c for c, _ in conds]
    aggregate = any((flag & AGGREGATE_MASK) in AGGREGATES for flag in flags)
    count_all = bool(options & RETURN_TOTAL_ROW_COUNT)
    with cat.lock:
        cursors = _CURSORS.setdefault(cat, OrderedDict())
        fam = R.family(columns)
        if not start:
            # A query run again from its start: what an earlier run left open is stale.
            for stale in [key for key in cursors if key[0] == query]:
                del cursors[stale]
        cursor = cursors.pop((query, start), None) if start else None
        resume, base = None, 0  # out holds the rows from offset `base` on
        if cursor is not None:
            # The rows from `start` on, and where to read more if they do not fill the page.
            out, resume, total = cursor
            base = start
            if resume is not None and len(out) <= max_rows:
                more, resume = _node_query(cat, actor, fam, selects, flags, conds, tests, upper,
                                           max_rows + 1 - len(out), after=resume)
                out = out + more
        elif fam is not None and not aggregate:
            # One row more than the page tells whether there are more.
            want = None if count_all else start + max_rows + 1
            out, resume = _node_query(cat, actor, fam, selects, flags, conds, tests, upper, want)
            total = len(out)
        else:
            if fam is not None:
                matching = _node_query(cat, actor, fam, selects, flags, conds, tests, upper, None, raw=True)[0]
            else:
                meta = R.meta_family(columns)
                first, others = _joins(tests, meta)
                matching = [row for row in R.rows(cat, columns, actor)
                            if all(col in row and test(row[col]) for col, test in first)
                            and (not others or _joined(row.get("avus", ()), meta, others))]
            if aggregate:
                out = _aggregated(matching, selects, flags)
            else:
                out = list(dict.fromkeys(tuple(row.get(c, "") for c in selects) for row in matching))
            _sort(out, flags, selects)
            total = len(out)
        page = out[start - base:start - base + max_rows]
        more = start - base + max_rows < len(out)
        if more:
            cursors[(query, start + max_rows)] = (out[start - base + max_rows:], resume, total)
            while len(cursors) > _OPEN_QUERIES:
                cursors.popitem(last=False)
    if not page:
        raise IrodsError(E.CAT_NO_ROWS_FOUND, "no rows")
    # As iRODS: the total only when asked for (RETURN_TOTAL_ROW_COUNT), else 0.
    return _reply(selects, page, start + max_rows if more else 0, total if count_all else 0)


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reply(selects, page, continue_inx, total):
    """GenQueryOut_PI, byte for byte as messages.to_bytes(messages.build(...)) packs it (text
    escaped as ElementTree does, no self-closing tags), written directly: a reply of many rows
    is most of a query's cost through ElementTree."""
    parts = [f"<GenQueryOut_PI><rowCnt>{len(page)}</rowCnt><attriCnt>{len(selects)}</attriCnt>"
             f"<continueInx>{continue_inx}</continueInx><totalRowCount>{total}</totalRowCount>"]
    for i, col in enumerate(selects):
        parts.append(f"<SqlResult_PI><attriInx>{col}</attriInx><reslen>2700</reslen>")
        parts.extend(f"<value>{_escape(str(row[i]))}</value>" for row in page)
        parts.append("</SqlResult_PI>")
    parts.append("</GenQueryOut_PI>")
    return "".join(parts).encode("utf-8", "xmlcharrefreplace")
