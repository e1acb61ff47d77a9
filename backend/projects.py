"""A community project's endpoints, found in `projects/<project>/backend/endpoints/`.

Each module there defines `register(api)`, exactly like the core areas in
backend/api/, so a project endpoint is registered, secured and documented in the
OpenAPI spec like a core one. The project is chosen by the `PROJECT` setting.
(Inheritance between projects, tasks and shadowing checks come with the
community-projects issue.)
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
    if not PROJECT_NAME.match(project):
        raise ValueError(f"invalid project name {project!r}")
    folder = projects_dir / project / "backend" / "endpoints"
    return [_load(project, path) for path in sorted(folder.glob("*.py")) if path.name != "__init__.py"]


def _load(project: str, path: Path) -> ModuleType:
    # Loaded by path under a private name: projects are folders, not installed packages.
    name = f"rapydo_projects.{project.replace('-', '_')}.endpoints.{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "register", None)):
        raise RuntimeError(f"{path} must define register(api)")
    return module
