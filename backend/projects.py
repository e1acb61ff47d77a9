"""Community projects, found in `projects_dir/<project>/` (default: the repository's projects/).

A project is a folder with a `project.yml`; it may say `extends: <other project>`, and
the backend then serves the whole chain, root first (the extended project's code
before the extending one's), as the controller merges their configuration:

- `backend/endpoints/*.py` each implement the `register(api)` hook (backend/hooks.py),
  exactly like the core areas in backend/api/;
- `backend/tasks/*.py` declare Celery tasks with `backend.tasks.task`; the Celery app
  imports them, so the worker runs them;
- `backend/models/*.py` each define `Base` (a SQLAlchemy DeclarativeBase) whose tables are
  created in the app database at start-up (`database()` gives that database);
- `variables:` in project.yml declares the project's settings (Settings.project_settings);
- `web/*.js` are pages of the web interface (backend/web: each an ES module exporting
  `title` and `render(main, route)`, routed at `#/<file name>`); `web_folders` gives them;
- any other module of `backend/` is a library: the folder is the package
  `rapydo_projects.<name>`, so an extending project imports what it extends.

The project is chosen by the `PROJECT` setting.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import yaml
from sqlalchemy import MetaData

from backend import hooks

PROJECTS_DIR = Path(__file__).resolve().parent.parent / "projects"
PROJECT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PROJECT_FILE = "project.yml"
# The package every project's backend/ folder is imported as: rapydo_projects.<name>.
PACKAGE = "rapydo_projects"
DATABASE_KEY = "rapydo.project_db"


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


def model_modules(project: str, projects_dir: Path = PROJECTS_DIR) -> list[ModuleType]:
    modules = _modules(project, "models", projects_dir)
    for module in modules:
        base = getattr(module, "Base", None)
        if not isinstance(getattr(base, "metadata", None), MetaData):
            raise RuntimeError(f"{module.__file__} must define Base, a SQLAlchemy DeclarativeBase")
    return modules


def web_folders(project: str, projects_dir: Path = PROJECTS_DIR) -> dict[str, Path]:
    """The chain's `web/` folders, root first (project name -> folder): the web interface
    (backend/web) serves them at /web/projects/<name>/ and routes their pages. Only the chain's:
    a project that is not loaded serves nothing."""
    return {member.name: member.path / "web" for member in chain(project, projects_dir)
            if (member.path / "web").is_dir()}


def declared_variables(project: str, projects_dir: Path = PROJECTS_DIR) -> dict:
    """Every variable the chain declares, the extending project's default winning."""
    merged: dict = {}
    for member in chain(project, projects_dir):
        merged.update(member.variables)
    return merged


class ProjectModelsExtension:
    """Creates the tables of the chain's `backend/models/*.py` in the app database (the
    users database, AUTH_DB) and keeps that database for `database()`."""

    def init_app(self, app, settings) -> None:
        from backend.auth.db import Database  # not at import time: settings import this module

        db = Database(settings.auth_db)
        modules = model_modules(settings.project, settings.projects_dir)
        if modules:
            with db.schema_lock() as session:
                for module in modules:
                    module.Base.metadata.create_all(session.connection())
            db.dispose()  # no connection across uWSGI's fork
        app.extensions[DATABASE_KEY] = db


def database(app=None):
    """The app database (a backend.auth.db.Database) for the projects' models."""
    from flask import current_app

    return (app or current_app).extensions[DATABASE_KEY]


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
    found = []
    for member in chain(project, projects_dir):
        _bind_package(member)
        found += [importlib.import_module(f"{PACKAGE}.{member.name}.{kind}.{path.stem}")
                  for path in sorted((member.path / "backend" / kind).glob("*.py"))
                  if path.name != "__init__.py"]
    return found


def _bind_package(member: Project) -> None:
    """Make `projects/<name>/backend/` the package `rapydo_projects.<name>`.

    So a project's modules import each other, and an extending project imports the code
    of the project it extends (`from rapydo_projects.b2stage.pids import pid_service`).
    Its folders need no `__init__.py`: the packages are made here. Bound to another
    folder before (tests use several projects dirs), the package and its modules are
    dropped first, so that nothing of the other folder's code survives.
    """
    _package(PACKAGE, None)
    name = f"{PACKAGE}.{member.name}"
    folder = member.path / "backend"
    bound = sys.modules.get(name)
    if bound is not None and list(bound.__path__) == [str(folder)]:
        return
    for loaded in [key for key in sys.modules if key == name or key.startswith(name + ".")]:
        del sys.modules[loaded]
    importlib.invalidate_caches()
    _package(name, folder)


def _package(name: str, folder: Path | None) -> ModuleType:
    """The package `name` searching `folder` (none: the empty namespace); its `__init__.py`,
    if it has one, runs."""
    if name in sys.modules:
        return sys.modules[name]
    init = folder / "__init__.py" if folder is not None else None
    if init is not None and init.is_file():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
    else:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)] if folder is not None else []
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if folder is not None:
        setattr(sys.modules[PACKAGE], name.rsplit(".", 1)[1], module)
    if spec.loader is not None:
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return module
