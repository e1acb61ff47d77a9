"""Validation of the merged configuration: every problem at once, as data.

`problems(config)` returns a list of `Problem`s (pure: reads only the configuration and the
service catalogue); `validate(config)` raises one `ConfigurationError` carrying them all;
`format_problems` renders them as a table (the CLI colours it).

Rules:
- Keys: the framework layer (confs/defaults.yml) declares every key. A key of a higher layer
  that no lower layer declares is rejected, naming the layer's file and the key path.
  Exception, the project rule: a project layer (projects/<p>/project.yml) may also declare
  its metadata (`PROJECT_KEYS`) and *new* variables in `variables:` and `service_variables:`;
  rapydo.yml, .projectrc, the environment and `--env` may only set declared ones
  (and PROJECT, which the configuration derives from `project:`).
- `mode` is development|production, `engine` local|compose; `services:` names known services
  with boolean values (controller.services).
- Every required variable (controller.services.NEEDS) of an active service must be non-empty;
  all missing ones are reported together with the service and where to set them.
- In production, a password or secret of an active service that is set must not be weak:
  shorter than `MIN_SECRET_LENGTH`, a known default (`KNOWN_DEFAULTS`), or equal to its user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from controller.config import ENGINES, HOST_FILE, MODES, Config, ConfigError, Layer
from controller.merge import deep_merge
from controller.services import (
    Service, activation, all_needs, load_catalogue, switch_problems, values,
)

PROJECT_KEYS = frozenset({"title", "description", "version", "extends"})
OPEN_SECTIONS = ("variables", "service_variables")  # where projects may declare new keys
DERIVED_VARIABLES = frozenset({"PROJECT"})
MIN_SECRET_LENGTH = 12
KNOWN_DEFAULTS = frozenset({
    "rods", "guest", "admin", "password", "changeme", "secret", "neo4j", "postgres", "rabbitmq",
    "root", "test", "123456", "12345678", "qwerty", "letmein", "default",
})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration.

    `kind`: unknown key | invalid value | unknown service | missing | weak password;
    `subject`: the key path or variable; `where`: the file (or layer) to look at or to set
    the value in; `service`: the service concerned, if any.
    """

    kind: str
    subject: str
    detail: str
    where: str
    service: str = ""


