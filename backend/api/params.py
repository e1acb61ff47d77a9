"""Small, strict parsers for query parameters and JSON bodies: bad input is a 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from backend.errors import BadRequest, PayloadTooLarge
from backend.settings import current_settings

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def flag(name: str, default: bool = False) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise BadRequest(f"query parameter {name!r} must be true or false")


def integer(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"query parameter {name!r} must be an integer") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        raise BadRequest(f"query parameter {name!r} must be {bounds}")
    return value


def json_object() -> dict:
    """The request's JSON object, bounded: too large is 413 before a byte is read, too
    deeply nested is 400 (CPython's parser would otherwise recurse into a 500)."""
    settings = current_settings()
    if not request.is_json:
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    if request.content_length is not None and request.content_length > settings.max_json_size:
        raise PayloadTooLarge(f"JSON bodies are limited to {settings.max_json_size} bytes")
    # A body of unannounced length (chunked) is cut off by werkzeug at the same bound.
    request.max_content_length = settings.max_json_size
    try:
        body = json.loads(request.get_data(cache=True))
    except RequestEntityTooLarge:
        raise PayloadTooLarge(f"JSON bodies are limited to {settings.max_json_size} bytes") from None
    except RecursionError:
        body = None  # deeper than any limit: reported as such below
    except ValueError:
        raise BadRequest("the request body is not valid JSON") from None
    if body is None or _depth(body) > settings.max_json_depth:
        raise BadRequest(f"JSON bodies may nest at most {settings.max_json_depth} levels")
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest in `value`, walked without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        if children:
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in children)
    return deepest


def field(body: dict, name: str, kind: type | tuple[type, ...], *, required: bool = True,
          default: Any = None) -> Any:
    """One field of a JSON body, type-checked (bool is not accepted where int is asked)."""
    if name not in body or body[name] is None:
        if required:
            raise BadRequest(f"missing field {name!r}")
        return default
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise BadRequest(f"field {name!r} has the wrong type")
    if not isinstance(value, kinds):
        raise BadRequest(f"field {name!r} has the wrong type")
    return value
