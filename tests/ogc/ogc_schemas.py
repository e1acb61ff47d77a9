"""The OGC API - Processes 1.0 schemas (tests/ogc/schemas/, OpenAPI 3.0 schema objects with
relative $refs between files), validated with jsonschema.

OpenAPI 3.0 schema objects are draft 4's vocabulary plus a few keywords (boolean
`exclusiveMinimum`, `nullable`, `example`): Draft4Validator reads them as meant (`nullable`
appears only as `nullable: false`, and unknown keywords are ignored). Each file is a resource
of a `referencing` Registry under its own URI, so `$ref: "link.yaml"` resolves to the file
beside it; formats (date-time, ...) are checked.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).parent / "schemas"
BASE = "https://schemas.test/ogcapi-processes-1/1.0/"


@lru_cache(maxsize=1)
def registry() -> Registry:
    resources = [(BASE + path.name, Resource(contents=yaml.safe_load(path.read_text()),
                                             specification=DRAFT4))
                 for path in sorted(SCHEMAS.glob("*.yaml"))]
    return Registry().with_resources(resources)


def errors(document, schema: str) -> list[str]:
    """What is wrong with `document` as `schema` (e.g. "statusInfo"): [] when it is valid."""
    validator = Draft4Validator({"$ref": BASE + schema + ".yaml"}, registry=registry(),
                                format_checker=Draft4Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(document)]


def check(document, schema: str):
    found = errors(document, schema)
    assert not found, f"not a valid {schema}: {found}\n{document}"
    return document
