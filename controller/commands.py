"""`rapydo check`, `rapydo init` and `rapydo list services|env|projects`.

`register(group)` adds them to the `rapydo` group (controller/cli.py); they reach the merged
configuration through the group's context object (`ctx.obj.config`).
`report_problems` prints a ConfigurationError as a coloured table (used by `start` too).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from controller.config import HOST_FILE, PROJECT_FILE, PROJECTS_DIR, ConfigError, read_layers, read_yaml
from controller.local_engine import uwsgi_binary
from controller.merge import merge_layers
from controller.services import (
    BACKEND_SECTION, activation, all_needs, load_catalogue, values,
)
from controller.validation import ConfigurationError, format_problems, problems, validate

CONFIG_ERROR = 2
MIN_PYTHON = (3, 11)
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE_KEY)$")
URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)([^@\s]+)(@)")
MASK = "****"
COLOURS = {"problem": "red", "key": "yellow", "where": "cyan"}


def report_problems(error: ConfigurationError) -> None:
    """Print the problems of `error` as a table on stderr, then exit 2."""
    click.echo(click.style(f"The configuration has {len(error.problems)} problem(s):", fg="red", bold=True),
               err=True)
    click.echo(format_problems(error.problems, _style), err=True)
    sys.exit(CONFIG_ERROR)


def _style(text: str, column: str) -> str:
    return click.style(text, fg=COLOURS[column]) if column in COLOURS else text


def mark(ok: bool) -> str:
    return click.style("✓", fg="green") if ok else click.style("✗", fg="red")


def is_secret(name: str, secret_names: set[str]) -> bool:
    return name in secret_names or bool(SECRET_NAME.search(name))


def masked(name: str, value: str, secret_names: set[str]) -> str:
    if is_secret(name, secret_names):
        return MASK if value else ""
    return URL_PASSWORD.sub(rf"\g<1>{MASK}\g<3>", value)


def prerequisites(config) -> list[tuple[bool, str]]:
    """`(ok, description)` for each thing the chosen engine needs on this host."""
    checks = [(sys.version_info[:2] >= MIN_PYTHON,
               f"Python {sys.version.split()[0]} (needs >= {'.'.join(map(str, MIN_PYTHON))})")]
    if config.engine == "local":
        uwsgi = uwsgi_binary()
        checks.append((uwsgi.exists() and os.access(uwsgi, os.X_OK), f"uWSGI executable at {uwsgi}"))
        host, port = config.variables.get("API_HOST", "127.0.0.1"), config.variables.get("API_PORT", "8080")
        checks.append((port_is_free(host, int(port)), f"API port {host}:{port} is free"))
        checks.append((is_writable(config.data_dir), f"DATA_DIR {config.data_dir} is writable"))
    else:
        found = shutil.which("docker") or shutil.which("docker-compose")
        checks.append((found is not None, f"docker or docker-compose on PATH ({found or 'not found'})"))
    return checks


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def is_writable(directory: Path) -> bool:
    """`directory`, or its nearest existing parent (it would be created), is writable."""
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False


def empty_secrets(project_dir: Path) -> dict[str, dict[str, str]]:
    """section -> {name: ""} for every secret any known service declares that no file
    layer below .projectrc sets."""
    catalogue = load_catalogue(project_dir)
    below = merge_layers(*(layer.document for layer in read_layers(project_dir, environ={}, host_file=False)))
    empty: dict[str, dict[str, str]] = {}
    for _, need in all_needs(catalogue):
        if need.secret and not (below.get(need.section) or {}).get(need.name):
            empty.setdefault(need.section, {})[need.name] = ""
    return empty


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600), also when it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(text)


def register(group: click.Group) -> None:
    @group.command()
    @click.pass_obj
    def check(context):
        """Validate the configuration and this host's prerequisites (exit 0 if all pass, else 1)."""
        try:
            config = context.config
        except click.UsageError as exc:
            click.echo(f"{mark(False)} configuration loads: {exc.message}")
            sys.exit(1)
        ok = True
        click.echo(f"{mark(True)} configuration loads (project {config.project}, {config.mode}, "
                   f"engine {config.engine})")
        try:
            found = problems(config)
        except ConfigError as exc:
            found, ok = [], False
            click.echo(f"{mark(False)} service catalogue: {exc}")
        if found:
            ok = False
            click.echo(f"{mark(False)} configuration is valid: {len(found)} problem(s)")
            click.echo("    " + format_problems(found, _style).replace("\n", "\n    "))
        elif ok:
            active = ", ".join(sorted(activation(config))) or "none"
            click.echo(f"{mark(True)} configuration is valid (services: {active})")
        for passed, description in prerequisites(config):
            ok = ok and passed
            click.echo(f"{mark(passed)} {description}")
        click.echo(click.style("All checks passed.", fg="green") if ok else
                   click.style("Some checks failed.", fg="red"))
        sys.exit(0 if ok else 1)

    @group.command()
    @click.option("--force", is_flag=True, help=f"Replace the secrets of an existing {HOST_FILE}.")
    @click.pass_obj
    def init(context, force):
        """Write .projectrc with a random secret for every empty password or secret (mode 0600).

        Refuses to touch an existing .projectrc unless --force; then its other settings are
        kept and the generated secrets replaced.
        """
        config = context.config
        path = config.project_dir / HOST_FILE
        if path.exists() and not force:
            raise click.ClickException(f"{path} exists: pass --force to replace its secrets")
        document: dict[str, Any] = read_yaml(path, required=False) if path.exists() else {}
        generated = []
        for section, names in empty_secrets(config.project_dir).items():
            target = document.setdefault(section, {}) or {}
            document[section] = target
            for name in names:
                target[name] = secrets.token_urlsafe(24)
                generated.append(f"{section}.{name}")
        header = ("# Host layer: secrets and host-only settings (git-ignored, mode 0600).\n"
                  "# Written by `rapydo init`; same format as rapydo.yml.\n")
        write_private(path, header + yaml.safe_dump(document, sort_keys=True))
        click.echo(f"Wrote {path} (mode 0600) with {len(generated)} generated secret(s):")
        for name in generated:
            click.echo(f"  {name}")

    @group.group("list")
    def list_group():
        """List services, variables or projects."""

    @list_group.command("services")
    @click.pass_obj
    def list_services(context):
        """Each known service: on or off, and why."""
        config = context.config
        try:
            catalogue = load_catalogue(config.project_dir)
            reasons = activation(config, catalogue)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        width = max(map(len, catalogue))
        for name in catalogue:
            on = name in reasons
            state = click.style("on ", fg="green") if on else click.style("off", fg="bright_black")
            click.echo(f"{name.ljust(width)}  {state}  {reasons.get(name, 'switched off')}")

    @list_group.command("env")
    @click.pass_obj
    def list_env(context):
        """The merged variables (backend, then service containers); secrets shown as ****."""
        config = context.config
        try:
            secret_names = {need.name for _, need in all_needs(load_catalogue(config.project_dir))
                            if need.secret}
        except ConfigError:
            secret_names = set()
        current = values(config)
        service_names = set(config.raw.get("service_variables") or {})
        for title, names in ((BACKEND_SECTION, [n for n in config.variables]),
                             ("service_variables", sorted(service_names - set(config.variables)))):
            click.echo(click.style(f"{title}:", bold=True))
            for name in sorted(names):
                click.echo(f"  {name}={masked(name, current[name], secret_names)}")

    @list_group.command("projects")
    @click.pass_obj
    def list_projects(context):
        """Projects under projects/: name, title and the project each extends."""
        root = context.config.project_dir / PROJECTS_DIR
        chosen = context.config.project
        for path in sorted(root.glob(f"*/{PROJECT_FILE}")):
            try:
                document = read_yaml(path, required=True)
            except ConfigError as exc:
                click.echo(f"{path.parent.name}  (invalid: {exc})")
                continue
            name = path.parent.name
            marker = "*" if name == chosen else " "
            extends = f"  extends {document['extends']}" if document.get("extends") else ""
            click.echo(f"{marker} {name}  {document.get('title') or ''}{extends}")


def validate_or_exit(config) -> None:
    """Validate `config` (controller.validation); on problems print the table and exit 2."""
    try:
        validate(config)
    except ConfigurationError as error:
        report_problems(error)
