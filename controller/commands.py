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

import click

from controller import deployment, host_secrets, local_listing, sandbox
from controller.config import HOST_FILE, PROJECT_FILE, PROJECTS_DIR, ConfigError, read_layers, read_yaml
from controller.local_engine import LocalEngine, Status, uwsgi_binary
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


def prerequisites(config, engine: LocalEngine | None = None, state: Status | None = None
                  ) -> list[tuple[bool, str]]:
    """`(ok, description)` for each thing the chosen engine needs on this host; for the local
    engine, of `engine` (the running deployment, or the one `start` would start) in `state`."""
    checks = [(sys.version_info[:2] >= MIN_PYTHON,
               f"Python {sys.version.split()[0]} (needs >= {'.'.join(map(str, MIN_PYTHON))})")]
    if config.engine == "local":
        uwsgi = uwsgi_binary()
        checks.append((uwsgi.exists() and os.access(uwsgi, os.X_OK), f"uWSGI executable at {uwsgi}"))
        where = f"{engine.host}:{engine.port}"
        if state is not None and state.running:
            checks.append((True, f"API port {where} is this deployment's (running, pid {state.pid})"))
        else:
            checks.append((port_is_free(engine.host, engine.port), f"API port {where} is free"))
        checks.append((is_writable(engine.data_dir), f"DATA_DIR {engine.data_dir} is writable"))
        checks.append(sandbox.check(config.variables))  # jobs run here, in bubblewrap
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
    layer (.projectrc included) sets."""
    catalogue = load_catalogue(project_dir)
    files = merge_layers(*(layer.document for layer in read_layers(project_dir, environ={})))
    empty: dict[str, dict[str, str]] = {}
    for _, need in all_needs(catalogue):
        if need.secret and not (files.get(need.section) or {}).get(need.name):
            empty.setdefault(need.section, {})[need.name] = ""
    return empty


def has_run(context) -> tuple[bool, str]:
    """Whether the deployment this command acts on has run, and where that shows."""
    config = context.config
    if config.engine == "local":
        data_dir = context.engine().data_dir
        return deployment.has_run(data_dir), str(data_dir)
    # The compose engine's data lives in volumes: a rendered .env means it was deployed.
    env_file = config.project_dir / ".env"
    return env_file.exists(), f"the compose deployment ({env_file} exists)"


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
        engine, state = context.running_or_next() if config.engine == "local" else (None, None)
        for passed, description in prerequisites(config, engine, state):
            ok = ok and passed
            click.echo(f"{mark(passed)} {description}")
        click.echo(click.style("All checks passed.", fg="green") if ok else
                   click.style("Some checks failed.", fg="red"))
        sys.exit(0 if ok else 1)

    @group.command()
    @click.pass_obj
    def init(context):
        """Give every empty password or secret a random value in .projectrc (mode 0600).

        Values already set are kept. On a deployment that has run, JWT_SECRET and
        ADMIN_PASSWORD are not written: its state holds them (controller.host_secrets).
        `rapydo password NAME` changes any secret and applies it.
        """
        config = context.config
        ran, where = has_run(context)
        generated: dict[str, dict[str, str]] = {}
        held = []
        for section, names in empty_secrets(config.project_dir).items():
            for name in names:
                if ran and name in host_secrets.KEPT:
                    held.append(name)
                else:
                    generated.setdefault(section, {})[name] = secrets.token_urlsafe(24)
        path = config.project_dir / HOST_FILE
        if generated:
            host_secrets.write(config.project_dir, generated)
        count = sum(map(len, generated.values()))
        click.echo(f"Wrote {path} (mode 0600) with {count} generated secret(s):" if generated else
                   f"Nothing to generate: every secret is set in {path} or below.")
        for section, names in generated.items():
            for name in names:
                click.echo(f"  {section}.{name}")
        if held:
            click.echo(f"Not generated: {', '.join(held)}. {where} has run and keeps them (the administrator "
                       f"exists in its users database, its JWT secret in DATA_DIR); a value written now "
                       f"would be ignored or would silently invalidate every token.")
        click.echo("Values already set are kept; change one with `rapydo password NAME`.")

    @group.group("list")
    def list_group():
        """List services, variables or projects."""

    @list_group.command("services")
    @click.pass_obj
    def list_services(context):
        """What runs: with the local engine, its processes and what they use (embedded or
        external); with compose, each known service on or off, and why."""
        config = context.config
        try:
            catalogue = load_catalogue(config.project_dir)
            reasons = activation(config, catalogue)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        if config.engine == "local":
            engine, state = context.running_or_next()
            for line in local_listing.lines(engine, state, reasons, masked=lambda url: masked("URL", url, set())):
                click.echo(line)
            return
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
