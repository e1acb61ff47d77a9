"""`rapydo dump`, `rapydo ssl` and `rapydo compose <command>` (the compose engine, controller/compose.py).

The services to run come from `controller.services.active_services(config)`; `--services`
replaces that set (a comma-separated list). `rapydo compose ...` and `rapydo ssl` need
`engine: compose`; `rapydo dump` renders for any engine. Every command exits with the code
of docker compose; 1 when docker compose cannot be found or the deployment cannot be rendered.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from controller import compose
from controller.config import ConfigError

SERVICES_OPTION = click.option(
    "--services", "services", metavar="A,B,...",
    help="Run exactly these services instead of those the configuration switches on.")


def active(config, services: str | None) -> set[str]:
    if services:
        return {name.strip() for name in services.split(",") if name.strip()}
    try:
        from controller.services import active_services  # provided by controller/services.py
    except ImportError:
        raise click.UsageError("controller.services is not available: pass --services A,B,...") from None
    return set(active_services(config))


def engine(context, services: str | None) -> compose.ComposeEngine:
    config = context.config
    if config.engine != "compose":
        raise click.UsageError(f"this deployment uses engine {config.engine!r}: set `engine: compose` "
                               f"in rapydo.yml to drive docker compose")
    return compose.ComposeEngine(config.project_dir, config, active(config, services))


def run(action) -> None:
    try:
        code = action()
    except (compose.ComposeError, ConfigError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    sys.exit(code)


def register(group: click.Group) -> None:
    @group.command()
    @SERVICES_OPTION
    @click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
                  help="Write docker-compose.yml and .env (0600) into this directory instead of printing.")
    @click.pass_obj
    def dump(context, services, output):
        """Print the merged docker-compose file (or write it with its .env)."""
        config = context.config
        try:
            if output is None:
                document, _ = compose.render(config, active(config, services))
                click.echo(compose.dump(document), nl=False)
                return
            output.mkdir(parents=True, exist_ok=True)
            for path in compose.write_files(config, active(config, services), output):
                click.echo(f"wrote {path}")
        except (compose.ComposeError, ConfigError) as exc:
            raise click.ClickException(str(exc)) from None

    @group.command()
    @SERVICES_OPTION
    @click.option("--email", help="Contact address for Let's Encrypt (expiry notices).")
    @click.option("--staging", is_flag=True,
                  help="Use Let's Encrypt's staging server (untrusted certificates, generous limits): "
                       "try it first.")
    @click.pass_obj
    def ssl(context, services, email, staging):
        """Obtain a TLS certificate for the hostname with certbot, in the running proxy.

        Production with engine: compose only. The domain is `hostname` from the configuration;
        it must resolve to this host and port 80 must reach the proxy (HTTP-01 challenge).
        Run it again to renew. Until then the proxy serves a self-signed certificate."""
        deployment = engine(context, services)
        run(lambda: deployment.ssl(email=email, staging=staging))

    @group.group(name="compose")
    def compose_group():
        """Drive docker compose for an `engine: compose` deployment (files rendered first)."""

    @compose_group.command()
    @SERVICES_OPTION
    @click.option("--build", is_flag=True, help="Build the images before starting.")
    @click.pass_obj
    def start(context, services, build):
        """Start the services in the background (docker compose up --detach)."""
        deployment = engine(context, services)
        run(lambda: deployment.start(build=build))

    @compose_group.command()
    @SERVICES_OPTION
    @click.pass_obj
    def stop(context, services):
        """Stop the services, keeping their containers."""
        deployment = engine(context, services)
        run(deployment.stop)

    @compose_group.command()
    @SERVICES_OPTION
    @click.pass_obj
    def status(context, services):
        """List the containers and their state (docker compose ps)."""
        deployment = engine(context, services)
        run(deployment.status)

    @compose_group.command()
    @SERVICES_OPTION
    @click.option("--follow", "-f", is_flag=True, help="Keep printing new lines.")
    @click.argument("service", required=False)
    @click.pass_obj
    def logs(context, services, follow, service):
        """Print the logs of every service, or of SERVICE."""
        deployment = engine(context, services)
        run(lambda: deployment.logs(service, follow=follow))

    @compose_group.command()
    @SERVICES_OPTION
    @click.option("--command", "command", default="sh", show_default=True, help="What to run.")
    @click.argument("service")
    @click.pass_obj
    def shell(context, services, command, service):
        """Open a shell (or run --command) in a running SERVICE."""
        deployment = engine(context, services)
        run(lambda: deployment.shell(service, command.split()))

    @compose_group.command()
    @SERVICES_OPTION
    @click.option("--volumes", is_flag=True, help="Also delete the named volumes: every stored datum.")
    @click.pass_obj
    def remove(context, services, volumes):
        """Stop and remove the containers and networks (docker compose down)."""
        deployment = engine(context, services)
        run(lambda: deployment.remove(volumes=volumes))

    @compose_group.command()
    @SERVICES_OPTION
    @click.argument("assignment", metavar="SERVICE=N")
    @click.pass_obj
    def scale(context, services, assignment):
        """Run N containers of SERVICE (e.g. celery=4)."""
        service, _, replicas = assignment.partition("=")
        if not service or not replicas.isdigit():
            raise click.UsageError(f"expected SERVICE=N, got {assignment!r}")
        deployment = engine(context, services)
        run(lambda: deployment.scale(service, int(replicas)))

    @compose_group.command()
    @SERVICES_OPTION
    @click.argument("service", required=False)
    @click.pass_obj
    def restart(context, services, service):
        """Restart every service, or SERVICE."""
        deployment = engine(context, services)
        run(lambda: deployment.restart(service))

    @compose_group.command()
    @SERVICES_OPTION
    @click.pass_obj
    def pull(context, services):
        """Pull the services' images."""
        deployment = engine(context, services)
        run(deployment.pull)

    @compose_group.command()
    @SERVICES_OPTION
    @click.pass_obj
    def build(context, services):
        """Build the images built here (backend; the production proxy)."""
        deployment = engine(context, services)
        run(deployment.build)
