"""Configuration layers in, one validated `Config` out.

Layers, lowest first, merged by `controller.merge.deep_merge`:

1. framework defaults   `confs/defaults.yml`
2. project              `projects/<project>/project.yml` (optionally `extends: <other project>`)
3. deployment           `rapydo.yml`
4. host                 `.projectrc` (YAML, git-ignored, optional: secrets live here)
5. environment          every *declared* variable (a key of the merged `variables:` or
                        `service_variables:`) found in the process environment, then
                        `--env KEY=VALUE` (any key; a `service_variables` name goes there)

`read_layers` returns the layers unmerged, each naming its file (controller.validation
reports unknown keys by layer); a parent project's layer comes below its child's.

The project is chosen by the layers that do not belong to a project (1, 3, 4).
`variables:` becomes the environment handed to the backend, so every backend setting
is declared in `confs/defaults.yml` (an empty string means "unset: backend default").
Relative paths in DATA_DIR are resolved against the project directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from controller.merge import merge_layers

DEFAULTS_FILE = Path("confs") / "defaults.yml"
DEPLOYMENT_FILE = Path("rapydo.yml")
HOST_FILE = Path(".projectrc")
PROJECTS_DIR = Path("projects")
PROJECT_FILE = "project.yml"

MODES = ("development", "production")
ENGINES = ("local", "compose")
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
VARIABLE = re.compile(r"^[A-Z][A-Z0-9_]*$")
PATH_VARIABLES = ("DATA_DIR",)


class ConfigError(Exception):
    """The configuration cannot be loaded or is invalid."""


@dataclass(frozen=True)
class Layer:
    """One configuration layer as read, before merging: where it came from and its document.

    `source` names the file (relative to the project directory), `environment` or `--env`;
    `kind` is one of framework, project, deployment, host, environment, override.
    """

    source: str
    kind: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class Config:
    project_dir: Path
    project: str
    mode: str
    engine: str
    hostname: str
    variables: Mapping[str, str]
    # The whole merged document, for consumers that need more than the fields above.
    raw: Mapping[str, Any] = field(repr=False)
    # The layers `raw` was merged from, lowest first (controller.validation names them).
    layers: tuple[Layer, ...] = field(default=(), repr=False, compare=False)

    @property
    def data_dir(self) -> Path:
        return Path(self.variables["DATA_DIR"])


def load_config(
    project_dir: Path,
    *,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    host_file: bool = True,
) -> Config:
    """Read every layer under `project_dir` and merge them.

    `overrides` are the `--env` values; `environ` the process environment (pass `{}` to
    ignore it); `host_file=False` ignores `.projectrc` (tests use both to stay hermetic).
    """
    project_dir = Path(project_dir).resolve()
    layers = read_layers(project_dir, overrides=overrides, environ=environ, host_file=host_file)
    merged = merge_layers(*(layer.document for layer in layers))
    config = validate(project_dir, merged)
    return Config(**{**config.__dict__, "layers": tuple(layers)})


def read_layers(
    project_dir: Path,
    *,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    host_file: bool = True,
) -> list[Layer]:
    """Every layer under `project_dir`, lowest first (parent projects below their child)."""
    project_dir = Path(project_dir).resolve()
    environ = os.environ if environ is None else environ
    defaults = read_yaml(project_dir / DEFAULTS_FILE, required=True)
    deployment = read_yaml(project_dir / DEPLOYMENT_FILE, required=False)
    host = read_yaml(project_dir / HOST_FILE, required=False) if host_file else {}

    # The environment chooses the project too (`--env PROJECT=demo`, or PROJECT in the
    # environment), above the files: the highest layer wins here as everywhere.
    chosen_by = [(source, kind, values["PROJECT"])
                 for source, kind, values in (("--env", "override", overrides or {}),
                                              ("environment", "environment", environ))
                 if values.get("PROJECT")]
    project = chosen_by[0][2] if chosen_by else merge_layers(defaults, deployment, host).get("project")
    layers = [Layer(str(DEFAULTS_FILE), "framework", defaults)]
    for name, document in read_project_chain(project_dir, project):
        layers.append(Layer(str(PROJECTS_DIR / name / PROJECT_FILE), "project", document))
    layers.append(Layer(str(DEPLOYMENT_FILE), "deployment", deployment))
    if host_file:
        layers.append(Layer(str(HOST_FILE), "host", host))
    below = merge_layers(*(layer.document for layer in layers))
    declared = below.get("variables") or {}
    service_declared = below.get("service_variables") or {}
    from_environ = {name: environ[name] for name in (*declared, *service_declared) if name in environ}
    for source, kind, values in (("environment", "environment", from_environ),
                                 ("--env", "override", dict(overrides or {}))):
        if values:
            layers.append(Layer(source, kind, split_variables(values, service_declared)))
    if chosen_by:
        source, kind, _ = chosen_by[0]
        layers.append(Layer(source, kind, {"project": project}))
    return layers


def split_variables(values: Mapping[str, str], service_declared: Iterable[str]) -> dict[str, Any]:
    """Environment values as a layer: names declared in `service_variables` go there, the
    rest to `variables` (the backend's)."""
    service_names = set(service_declared)
    layer: dict[str, Any] = {}
    for name, value in values.items():
        section = "service_variables" if name in service_names else "variables"
        layer.setdefault(section, {})[name] = value
    return layer


def read_yaml(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ConfigError(f"missing configuration file {path}")
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return document


def read_project(project_dir: Path, name: Any) -> dict[str, Any]:
    """The project layer, with the projects it `extends:` merged below it."""
    return merge_layers(*(document for _, document in read_project_chain(project_dir, name)))


def read_project_chain(project_dir: Path, name: Any, seen: tuple[str, ...] = ()) -> list[tuple[str, dict]]:
    """`(name, project.yml without extends)` for the project and its ancestors, root first.

    A cycle (`a extends b extends a`) is a ConfigError naming the whole chain.
    """
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(f"invalid project name {name!r}")
    if name in seen:
        raise ConfigError(f"project extends itself: {' -> '.join(seen + (name,))}")
    path = project_dir / PROJECTS_DIR / name / PROJECT_FILE
    if not path.is_file():
        via = f" (extended by {seen[-1]!r})" if seen else ""
        raise ConfigError(f"unknown project {name!r}{via}: {path} not found")
    layer = read_yaml(path, required=True)
    parent = layer.pop("extends", None)
    if parent is None:
        return [(name, layer)]
    return [*read_project_chain(project_dir, parent, seen + (name,)), (name, layer)]


def environment_layer(
    declared: Mapping[str, Any], environ: Mapping[str, str], overrides: Mapping[str, str]
) -> dict[str, Any]:
    variables = {name: environ[name] for name in declared if name in environ}
    variables.update(overrides)
    return {"variables": variables} if variables else {}


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """`["KEY=VALUE", ...]` (the `--env` option) -> a mapping; the value may be empty."""
    parsed = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not VARIABLE.match(name):
            raise ConfigError(f"expected KEY=VALUE with an upper-case KEY, got {item!r}")
        parsed[name] = value
    return parsed


def validate(project_dir: Path, merged: Mapping[str, Any]) -> Config:
    mode, engine = merged.get("mode"), merged.get("engine")
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    raw_variables = merged.get("variables") or {}
    if not isinstance(raw_variables, Mapping):
        raise ConfigError("variables must be a mapping")
    variables = {}
    for name, value in raw_variables.items():
        if not isinstance(name, str) or not VARIABLE.match(name):
            raise ConfigError(f"invalid variable name {name!r}: use upper-case letters, digits and _")
        variables[name] = scalar(name, value)
    # The backend learns which project it serves from the one place that chose it.
    variables["PROJECT"] = merged["project"]
    for name in PATH_VARIABLES:
        if variables.get(name):
            variables[name] = str((project_dir / Path(variables[name]).expanduser()).resolve())
    if not variables.get("DATA_DIR"):
        raise ConfigError("DATA_DIR must be set")
    return Config(
        project_dir=project_dir,
        project=merged["project"],
        mode=mode,
        engine=engine,
        hostname=str(merged.get("hostname") or "localhost"),
        variables=variables,
        raw=merged,
    )


def scalar(name: str, value: Any) -> str:
    """Environment variables are strings: booleans become `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ConfigError(f"variable {name} must be a string, number or boolean, got {type(value).__name__}")
