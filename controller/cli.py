"""`rapydo`: deploy the API. Layers in (controller.config), an engine out (controller.local_engine).

    rapydo [--project-dir DIR] [--data-dir DIR] [--env KEY=VALUE ...] start|stop|restart|status|logs|version

Exit codes: 0 success (also `stop` when nothing runs), 1 failure, 2 usage or
configuration error, 3 `status` when the API is not running (as LSB init scripts do).
"""

from __future__ import annotations

import json
import sys
import time
from importlib import metadata
from pathlib import Path

import click

from controller import commands, scaffold_commands
from controller import compose_commands

from controller.config import Config, ConfigError, load_config, parse_assignments
from controller.local_engine import AlreadyRunning, EngineError, LocalEngine

DEPLOYMENT_FILE = "rapydo.yml"
NOT_RUNNING = 3


def find_project_dir(start: Path) -> Path:
    """The nearest directory holding rapydo.yml, from `start` upwards; else the
    checkout this controller was installed from (editable install)."""
    for directory in (start, *start.parents):
        if (directory / DEPLOYMENT_FILE).is_file():
            return directory
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / DEPLOYMENT_FILE).is_file():
        return checkout
    raise click.UsageError(f"no {DEPLOYMENT_FILE} in {start} or above: run rapydo inside a deployment "
                           f"or pass --project-dir")


def version_string() -> str:
    try:
        return f"rapydo-irods {metadata.version('rapydo-irods')}"
    except metadata.PackageNotFoundError:
        return "rapydo-irods (not installed)"


class Context:
    """What every command needs: the merged configuration and the engine it selects."""

    def __init__(self, project_dir: Path | None, data_dir: Path | None, assignments: tuple[str, ...]):
        self._project_dir, self._data_dir, self._assignments = project_dir, data_dir, assignments
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            project_dir = self._project_dir or find_project_dir(Path.cwd())
            try:
                overrides = parse_assignments(self._assignments)
                if self._data_dir is not None:
                    overrides["DATA_DIR"] = str(self._data_dir)
                self._config = load_config(project_dir, overrides=overrides)
            except ConfigError as exc:
                raise click.UsageError(str(exc)) from None
        return self._config

    def engine(self) -> LocalEngine:
        config = self.config
        if config.engine != "local":
            raise click.UsageError(f"this command is for the local engine; with engine {config.engine!r} "
                                   f"use `rapydo compose ...`")
        return LocalEngine(config.project_dir, config.variables)