class ConfigurationError(ConfigError):
    """Every problem of a configuration, found at once."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__(format_problems(self.problems))


def validate(config: Config, catalogue: Mapping[str, Service] | None = None) -> None:
    """Raise ConfigurationError when `problems(config)` finds anything."""
    found = problems(config, catalogue)
    if found:
        raise ConfigurationError(found)


def problems(config: Config, catalogue: Mapping[str, Service] | None = None) -> list[Problem]:
    catalogue = load_catalogue(config.project_dir) if catalogue is None else catalogue
    found = unknown_keys(config.layers) + invalid_values(config.raw, catalogue)
    if any(problem.kind == "unknown service" or problem.subject.startswith("services")
           for problem in found):
        return found  # the active services are unknown: requirements cannot be checked
    active = activation(config, catalogue)
    found += missing_values(config, catalogue, active)
    if config.mode == "production":
        found += weak_passwords(config, catalogue, active)
    return found


def unknown_keys(layers: Sequence[Layer]) -> list[Problem]:
    """Keys of a layer that no layer below declares (see the module's rules)."""
    found: list[Problem] = []
    declared: dict[str, Any] = {}
    for layer in layers:
        if layer.kind == "framework":
            declared = deep_merge(declared, _declarations(layer.document))
            continue
        document = dict(layer.document)
        if layer.kind == "project":
            document = {key: value for key, value in document.items() if key not in PROJECT_KEYS}
        for path in _undeclared(document, declared, ()):
            if path[0] == "services" and len(path) == 2:
                continue  # reported by invalid_values as an unknown service
            if path[0] == "variables" and len(path) == 2 and path[1] in DERIVED_VARIABLES:
                continue
            if layer.kind == "project" and path[0] in OPEN_SECTIONS and len(path) == 2:
                continue
            found.append(Problem("unknown key", ".".join(map(str, path)),
                                 "not declared by confs/defaults.yml" +
                                 (" or a project" if path[0] in OPEN_SECTIONS else ""), layer.source))
        if layer.kind == "project":
            declared = deep_merge(declared, _declarations(document))
    return found


def _declarations(document: Mapping[str, Any]) -> dict[str, Any]:
    """A layer as declarations: nulls (deletions) still declare their key."""
    return {key: (_declarations(value) if isinstance(value, Mapping) else
                  "" if value is None else value) for key, value in document.items()}


def _undeclared(document: Mapping[str, Any], declared: Any, path: tuple) -> Iterable[tuple]:
    for key, value in document.items():
        if not isinstance(declared, Mapping) or key not in declared:
            yield path + (key,)
        elif isinstance(value, Mapping) and isinstance(declared[key], Mapping):
            yield from _undeclared(value, declared[key], path + (key,))


def invalid_values(merged: Mapping[str, Any], catalogue: Mapping[str, Service]) -> list[Problem]:
    found = []
    for key, allowed in (("mode", MODES), ("engine", ENGINES)):
        if merged.get(key) not in allowed:
            found.append(Problem("invalid value", key, f"must be one of {'|'.join(allowed)}, "
                                 f"got {merged.get(key)!r}", "rapydo.yml"))
    for message in switch_problems(merged, catalogue):
        kind = "unknown service" if message.startswith("unknown service") else "invalid value"
        found.append(Problem(kind, "services", message, "rapydo.yml"))
    return found


def missing_values(config: Config, catalogue: Mapping[str, Service],
                   active: Iterable[str]) -> list[Problem]:
    """Every required variable of an active service that is empty, one row each."""
    current = values(config)
    return [Problem("missing", need.name, f"required by {service} (empty)",
                    f"{HOST_FILE} -> {need.section}.{need.name}", service)
            for service, need in all_needs(catalogue, active)
            if need.required and not current.get(need.name)]


def weak_passwords(config: Config, catalogue: Mapping[str, Service],
                   active: Iterable[str]) -> list[Problem]:
    """Secrets of active services that are set but weak (empty required ones are `missing`)."""
    current = values(config)
    found = []
    for service, need in all_needs(catalogue, active):
        value = current.get(need.name, "")
        if not need.secret or not value:
            continue
        reason = weakness(value, current.get(need.user, "") if need.user else "")
        if reason:
            found.append(Problem("weak password", need.name, f"{reason} (production mode)",
                                 f"{HOST_FILE} -> {need.section}.{need.name}", service))
    return found


def weakness(password: str, user: str = "") -> str:
    """Why `password` is weak, or "" if it is not."""
    if not password:
        return "empty"
    if password.lower() in KNOWN_DEFAULTS:
        return "a well-known default password"
    if user and password == user:
        return "equal to the user name"
    if len(password) < MIN_SECRET_LENGTH:
        return f"shorter than {MIN_SECRET_LENGTH} characters"
    return ""


HEADERS = ("problem", "service", "key", "detail", "where")


def problem_rows(found: Sequence[Problem]) -> list[tuple[str, ...]]:
    return [(p.kind, p.service or "-", p.subject, p.detail, p.where) for p in found]


def format_problems(found: Sequence[Problem], style=lambda text, column: text) -> str:
    """The problems as an aligned table; `style(text, column)` may colour a padded cell."""
    rows = problem_rows(found)
    widths = [max(len(row[i]) for row in (HEADERS, *rows)) for i in range(len(HEADERS))]

    def line(row, header=False):
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        if not header:
            cells = [style(cell, column) for cell, column in zip(cells, HEADERS)]
        return "  ".join(cells).rstrip()

    return "\n".join([line(HEADERS, True), line(tuple("-" * w for w in widths), True),
                      *(line(row) for row in rows)])
