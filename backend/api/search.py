"""/api/search: data objects and collections by metadata, name, place, size, owner and time.

Parses the request into backend.storage.search's Query and pages through
Storage.search; the semantics (one AVU per condition, values compared as text,
(collection, name) order) are that module's. Two spellings of one search:

    GET /api/search?meta=experiment,=,x&meta=quality,between,10,50&name=%.nc&limit=100
        meta=ATTRIBUTE,OP,VALUE[,UNIT] (between: ATTRIBUTE,between,LOW,HIGH[,UNIT];
        ATTRIBUTE alone: any value; an empty ATTRIBUTE: any attribute)
    POST /api/search  {"conditions": [{"attribute": ..., "op": ..., "value": ..., "unit": ...}], ...}
        for values holding commas; between's value is [low, high].
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import request
from flask_restful import Resource

from backend.api import params
from backend.api.spec import BOOLEAN, INTEGER, STRING, json_body, operation, query
from backend.auth import login_required
from backend.errors import BadRequest
from backend.storage import user_storage
from backend.storage.search import MAX_LIMIT, MetadataCondition, Query

DEFAULT_LIMIT = 100
FILTERS = ("name", "scope", "recursive", "type", "min_size", "max_size", "owner",
           "modified_after", "modified_before")
PARAMETERS = [
    query("meta", {"type": "array", "items": STRING},
          "repeatable: ATTRIBUTE,OP,VALUE[,UNIT]; OP one of = != < <= > >= like, not like, "
          "between (ATTRIBUTE,between,LOW,HIGH[,UNIT]); each met by an AVU of its own"),
    query("name", STRING, "LIKE pattern on the name: % any run, _ one character, \\ escapes"),
    query("scope", STRING, "collection to search (default: the whole zone)"),
    query("recursive", BOOLEAN, "below the scope too (default true)"),
    query("type", {"type": "string", "enum": ["dataobject", "collection"]}),
    query("min_size", INTEGER), query("max_size", INTEGER), query("owner", STRING),
    query("modified_after", STRING, "ISO 8601 date and time (UTC unless it says otherwise)"),
    query("modified_before", STRING, "ISO 8601 date and time"),
    query("limit", INTEGER, f"results per page, at most {MAX_LIMIT} (default {DEFAULT_LIMIT})"),
    query("after", STRING, "the last path of the previous page (the `next` link has it)"),
]
BODY = json_body({"conditions": {"type": "array", "items": {"type": "object"}},
                  **{name: STRING for name in FILTERS}, "limit": INTEGER, "after": STRING},
                 example={"scope": "/tempZone/home/alice", "conditions": [
                     {"attribute": "experiment", "op": "=", "value": "a, b"},
                     {"attribute": "quality", "op": "between", "value": ["10", "50"]}]})
RESPONSES = {200: "items (the info of each result), has_more, after and, for GET, next",
             400: None}


def _meta(text: str) -> MetadataCondition:
    parts = text.split(",")
    attribute = parts[0] or None
    if len(parts) == 1:
        return MetadataCondition(attribute)
    op = parts[1].strip().lower()
    values = parts[2:]
    width = 2 if op == "between" else 1
    if len(values) not in (width, width + 1):
        raise BadRequest(f"meta={text!r}: expected ATTRIBUTE,OP,VALUE[,UNIT] (between: "
                         "ATTRIBUTE,between,LOW,HIGH[,UNIT]); for values with commas POST a JSON body")
    value = tuple(values[:2]) if width == 2 else values[0]
    return MetadataCondition(attribute, value, values[width] if len(values) > width else None, op)


def _condition(item) -> MetadataCondition:
    if not isinstance(item, dict):
        raise BadRequest("each condition must be an object {attribute, op, value, unit}")
    unknown = set(item) - {"attribute", "op", "value", "unit"}
    if unknown:
        raise BadRequest(f"unknown condition fields: {', '.join(sorted(unknown))}")
    value = item.get("value")
    return MetadataCondition(item.get("attribute"), tuple(value) if isinstance(value, list) else value,
                             item.get("unit"), item.get("op", "="))


def _moment(name: str, text) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date and time, e.g. 2024-05-01T12:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _integer(name: str, value, default=None, maximum=None, minimum=0) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        raise BadRequest(f"{name} must be an integer from {minimum}"
                         + (f" to {maximum}" if maximum else ""))
    return number


def _flag(name: str, value, default: bool) -> bool:
    if value is None:
        return default
    text = str(value).strip().lower()
    if isinstance(value, bool) or text in params.TRUE | params.FALSE:
        return value if isinstance(value, bool) else text in params.TRUE
    raise BadRequest(f"{name} must be true or false")


def _query(fields: dict, conditions: list[MetadataCondition], zone: str) -> Query:
    return Query(scope=fields.get("scope") or f"/{zone}", conditions=tuple(conditions),
                 name=fields.get("name") or None,
                 recursive=_flag("recursive", fields.get("recursive"), True),
                 type=fields.get("type") or None,
                 min_size=_integer("min_size", fields.get("min_size")),
                 max_size=_integer("max_size", fields.get("max_size")),
                 owner=fields.get("owner") or None,
                 modified_after=_moment("modified_after", fields.get("modified_after")),
                 modified_before=_moment("modified_before", fields.get("modified_before")))


def _page(query_: Query, after: str | None, limit: int) -> dict:
    page = user_storage().search(query_, after=after, limit=limit)
    shaped = {"items": [item.as_dict() for item in page.items], "limit": limit,
              "has_more": page.has_more}
    if page.has_more:
        shaped["after"] = page.items[-1].path
    return shaped


class Search(Resource):
    @operation("Search data objects and collections by metadata (as iquest)", tags=["search"],
               parameters=PARAMETERS, responses=RESPONSES)
    @login_required()
    def get(self):
        storage = user_storage()
        args = request.args
        conditions = [_meta(text) for text in args.getlist("meta")]
        limit = _integer("limit", args.get("limit"), DEFAULT_LIMIT, MAX_LIMIT, 1)
        shaped = _page(_query(args, conditions, storage.zone), args.get("after") or None, limit)
        if shaped["has_more"]:
            # Keyset continuation: the same search, after the last path of this page.
            pairs = [(key, value) for key, value in args.items(multi=True) if key != "after"]
            shaped["next"] = f"{request.base_url}?{urlencode(pairs + [('after', shaped['after'])])}"
        return shaped

    @operation("Search, the conditions in a JSON body (values may hold commas)", tags=["search"],
               body=BODY, responses=RESPONSES)
    @login_required()
    def post(self):
        body = params.json_object()
        unknown = set(body) - set(FILTERS) - {"conditions", "limit", "after"}
        if unknown:
            raise BadRequest(f"unknown fields: {', '.join(sorted(unknown))}")
        conditions = params.field(body, "conditions", list, required=False, default=[])
        limit = _integer("limit", body.get("limit"), DEFAULT_LIMIT, MAX_LIMIT, 1)
        return _page(_query(body, [_condition(item) for item in conditions], user_storage().zone),
                     params.field(body, "after", str, required=False), limit)


def register(api) -> None:
    api.add_resource(Search, "/api/search")
