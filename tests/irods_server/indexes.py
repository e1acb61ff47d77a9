"""The catalog's path tables (Catalog.colls, Catalog.objs) and the indexes GenQuery uses.

A PathTable is a dict path -> node that keeps, as it is changed (set, del, pop: all
the namespace does, renames included), the indexes a real catalog has on
R_COLL_MAIN / R_DATA_MAIN: children of a collection (their names sorted, so a page
of a listing is read in order without sorting the collection at each query), id,
name, AVU attribute and AVU value (iRODS indexes R_META_MAIN's names and values apart). AVUs change without going through the table: a node's `avus`
(model.Avus) calls the table back (Node._watcher) on every change.
"""

import bisect
import posixpath


def _parent_and_name(path):
    return posixpath.dirname(path), posixpath.basename(path)


def join(parent, name):
    return parent.rstrip("/") + "/" + name


class _Names:
    """A collection's child names, sorted on demand: adding after the last name or removing
    the last keeps the order (so do all changes to a small list); any other change to a big
    list lets it be sorted again when next asked for, once for a whole batch of changes (a
    collection moved or removed child by child would otherwise cost a quadratic shuffle)."""

    SMALL = 4096

    __slots__ = ("names", "_sorted")

    def __init__(self):
        self.names, self._sorted = set(), []

    def __len__(self):
        return len(self.names)

    def add(self, name):
        if name in self.names:
            return
        self.names.add(name)
        ordered = self._sorted
        if ordered is None:
            return
        if not ordered or name > ordered[-1]:
            ordered.append(name)
        elif len(ordered) < self.SMALL:
            bisect.insort(ordered, name)
        else:
            self._sorted = None

    def discard(self, name):
        if name not in self.names:
            return
        self.names.discard(name)
        ordered = self._sorted
        if ordered is None:
            return
        if ordered[-1] == name:
            ordered.pop()
        elif len(ordered) < self.SMALL:
            del ordered[bisect.bisect_left(ordered, name)]
        else:
            self._sorted = None

    def sorted(self):
        if self._sorted is None:
            self._sorted = sorted(self.names)
        return self._sorted


class PathTable(dict):
    """path -> node, with indexes by parent (sorted names), id, name, AVU attribute and value."""

    def __init__(self):
        super().__init__()
        self.children = {}  # parent path -> its children's names (_Names)
        self.by_id = {}  # str(id) -> node, as GenQuery compares the text
        self.by_name = {}  # name -> {path: node}
        self.by_attr = {}  # AVU attribute -> {path: node}
        self.by_value = {}  # AVU value -> {path: node}
        self._attrs = {}  # path -> the (attributes, values) it is indexed under

    # ---- the dict operations the catalog uses, each keeping the indexes --------------------

    def __setitem__(self, path, node):
        if path in self:
            self._unindex(path)
        super().__setitem__(path, node)
        self._index(path, node)

    def __delitem__(self, path):
        self._unindex(path)
        super().__delitem__(path)

    def pop(self, path, *default):
        if path not in self:
            if default:
                return default[0]
            raise KeyError(path)
        self._unindex(path)
        return super().pop(path)

    def setdefault(self, path, node=None):
        if path not in self:
            self[path] = node
        return self[path]

    def update(self, *args, **kwargs):
        for path, node in dict(*args, **kwargs).items():
            self[path] = node

    def clear(self):
        for path in list(self):
            del self[path]

    def popitem(self):
        path = next(reversed(self))
        return path, self.pop(path)

    # ---- lookups ----------------------------------------------------------------------------

    def child_names(self, parent):
        """The names of `parent`'s children, sorted (the list itself: do not change it)."""
        names = self.children.get(parent)
        return names.sorted() if names is not None else ()

    def child_paths(self, parent):
        return [join(parent, name) for name in self.child_names(parent)]

    # ---- upkeep -------------------------------------------------------------------------------

    def _index(self, path, node):
        if path != "/":
            parent, name = _parent_and_name(path)
            self.children.setdefault(parent, _Names()).add(name)
            self.by_name.setdefault(name, {})[path] = node
        self.by_id[str(node.id)] = node
        object.__setattr__(node, "_watcher", self.reindex_avus)
        self._index_avus(path, node)

    def _unindex(self, path):
        node = dict.__getitem__(self, path)
        if path != "/":
            parent, name = _parent_and_name(path)
            names = self.children.get(parent)
            if names is not None:
                names.discard(name)
                if not names:
                    del self.children[parent]
            same = self.by_name.get(name)
            if same is not None:
                same.pop(path, None)
                if not same:
                    del self.by_name[name]
        if self.by_id.get(str(node.id)) is node:
            del self.by_id[str(node.id)]
        if node.__dict__.get("_watcher") == self.reindex_avus:
            object.__setattr__(node, "_watcher", None)
        self._unindex_avus(path)

    def reindex_avus(self, node):
        """Called by the node when its AVUs change."""
        if dict.get(self, node.path) is node:
            self._unindex_avus(node.path)
            self._index_avus(node.path, node)

    def _index_avus(self, path, node):
        attrs, values = {avu[1] for avu in node.avus}, {avu[2] for avu in node.avus}
        if attrs:
            self._attrs[path] = (attrs, values)
            for index, keys in ((self.by_attr, attrs), (self.by_value, values)):
                for key in keys:
                    index.setdefault(key, {})[path] = node

    def _unindex_avus(self, path):
        attrs, values = self._attrs.pop(path, ((), ()))
        for index, keys in ((self.by_attr, attrs), (self.by_value, values)):
            for key in keys:
                holders = index.get(key)
                if holders is not None:
                    holders.pop(path, None)
                    if not holders:
                        del index[key]


def colls_under_prefix(colls, prefix):
    """Paths of the collections whose path starts with `prefix` (the literal head of a LIKE
    pattern), found down the tree from the deepest collection that must hold them all; None
    when the prefix narrows nothing."""
    if len(prefix) <= 1:
        return None
    head = posixpath.dirname(prefix) if not prefix.endswith("/") else prefix.rstrip("/") or "/"
    if head not in colls:
        return []
    found = [head] if head.startswith(prefix) else []
    stack = [p for p in colls.child_paths(head) if p.startswith(prefix)]
    while stack:
        path = stack.pop()
        found.append(path)
        stack.extend(colls.child_paths(path))
    return found
