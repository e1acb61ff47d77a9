"""`rapydo check`, `init` and `list ...` through click's CliRunner on throw-away deployments."""

from __future__ import annotations

import socket
import stat

import pytest
import yaml

from controller.validation import problems
from tests.live import free_port
from tests.controller.test_validation import (  # noqa: F401  (deployment is a fixture)
    STRONG, deployment, load, run, set_layer,
)

GENERATED = {
    "variables": {"JWT_SECRET", "ADMIN_PASSWORD", "IRODS_PASSWORD", "NEO4J_PASSWORD"},
    "service_variables": {"POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "FLOWER_PASSWORD"},
}


@pytest.mark.parametrize("command", [[], ["check"], ["init"], ["list"], ["list", "services"],
                                     ["list", "env"], ["list", "projects"]])
def test_every_command_has_help(command):
    result = run(".", *command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_init_writes_private_random_secrets(deployment):
    result = run(deployment, "init")
    assert result.exit_code == 0, result.output
    path = deployment / ".projectrc"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = yaml.safe_load(path.read_text())
    for section, names in GENERATED.items():
        assert set(document[section]) == names
        assert all(len(document[section][name]) >= 24 for name in names)
    every = [value for section in document.values() for value in section.values()]
    assert len(set(every)) == len(every)
    # Strong enough for production with every service on.
    set_layer(deployment / "rapydo.yml", mode="production",
              services={name: True for name in ("celery", "flower", "postgres", "neo4j", "icat", "proxy")})
    assert problems(load(deployment)) == []


def test_init_keeps_every_value_already_set(deployment):
    path = deployment / ".projectrc"
    path.write_text(yaml.safe_dump({"hostname": "data.example.org", "variables": {"JWT_SECRET": "mine"}}))
    first = run(deployment, "init")
    assert first.exit_code == 0, first.output
    document = yaml.safe_load(path.read_text())
    assert document["hostname"] == "data.example.org"
    assert document["variables"]["JWT_SECRET"] == "mine"
    assert len(document["variables"]["ADMIN_PASSWORD"]) >= 24  # a deployment that never ran uses it
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    again = run(deployment, "init")
    assert again.exit_code == 0, again.output
    assert "Nothing to generate" in again.output
    assert path.read_text() == before


def test_init_leaves_out_secrets_a_lower_layer_sets(deployment):
    set_layer(deployment / "rapydo.yml", variables={"NEO4J_PASSWORD": STRONG})
    assert run(deployment, "init").exit_code == 0
    document = yaml.safe_load((deployment / ".projectrc").read_text())
    assert "NEO4J_PASSWORD" not in document["variables"]


def test_list_services_says_what_is_on_and_why(deployment):
    set_layer(deployment / "rapydo.yml", engine="compose", services={"celery": True})
    result = run(deployment, "list", "services")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split(None, 2)[1:] for line in result.output.splitlines()}
    assert lines["backend"] == ["on", "switched on"]
    assert lines["celery"] == ["on", "switched on"]
    assert lines["rabbit"] == ["on", "needed by celery"]
    assert lines["neo4j"] == ["off", "switched off"]
    assert len(lines) == 8


def test_list_services_tells_what_the_local_engine_runs(deployment):
    set_layer(deployment / "rapydo.yml", services={"celery": True, "neo4j": True})
    set_layer(deployment / ".projectrc", variables={
        "CELERY_BROKER_URL": "amqp://rapydo:broker-secret@rabbit.example.org:5672//"})
    result = run(deployment, "--data-dir", str(deployment / "data"), "list", "services")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "uWSGI" in lines["api"] and "not running" in lines["api"]
    assert "Celery" in lines["worker"] and "not running" in lines["worker"]
    assert "RabbitMQ" in lines["broker"] and "rabbit.example.org" in lines["broker"]
    assert "broker-secret" not in result.output
    assert "embedded" in lines["storage"] and "embedded" in lines["provenance"]
    # The compose catalogue's containers are not claimed to run.
    assert "rabbit" not in lines and "postgres" not in lines
    assert "not run by the local engine: neo4j, rabbit" in result.output

    set_layer(deployment / ".projectrc", variables={})
    embedded = run(deployment, "--data-dir", str(deployment / "data"), "list", "services")
    assert f"kombu filesystem transport in {deployment / 'data'}/broker" in embedded.output


def test_list_env_masks_secrets(deployment):
    set_layer(deployment / ".projectrc", variables={"IRODS_PASSWORD": "irods-secret-value",
                                                    "AUTH_DB_URL": "postgresql://u:db-secret@db/x"},
              service_variables={"POSTGRES_PASSWORD": "pg-secret-value"})
    result = run(deployment, "list", "env")
    assert result.exit_code == 0, result.output
    assert "secret-value" not in result.output and "db-secret" not in result.output
    assert "IRODS_PASSWORD=****" in result.output and "POSTGRES_PASSWORD=****" in result.output
    assert "AUTH_DB_URL=postgresql://u:****@db/x" in result.output
    assert "PASSWORD_TIME_COST=3" in result.output and "JWT_SECRET=\n" in result.output


def test_list_projects_shows_titles_and_parents(deployment):
    set_layer(deployment / "projects/genomics/project.yml", title="Genomics", extends="default")
    result = run(deployment, "list", "projects")
    assert result.exit_code == 0, result.output
    assert "* default  RAPyDo iRODS" in result.output
    assert "  genomics  Genomics  extends default" in result.output


def test_check_passes_on_a_valid_deployment(deployment):
    result = run(deployment, "--data-dir", str(deployment / "data"), "--env", f"API_PORT={free_port()}", "check")
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output and result.output.count("✓") >= 5


def test_check_reports_problems_and_a_busy_port(deployment):
    set_layer(deployment / "rapydo.yml", services={"icat": True})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(deployment, "--data-dir", str(deployment / "data"), "--env", f"API_PORT={port}", "check")
    assert result.exit_code == 1, result.output
    assert "✗ configuration is valid: 1 problem(s)" in result.output
    assert "IRODS_PASSWORD" in result.output
    assert f"✗ API port 127.0.0.1:{port} is free" in result.output


def test_check_looks_for_docker_with_the_compose_engine(deployment):
    set_layer(deployment / "rapydo.yml", engine="compose")
    result = run(deployment, "check")
    assert "docker or docker-compose on PATH" in result.output
    assert "uWSGI" not in result.output
