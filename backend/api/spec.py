"""Declaring a resource method's OpenAPI operation next to its code.

`@operation(...)` stores the operation as data on the method; openapi.py
collects it for every registered resource, so the spec cannot drift from the
routes. Shared pieces (path parameters, error responses) are plain Python values.
"""

from __future__ import annotations

ERROR = {"$ref": "#/components/responses/Error"}
BEARER = [{"bearerAuth": []}]


def operation(summary: str, *, tags: list[str], responses: dict, auth: bool = True,
              parameters: list[dict] = (), body: dict | None = None, description: str = ""):
    spec = {
        "summary": summary,
        "tags": tags,
        "parameters": list(parameters),
        "responses": {str(code): (ERROR if value is None else {"description": value}
                                  if isinstance(value, str) else value)
                      for code, value in responses.items()},
    }
    if description:
        spec["description"] = description
    if auth:
        spec["security"] = BEARER
        spec["responses"].setdefault("401", ERROR)
    if body is not None:
        spec["requestBody"] = body
    if not spec["parameters"]:
        del spec["parameters"]

    def decorate(method):
        method.openapi = spec
        return method

    return decorate


def path_param(name: str, description: str) -> dict:
    return {"in": "path", "name": name, "required": True, "description": description,
            "schema": {"type": "string"}}


def query(name: str, schema: dict, description: str = "") -> dict:
    param = {"in": "query", "name": name, "required": False, "schema": schema}
    if description:
        param["description"] = description
    return param


def header(name: str, schema: dict, description: str = "", *, required: bool = False) -> dict:
    param = {"in": "header", "name": name, "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


def json_body(properties: dict, required: list[str] = (), example: dict | None = None) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    content = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"required": True, "content": {"application/json": content}}


BOOLEAN = {"type": "boolean"}
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
IRODS_PATH = path_param("irods_path", "logical path without its leading slash, e.g. tempZone/home/alice/file.txt")
