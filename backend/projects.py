"""A community project's code, found in `projects/<project>/backend/`.

- `endpoints/*.py` each define `register(api)`, exactly like the core areas in
  backend/api/, so a project endpoint is registered, secured and documented in the
  OpenAPI spec like a core one;
- `tasks/*.py` declare Celery tasks with `backend.tasks.task`; the Celery app
  imports them, so the worker runs them.

The project is chosen by the `PROJECT` setting. (Inheritance between projects and
shadowing checks come with the community-projects issue.)
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

PROJECTS_DIR = Path(__file__).resolve().parent.parent / "projects"
PROJECT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def endpoint_modules(project: str, projects_dir: Path = PROJECTS_DIR) -> list[ModuleType]:
    modules = _modules(project, "endpoints", projects_dir)
    for module in modules:
        if not callable(getattr(module, "register", None)):
            raise RuntimeError(f"{module.__file__} must define register(api)")
    return modules


def task_modules(project: str, projects_dir: Path = PROJECTS_DIR) -> list[ModuleType]:
    return _modules(project, "tasks", projects_dir)


def _modules(project: str, kind: str, projects_dir: Path) -> list[ModuleType]:
    if not PROJECT_NAME.match(project):
        raise ValueError(f"invalid project name {project!r}")
    folder = projects_dir / project / "backend" / kind
    return [_load(f"rapydo_projects.{project}.{kind}.{path.stem}", path)
            for path in sorted(folder.glob("*.py")) if path.name != "__init__.py"]


def _load(name: str, path: Path) -> ModuleType:
    # Loaded by path under a private name: projects are folders, not installed packages.
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
