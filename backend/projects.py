"""Community projects, found in `projects_dir/<project>/` (default: the repository's projects/).

A project is a folder with a `project.yml`; it may say `extends: <other project>`, and
the backend then serves the whole chain, root first (the extended project's code
before the extending one's), as the controller merges their configuration:

- `backend/endpoints/*.py` each implement the `register(api)` hook (backend/hooks.py),
  exactly like the core areas in backend/api/;
- `backend/tasks/*.py` declare Celery tasks with `backend.tasks.task`; the Celery app
  imports them, so the worker runs them;
- `variables:` in project.yml declares the project's settings (Settings.project_settings).

The project is chosen by the `PROJECT` setting.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import yaml

from backend import hooks

PROJECTS_DIR = Path(__file__).resolve().parent.parent / "projects"
PROJECT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PROJECT_FILE = "project.yml"


@dataclass(frozen=True)
class Project:
    name: str
    path: Path
    # project.yml's `variables:` (name -> default), as written.
    variables: dict = field(default_factory=dict)


def chain(project: str, projects_dir: Path = PROJECTS_DIR) -> list[Project]:
    """The project and every project it extends, root first.

    A missing project or a cycle is a RuntimeError naming the whole chain: start-up
    must stop rather than serve half a project.
    """
    found: list[Project] = []
    name, via = project, ()
    while name is not None:
        if not isinstance(name, str) or not PROJECT_NAME.match(name):
            raise RuntimeError(f"invalid project name {name!r}" + _extended_by(via))
        if name in via:
            raise RuntimeError(f"project extends itself: {' -> '.join(via + (name,))}")
        path = Path(projects_dir) / name
        document = _read(path / PROJECT_FILE, via)
        found.append(Project(name, path, dict(document.get("variables") or {})))
        name, via = document.get("extends"), via + (name,)
    return found[::-1]


def endpoint_modules(project: str, projects_dir: Path = PROJECTS_DIR) -> list[ModuleType]:
    modules = _modules(project, "endpoints", projects_dir)
    for module in modules:
        hooks.check(module, "register")
    return modules


def task_modules(project: str, projects_dir: Path = PROJECTS_DIR) -> list[ModuleType]:
    return _modules(project, "tasks", projects_dir)


def declared_variables(project: str, projects_dir: Path = PROJECTS_DIR) -> dict:
    """Every variable the chain declares, the extending project's default winning."""
    merged: dict = {}
    for member in chain(project, projects_dir):
        merged.update(member.variables)
    return merged


def _read(path: Path, via: tuple[str, ...]) -> dict:
    if not path.is_file():
        raise RuntimeError(f"unknown project {path.parent.name!r}{_extended_by(via)}: {path} not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RuntimeError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("variables") or {}, dict):
        raise RuntimeError(f"{path}: expected a mapping, with `variables:` a mapping")
    return document


def _extended_by(via: tuple[str, ...]) -> str:
    return f" (extended by {via[-1]!r})" if via else ""


def _modules(project: str, kind: str, projects_dir: Path) -> list[ModuleType]:
    return [_load(f"rapydo_projects.{member.name}.{kind}.{path.stem}", path)
            for member in chain(project, projects_dir)
            for path in sorted((member.path / "backend" / kind).glob("*.py"))
            if path.name != "__init__.py"]


def _load(name: str, path: Path) -> ModuleType:
    # Loaded by path under a private name: projects are folders, not installed packages.
    # The same name from another projects_dir (tests use several) is loaded afresh.
    cached = sys.modules.get(name)
    if cached is not None and Path(cached.__file__) == path:
        return cached
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
