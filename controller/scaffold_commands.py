"""The `create` and `add` commands (scaffolding in controller/scaffold.py)."""

from __future__ import annotations

import click

from controller.scaffold import ScaffoldError, add_endpoint, add_model, add_task, create_project


def _report(written, project: str) -> None:
    for path in written:
        click.echo(f"  {click.style('created', fg='green')} {path}")
    click.echo(f"Start it with `rapydo --env PROJECT={project} start` (or `project: {project}` in "
               f"rapydo.yml); test it with `.venv/bin/python -m pytest projects/{project}/tests`.")


def register(group: click.Group) -> None:
    @group.command()
    @click.argument("project")
    @click.pass_obj
    def create(context, project):
        """Create a community project in projects/PROJECT with a first endpoint and its test."""
        try:
            written = create_project(context.config.project_dir / "projects", project)
        except ScaffoldError as exc:
            raise click.ClickException(str(exc)) from None
        _report(written, project)

    @group.group()
    def add():
        """Add code to a project."""

    def adder(kind, scaffold, summary):
        @add.command(kind, help=summary)
        @click.argument("name")
        @click.option("--project", help="The project to add to (default: the configured one).")
        @click.pass_obj
        def command(context, name, project):
            project = project or context.config.project
            try:
                written = scaffold(context.config.project_dir / "projects", project, name)
            except ScaffoldError as exc:
                raise click.ClickException(str(exc)) from None
            _report(written, project)

    adder("endpoint", add_endpoint, "Add an endpoint GET /api/<project>/NAME with its test.")
    adder("task", add_task, "Add a Celery task <project>.NAME with a test that runs it on a worker.")
    adder("model", add_model, "Add a SQL table <project>_NAME (SQLAlchemy) with its test.")
