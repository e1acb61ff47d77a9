"""`rapydo`: deploy the API. Layers in (controller.config), an engine out (controller.local_engine).

    rapydo [--project-dir DIR] [--data-dir DIR] [--env KEY=VALUE ...] start|stop|restart|status|logs|version

`start` takes the current configuration and records the deployment it started
(controller.deployment); the other commands act on that recorded deployment (its port, data
directory, processes), say so when the configuration differs, and `restart` applies it.

Exit codes: 0 success (also `stop` when nothing runs), 1 failure, 2 usage or
configuration error; `status`: 3 when the API is not running (as LSB init scripts do),
1 when it runs but does not answer 200 or the deployment's worker is not ready.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

import click

from controller import commands, deployment, logs as log_files, password_commands, scaffold_commands
from controller import compose_commands, sandbox

from controller.config import Config, ConfigError, load_config, parse_assignments
from controller.deployment import Recorded
from controller.local_engine import AlreadyRunning, EngineError, LocalEngine, Status

DEPLOYMENT_FILE = "rapydo.yml"
NOT_RUNNING = 3
NOT_HEALTHY = 1


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
        self._announced = False

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

    def recorded(self) -> Recorded | None:
        """The deployment `rapydo start` recorded that this command acts on (controller.deployment)."""
        return deployment.find(self.config)

    def engine(self, *, recorded: bool = True, announce: bool = True) -> LocalEngine:
        """The recorded deployment's engine (saying how it differs from the configuration,
        unless `announce` is false), or with `recorded=False` or before any start the
        current configuration's."""
        config = self.config
        if config.engine != "local":
            raise click.UsageError(f"this command is for the local engine; with engine {config.engine!r} "
                                   f"use `rapydo compose ...`")
        record = self.recorded() if recorded else None
        if record is None:
            return LocalEngine(config.project_dir, config.variables)
        if announce:
            self._announce(record)
        return LocalEngine(config.project_dir, deployment.variables_for(record, config))

    def running_or_next(self) -> tuple[LocalEngine, Status]:
        """The recorded deployment while it runs, else the one `start` would start now."""
        engine = self.engine(announce=False)
        state = engine.status()
        if state.running:
            return self.engine(), state
        engine = self.engine(recorded=False)
        return engine, engine.status()

    def _announce(self, record: Recorded) -> None:
        differing = deployment.differences(record, self.config)
        if not differing or self._announced:
            return
        self._announced = True
        shown = "; ".join(f"{name} {commands.masked(name, was, set()) or '(empty)'} there, "
                          f"configured {commands.masked(name, now, set()) or '(empty)'}"
                          for name, was, now in differing)
        click.echo(f"Note: acting on the deployment started {record.started} (recorded in {record.path}), "
                   f"which differs from the current configuration: {shown}. "
                   f"`rapydo restart` applies the configuration.", err=True)


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
    """Start the API and the Celery worker in the background and wait until they answer
    (at most START_TIMEOUT seconds; then stop what it started). When the recorded
    deployment's API runs but its worker does not, start the worker alone."""
    commands.validate_or_exit(context.config)
    if delegated_to_compose(context, "start"):
        return
    engine, current = context.running_or_next()
    if current.running:
        if current.worker is None or current.worker.running:
            fail(f"the API is already running (pid {current.pid}) at {current.url}")
        start_worker(engine)
        return
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
    deployment.write(context.config.project_dir, engine.data_dir, engine.env)
    click.echo(f"API:  {started.url}  (docs: {started.url}/api/docs)")
    click.echo(f"Logs: {started.log_file}")
    if started.worker_pid is not None:
        click.echo(f"Worker: pid {started.worker_pid}  (logs: {engine.worker_log_file})")
        if note := jobs_note(context.config.variables):
            click.secho(note, fg="yellow")
    if started.admin_password is not None:
        click.echo(f"Administrator: {started.admin_user}  password: {started.admin_password}")
        click.echo("  (shown only this once: store it now)")
    else:
        click.echo(f"Administrator: {started.admin_user} (password: ADMIN_PASSWORD, "
                   f"or the one printed at the first start)")


def jobs_note(variables: dict) -> str | None:
    """What to tell whoever just started a deployment whose jobs cannot run sandboxed here."""
    usable, said = sandbox.check(variables)
    if usable:
        return None
    return (f"Jobs: refused until their sandbox works: {said}. The data API works meanwhile; "
            "JOB_SANDBOX=none runs jobs unsandboxed, as the worker (trusted workflows only).")


def start_worker(engine: LocalEngine) -> None:
    click.echo(f"The API runs at {engine.url} but its worker does not: starting the worker ", nl=False)
    try:
        pid = engine.start_worker(progress=lambda: click.echo(".", nl=False))
    except EngineError as exc:
        click.echo()
        fail(exc.message, exc.log_tail, engine.worker_log_file)
    click.echo(" ready")
    click.echo(f"Worker: pid {pid}  (logs: {engine.worker_log_file})")


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
@click.argument("process", type=click.Choice(["api", "worker", "all"]), default="api")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines (Ctrl-C to stop).")
@click.option("--tail", "-n", type=click.IntRange(min=0), metavar="N",
              help="Start from the last N lines of each log (default: the whole log).")
@pass_context
def logs(context: Context, process: str, follow: bool, tail: int | None):
    """Print the log of the API (default), of the worker, or both (`all`, each under its name)."""
    engine = context.engine()
    paths = {"api": [engine.log_file], "worker": [engine.worker_log_file],
             "all": [engine.log_file, engine.worker_log_file]}[process]
    if not follow and not any(path.exists() for path in paths):
        fail(f"no log yet at {' or '.join(map(str, paths))}")
    log_files.show(paths, tail=tail, follow=follow, echo=lambda text: click.echo(text, nl=False))


@rapydo.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_context
def status(context: Context, as_json: bool):
    """Tell whether the API runs, where, and what /api/status says (exit 0 only when the API
    answers 200 and the deployment's worker is ready; 3 when the API is not running)."""
    if delegated_to_compose(context, "status"):
        return
    engine = context.engine()
    state = engine.status()
    if as_json:
        click.echo(json.dumps({
            "running": state.running, "url": state.url, "data_dir": str(engine.data_dir),
            "pid": state.pid, "pids": list(state.pids),
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
        click.echo(f"not running  ({state.url} when started; data in {engine.data_dir})")
    if state.worker is not None and not as_json:
        worker = state.worker
        click.echo(f"worker   running  pid {worker.pid} ({len(worker.pids) - 1} pool processes)  {worker.health}"
                   if worker.running else "worker   not running")
    if not state.running:
        sys.exit(NOT_RUNNING)
    if not state.health.ok or (state.worker is not None and state.worker.health != "ready"):
        sys.exit(NOT_HEALTHY)


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
password_commands.register(rapydo)
compose_commands.register(rapydo)


def main() -> None:
    rapydo(prog_name="rapydo")


if __name__ == "__main__":
    main()
