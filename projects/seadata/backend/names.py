"""Identifiers clients choose for batches and orders.

They become storage names (`<home>/batches/<batch>`) and URL segments, so only a plain
alphabet is accepted: letters, digits, '-', '_' and '.', starting with a letter or digit
(no hidden names, no '.' or '..').
"""

from __future__ import annotations

import re

from backend.errors import BadRequest

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_id(kind: str, value) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise BadRequest(f"invalid {kind} id {value!r}: use 1 to 128 letters, digits, '-', '_' "
                         "or '.', starting with a letter or digit")
    return value
