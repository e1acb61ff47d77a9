"""What a search asks for: one condition model that every backend translates (SQL, GenQuery).

Semantics are iRODS' GenQuery ones, so that both backends answer the same query alike:
- each MetadataCondition is matched against an AVU of its own (iRODS joins its metadata
  table once per condition): `a = 1` and `b = 2` need two AVUs, never one AVU `a = 2`;
- AVU values are text and compare as text, in code-point order (`"10" < "9"`), as iRODS
  compares META_*_ATTR_VALUE; `like` takes `%` (any run) and `_` (one character), case
  sensitive, with `\\` escaping them (PostgreSQL's LIKE, under iRODS);
- sizes compare as numbers; times to the second on iRODS (its catalog keeps seconds).
Results are ordered by (collection, name), as iRODS can sort them (GenQuery cannot order
by a whole path it does not store); `after` is the last path of the previous page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from backend.errors import BadRequest
from backend.storage import paths
from backend.storage.base import COLLECTION, DATAOBJECT, non_negative

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "like", "not like", "between")
MAX_CONDITIONS = 16  # each is one more join of the metadata table
MAX_LIMIT = 1000


@dataclass(frozen=True)
class MetadataCondition:
    """An AVU of the result whose attribute is `attribute` (any, when None), whose value
    stands in `op` to `value` (a (low, high) pair for between; any value when None), and
    whose unit is `unit` (any, when None)."""

    attribute: str | None
    value: str | tuple[str, str] | None = None
    unit: str | None = None
    op: str = "="

    def __post_init__(self):
        _text("attribute", self.attribute, optional=True)
        _text("unit", self.unit, optional=True, empty=True)
        if self.op not in OPERATORS:
            raise BadRequest(f"unknown operator {self.op!r}: use one of {', '.join(OPERATORS)}")
        if self.op == "between":
            if (not isinstance(self.value, (tuple, list)) or len(self.value) != 2):
                raise BadRequest("between needs two values, low and high")
            for bound in self.value:
                _text("value", bound)
            object.__setattr__(self, "value", tuple(self.value))
        else:
            _text("value", self.value, optional=self.op == "=", empty=self.op != "like")
        if self.attribute is None and self.value is None and self.unit is None:
            raise BadRequest("a metadata condition needs an attribute, a value or a unit")


@dataclass(frozen=True)
class Query:
    """Data objects and collections at or below `scope` (directly in it unless `recursive`)
    meeting every condition given; None means "any"."""

    scope: str
    conditions: tuple[MetadataCondition, ...] = ()
    name: str | None = None  # a LIKE pattern on the last component of the path
    recursive: bool = True
    type: Literal["collection", "dataobject"] | None = None
    min_size: int | None = None  # sizes, inclusive: data objects only
    max_size: int | None = None
    owner: str | None = None
    modified_after: datetime | None = None  # exclusive bounds
    modified_before: datetime | None = None

    def __post_init__(self):
        if len(self.conditions) > MAX_CONDITIONS:
            raise BadRequest(f"at most {MAX_CONDITIONS} metadata conditions")
        if not all(isinstance(c, MetadataCondition) for c in self.conditions):
            raise BadRequest("conditions must be MetadataConditions")
        object.__setattr__(self, "conditions", tuple(self.conditions))
        if self.type not in (None, COLLECTION, DATAOBJECT):
            raise BadRequest(f"unknown type {self.type!r}: use {DATAOBJECT} or {COLLECTION}")
        if self.type == COLLECTION and self.sized:
            raise BadRequest("collections have no size: drop min_size/max_size or the type")
        for name in ("min_size", "max_size"):
            if getattr(self, name) is not None:
                non_negative(name, getattr(self, name))
        for name in ("modified_after", "modified_before"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), datetime):
                raise BadRequest(f"{name} must be a date and time")
        _text("name", self.name, optional=True)
        _text("owner", self.owner, optional=True)

    @property
    def sized(self) -> bool:
        return self.min_size is not None or self.max_size is not None

    def wants(self, type: str) -> bool:
        """Whether results of this type can match (a size bound rules collections out)."""
        if self.type is not None:
            return self.type == type
        return type == DATAOBJECT or not self.sized


def check_page(query: Query, after: str | None, limit: int, zone: str) -> tuple[Query, str | None]:
    """The query with its scope normalised, and `after` normalised (BadRequest if unusable)."""
    if not isinstance(query, Query):
        raise BadRequest("search needs a Query")
    non_negative("limit", limit, positive=True)
    if limit > MAX_LIMIT:
        raise BadRequest(f"limit must be at most {MAX_LIMIT}")
    scope = paths.normalise(query.scope, zone)
    if after is not None:
        after = paths.normalise(after, zone)
    return (query if scope == query.scope else replace(query, scope=scope)), after


def split(after: str | None) -> tuple[str | None, str | None]:
    """The keyset of a path: (its collection, its name)."""
    if after is None:
        return None, None
    return paths.parent(after), paths.name(after)


def like_regex(pattern: str) -> str:
    """A LIKE pattern as a regular expression: `%`, `_`, and `\\` escaping the next character."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    if escaped:
        out.append(re.escape("\\"))
    return "".join(out)


def _text(name: str, value, *, optional: bool = False, empty: bool = False) -> None:
    if value is None:
        if not optional:
            raise BadRequest(f"{name} is required")
        return
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if not value and not empty:
        raise BadRequest(f"{name} must not be empty")