pass_context = click.make_pass_decorator(Context)
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Deployment directory (holds rapydo.yml). Default: found from the current directory up.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the local engine keeps data, logs and pid files (sets DATA_DIR).")
@click.option("--env", "-e", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Set a variable for this command, above every configuration layer. Repeatable.")
@click.version_option(message="%(version)s", version=version_string(), prog_name="rapydo")
@click.pass_context
def rapydo(ctx: click.Context, project_dir, data_dir, assignments):
    """Deploy and operate the RAPyDo iRODS data API."""
    ctx.obj = Context(
        project_dir.resolve() if project_dir else None,
        data_dir.resolve() if data_dir else None,
        assignments,
    )


def delegated_to_compose(context: Context, name: str) -> bool:
    """With `engine: compose`, the commands both engines share drive docker compose
    (`rapydo compose <name>`, the configured services); True when it did."""
    if context.config.engine != "compose":
        return False
    click.get_current_context().invoke(rapydo.commands["compose"].commands[name])
    return True


@rapydo.command()
@pass_context
def start(context: Context):
    """Start the API and the Celery worker in the background and wait until they answer."""
    commands.validate_or_exit(context.config)
    if delegated_to_compose(context, "start"):
        return
    engine = context.engine()
    current = engine.status()
    if current.running:
        fail(f"the API is already running (pid {current.pid}) at {current.url}")
    click.echo(f"Starting the API ({context.config.project}, {context.config.mode}) on {engine.url} ", nl=False)
    try:
        started = engine.start(progress=lambda: click.echo(".", nl=False))
    except AlreadyRunning as exc:  # started by someone else meanwhile
        click.echo()
        fail(exc.message)
    except EngineError as exc:
        click.echo()
        fail(exc.message, exc.log_tail, engine.log_file)
    click.echo(" ready")
    click.echo(f"API:  {started.url}  (docs: {started.url}/api/docs)")
    click.echo(f"Logs: {started.log_file}")
    if started.worker_pid is not None:
        click.echo(f"Worker: pid {started.worker_pid}  (logs: {engine.worker_log_file})")
    if started.admin_password is not None:
        click.echo(f"Administrator: {started.admin_user}  password: {started.admin_password}")
        click.echo("  (shown only this once: store it now)")
    else:
        click.echo(f"Administrator: {started.admin_user} (password: ADMIN_PASSWORD, "
                   f"or the one printed at the first start)")


@rapydo.command()
@pass_context
def stop(context: Context):
    """Stop the API and every one of its processes."""
    if delegated_to_compose(context, "stop"):
        return
    engine = context.engine()
    try:
        stopped = engine.stop()
    except (EngineError, RuntimeError) as exc:
        fail(str(exc))
    if stopped is None:
        click.echo("The API is not running.")
    else:
        click.echo(f"Stopped the API (pid {stopped.pid}, {len(stopped.pids)} processes).")
        if stopped.worker_pids:
            click.echo(f"Stopped the worker (pid {stopped.worker_pids[0]}, {len(stopped.worker_pids)} processes).")


@rapydo.command()
@click.pass_context
def restart(ctx: click.Context):
    """Stop the API and the worker if they run, then start them."""
    if delegated_to_compose(ctx.obj, "restart"):
        return
    ctx.invoke(stop)
    ctx.invoke(start)


@rapydo.command()
@click.argument("process", type=click.Choice(["api", "worker"]), default="api")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines (Ctrl-C to stop).")
@pass_context
def logs(context: Context, process: str, follow: bool):
    """Print the log of the API (default) or of the worker."""
    engine = context.engine()
    path = engine.log_file if process == "api" else engine.worker_log_file
    if not path.exists() and not follow:
        fail(f"no log yet at {path}")
    position = 0
    while True:
        if path.exists():
            with open(path, "rb") as log:
                log.seek(position)
                chunk = log.read()
                position = log.tell()
            if chunk:
                click.echo(chunk.decode("utf-8", "replace"), nl=False)
        if not follow:
            return
        time.sleep(0.5)


@rapydo.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_context
def status(context: Context, as_json: bool):
    """Tell whether the API runs, where, and what /api/status says."""
    if delegated_to_compose(context, "status"):
        return
    engine = context.engine()
    state = engine.status()
    if as_json:
        click.echo(json.dumps({
            "running": state.running, "url": state.url, "pid": state.pid, "pids": list(state.pids),
            "http_status": state.health.code if state.health else None,
            "health": state.health.body if state.health else None,
            "worker": None if state.worker is None else {
                "running": state.worker.running, "pid": state.worker.pid, "pids": list(state.worker.pids),
                "health": state.worker.health},
        }, indent=2))
    elif state.running:
        click.echo(f"running  pid {state.pid} ({len(state.pids) - 1} workers)  {state.url}")
        click.echo(f"health   HTTP {state.health.code}" if state.health.code else
                   f"health   {state.health.describe()}")
        if state.health.body is not None:
            click.echo(json.dumps(state.health.body, indent=2))
        click.echo(f"logs     {state.log_file}")
    else:
        click.echo(f"not running  ({state.url} when started)")
    if state.worker is not None:
        worker = state.worker
        click.echo(f"worker   running  pid {worker.pid} ({len(worker.pids) - 1} pool processes)  {worker.health}"
                   if worker.running else "worker   not running")
    if not state.running:
        sys.exit(NOT_RUNNING)


@rapydo.command()
def version():
    """Print the version."""
    click.echo(version_string())


def fail(message: str, log_tail: str = "", log_file: Path | None = None):
    click.echo(f"Error: {message}", err=True)
    if log_tail:
        click.echo(f"--- last lines of {log_file} ---" if log_file else "--- log ---", err=True)
        click.echo(log_tail, err=True)
    sys.exit(1)


scaffold_commands.register(rapydo)
commands.register(rapydo)
compose_commands.register(rapydo)


def main() -> None:
    rapydo(prog_name="rapydo")


if __name__ == "__main__":
    main()
