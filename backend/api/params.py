"""Small, strict parsers for query parameters and JSON bodies: bad input is a 400, never a 500."""

from __future__ import annotations

from typing import Any

from flask import request

from backend.errors import BadRequest

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
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


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
