"""`rapydo password NAME`: give a secret a new value, apply it, and say what that invalidates.

NAME is any secret a service declares (controller.services.NEEDS: JWT_SECRET, ADMIN_PASSWORD,
IRODS_PASSWORD, POSTGRES_PASSWORD, ...). The new value, random or typed (`--ask`), goes to
.projectrc; then, for the deployment the command acts on (controller.deployment):
- ADMIN_PASSWORD: the backend's own entry (`python -m backend.auth.admin_password`, the value on
  its stdin, the deployment's settings in its environment) changes the administrator's password
  in the users database, whether the API runs or not; a deployment that never ran creates the
  administrator with it at its first start;
- a backend setting read at start (JWT_SECRET, IRODS_PASSWORD, ...): a running local deployment
  restarts with it, every other value as recorded;
- a service container's password (POSTGRES_PASSWORD, ...): the local engine runs no such
  container; the compose engine passes it on at its next start.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

import click

from controller import deployment, host_secrets
from controller.local_engine import EngineError, LocalEngine
from controller.services import BACKEND_SECTION

ADMIN_ENTRY = "backend.auth.admin_password"
ENTRY_TIMEOUT = 300


def register(group: click.Group) -> None:
    @group.command()
    @click.argument("name")
    @click.option("--ask", is_flag=True, help="Type the new value (hidden, twice) instead of a random one.")
    @click.pass_obj
    def password(context, name, ask):
        """Give the secret NAME a new value in .projectrc and apply it.

        NAME: JWT_SECRET, ADMIN_PASSWORD or another declared secret (`rapydo list env` masks
        them). The value is random unless --ask. ADMIN_PASSWORD is changed in the users
        database; JWT_SECRET and the backend's other secrets restart a running deployment.
        Prints what the change invalidates.
        """
        config = context.config
        declared = host_secrets.declared(config.project_dir)
        if name not in declared:
            raise click.UsageError(f"{name} is not a declared secret; one of: {', '.join(sorted(declared))}")
        service, need = declared[name]
        value = (click.prompt(f"New {name}", hide_input=True, confirmation_prompt=True) if ask
                 else secrets.token_urlsafe(24))
        path = host_secrets.write(config.project_dir, {need.section: {name: value}})
        click.echo(f"Wrote a new {name} to {path}.")
        for source in host_secrets.overriding(config, need.section, name):
            click.echo(f"Warning: {name} is also set by {source} for this command; it overrides {path} "
                       f"at every start while it is set there.", err=True)
        rotation = host_secrets.rotation(name, service, need)
        if config.engine == "local" and need.section == BACKEND_SECTION:
            apply_locally(context, name, value, rotation.restart)
        elif config.engine == "compose" and name == "ADMIN_PASSWORD":
            click.echo(f"With the compose engine, set it in the users database too: `docker compose exec -T "
                       f"backend python -m {ADMIN_ENTRY}` with the new value on its stdin.")
        elif config.engine == "compose" and rotation.restart:
            click.echo("Apply it with `rapydo compose restart`.")
        click.echo("What this changes:")
        for effect in rotation.effects:
            click.echo(f"  - {effect}")


def apply_locally(context, name: str, value: str, restart: bool) -> None:
    engine = context.engine()
    record = context.recorded()
    if name == "ADMIN_PASSWORD":
        set_admin_password(engine, value)
        if record is not None:
            deployment.update(record, {name: value})
    elif restart:
        restart_with(context, engine, name, value)


def set_admin_password(engine: LocalEngine, value: str) -> None:
    if not deployment.has_run(engine.data_dir):
        click.echo(f"The deployment in {engine.data_dir} has not run yet: its first start creates the "
                   f"administrator with this password.")
        return
    result = subprocess.run([sys.executable, "-m", ADMIN_ENTRY], input=value + "\n", text=True,
                            capture_output=True, cwd=engine.project_dir, timeout=ENTRY_TIMEOUT,
                            env={**engine.backend_environment(), "ADMIN_PASSWORD": value})
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise click.ClickException(f"the users database was not changed: {lines[-1] if lines else 'no reason given'} "
                                   f"(.projectrc already holds the new value; run the command again)")
    click.echo(result.stdout.strip())


def restart_with(context, engine: LocalEngine, name: str, value: str) -> None:
    if not engine.status().running:
        click.echo(f"The deployment in {engine.data_dir} is not running: its next start uses the new {name}.")
        return
    changed = LocalEngine(engine.project_dir, {**engine.env, name: value})
    click.echo(f"Restarting the deployment at {changed.url} with the new {name} ", nl=False)
    try:
        changed.stop()
        changed.start(progress=lambda: click.echo(".", nl=False))
    except (EngineError, RuntimeError) as exc:
        click.echo()
        raise click.ClickException(f"{getattr(exc, 'message', exc)} (see {changed.log_file}; "
                                   f"`rapydo start` starts it with the current configuration)") from None
    click.echo(" done: restarted")
    deployment.write(context.config.project_dir, changed.data_dir, changed.env)
