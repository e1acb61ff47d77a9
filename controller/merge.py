"""The one deep merge every configuration layer goes through.

Rules (the same at every depth):
- a key absent from the override keeps the base value;
- an override value of `None` (YAML `null` or `~`) deletes the key;
- two mappings merge recursively;
- anything else, lists included, replaces the base value.

Inputs are never modified: the result is a new structure sharing nothing mutable
with either argument.
"""

from __future__ import annotations

import copy
from functools import reduce
from typing import Any, Mapping


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = {key: copy.deepcopy(value) for key, value in base.items()}
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = _without_nulls(value)
    return merged


def merge_layers(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Merge layers given lowest first."""
    return reduce(deep_merge, layers, {})


def _without_nulls(value: Any) -> Any:
    """A new value: a mapping that replaces nothing still must not carry deletions as data."""
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return copy.deepcopy(value)
