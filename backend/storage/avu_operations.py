"""Several AVU changes as one (Storage.apply_metadata): checked, then reduced to what
changes.

Both backends compute the outcome here, written once: the AVUs after the operations, and
the difference from before (what to remove, what to add). The local backend writes that
difference in one SQLite transaction; the irods backend sends it as one call of iRODS'
atomic metadata API, whose "add" and "remove" have exactly these semantics (adding a
present AVU or removing an absent one changes nothing, and is no error).
"""

from __future__ import annotations

from backend.errors import Unprocessable
from backend.storage.base import AVU

OPERATIONS = ("add", "remove", "set")


def checked(operations) -> list[tuple[str, AVU]]:
    """`operations` if every one is (add|remove|set, AVU with non-empty strings)."""
    if not isinstance(operations, (list, tuple)) or not operations:
        raise Unprocessable("give at least one metadata operation")
    for index, item in enumerate(operations):
        kind, avu = item if isinstance(item, tuple) and len(item) == 2 else (None, None)
        if kind not in OPERATIONS:
            raise Unprocessable(f"operation {index}: use one of {', '.join(OPERATIONS)}")
        if not isinstance(avu, AVU) or not all(isinstance(part, str) for part in
                                              (avu.attribute, avu.value, avu.unit)):
            raise Unprocessable(f"operation {index}: an AVU of strings is needed")
        # iRODS refuses empty attributes and values.
        if not avu.attribute or not avu.value:
            raise Unprocessable(f"operation {index}: an AVU needs a non-empty attribute and value")
    return list(operations)


def outcome(current: list[AVU], operations: list[tuple[str, AVU]]) -> list[AVU]:
    """The AVUs after applying `operations` to `current`, in order."""
    result = list(current)
    for kind, avu in operations:
        if kind == "set":
            result = [old for old in result if old.attribute != avu.attribute]
        if kind == "remove":
            result = [old for old in result if old != avu]
        elif avu not in result:
            result.append(avu)
    return result


def difference(before: list[AVU], after: list[AVU]) -> tuple[list[AVU], list[AVU]]:
    """(AVUs to remove, AVUs to add) to turn `before` into `after`."""
    return ([avu for avu in before if avu not in after],
            [avu for avu in after if avu not in before])
