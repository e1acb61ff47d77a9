"""`rapydo create <project>` and `rapydo add endpoint|task|model <name>`: a community project's files.

Everything generated comes with a test that runs it against the real API, so a
new project starts from a passing test suite.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ScaffoldError(Exception):
    pass


def _check_name(kind: str, name: str) -> str:
    if not NAME.match(name):
        raise ScaffoldError(f"invalid {kind} name {name!r}: use lower case letters, digits and _,"
                            " starting with a letter")
    return name


def _render(template: str, **values: str) -> str:
    return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def _write_new(path: Path, content: str) -> Path:
    if path.exists():
        raise ScaffoldError(f"{path} exists already: not overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def create_project(projects_dir: Path, project: str) -> list[Path]:
    """projects/<project>/ with its project.yml and a first endpoint with its test."""
    _check_name("project", project)
    root = projects_dir / project
    if root.exists():
        raise ScaffoldError(f"the project {project} exists already ({root})")
    written = [_write_new(root / "project.yml",
                          _render("project.yml.tmpl", name=project, title=project.replace("_", " ").title()))]
    return written + add_endpoint(projects_dir, project, "hello")


def add_endpoint(projects_dir: Path, project: str, name: str) -> list[Path]:
    """backend/endpoints/<name>.py (GET /api/<project>/<name>) and its test."""
    return _add(projects_dir, project, "endpoint", name)


def add_task(projects_dir: Path, project: str, name: str) -> list[Path]:
    """backend/tasks/<name>.py (the Celery task <project>.<name>) and its test."""
    return _add(projects_dir, project, "task", name)


def add_model(projects_dir: Path, project: str, name: str) -> list[Path]:
    """backend/models/<name>.py (the table <project>_<name>) and its test."""
    return _add(projects_dir, project, "model", name)


def _add(projects_dir: Path, project: str, kind: str, name: str) -> list[Path]:
    _check_name("project", project)
    _check_name(kind, name)
    root = projects_dir / project
    if not (root / "project.yml").exists():
        raise ScaffoldError(f"no project {project}: create it with `rapydo create {project}`")
    values = {"project": project, "name": name,
              "cls": "".join(part.title() for part in name.split("_"))}
    return [
        _write_new(root / "backend" / f"{kind}s" / f"{name}.py", _render(f"{kind}.py.tmpl", **values)),
        _write_new(root / "tests" / f"test_{name}.py", _render(f"test_{kind}.py.tmpl", **values)),
    ]
