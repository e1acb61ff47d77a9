"""The compose engine: rendered files validated by a real compose implementation, and the
command lines it runs (no Docker engine here: argv is tested, docker is never faked)."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from controller import compose
from controller.cli import rapydo
from controller.compose import ComposeEngine, ComposeError
from controller.config import load_config
from tests.controller.test_deployment_files import compose_command

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = {"backend", "celery", "flower", "rabbit", "postgres", "neo4j", "icat", "proxy"}
SERVICE_SETS = [
    {"backend"},
    {"backend", "celery", "rabbit"},
    {"backend", "postgres", "neo4j"},
    {"backend", "proxy"},
    EVERYTHING,
]


def deployment(tmp_path, mode="development", project="default", engine="compose", **overrides):
    """A hermetic copy of the deployment layers: the checkout's confs, base file and projects."""
    root = tmp_path / "deployment"
    if not root.exists():
        shutil.copytree(ROOT / "confs", root / "confs")
        shutil.copytree(ROOT / "projects" / "default", root / "projects" / "default",
                        ignore=shutil.ignore_patterns("docker-compose.yml"))
        shutil.copy(ROOT / "docker-compose.base.yml", root)
    (root / "rapydo.yml").write_text(f"project: {project}\nmode: {mode}\nengine: {engine}\n"
                                     f"hostname: data.example.org\n")
    return load_config(root, overrides=overrides, environ={}, host_file=False)


def validate(compose_file: Path, env_file: Path, quiet=True) -> str:
    result = subprocess.run([*compose_command(), "-f", str(compose_file), "--env-file", str(env_file),
                             "config", *(["-q"] if quiet else [])],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("mode", ["development", "production"])
@pytest.mark.parametrize("active", SERVICE_SETS, ids=lambda services: "+".join(sorted(services)))
def test_rendered_files_are_valid_compose_with_exactly_the_active_services(tmp_path, mode, active):
    config = deployment(tmp_path, mode)
    out = tmp_path / "out"
    out.mkdir()
    compose_file, env_file = compose.write_files(config, active, out)
    validate(compose_file, env_file)
    document = yaml.safe_load(compose_file.read_text())
    assert set(document["services"]) == active
    for service in document["services"].values():
        assert set(service.get("depends_on", {})) <= active
        assert not any(key.startswith("x-") for key in service)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_production_restarts_and_checks_every_service_and_only_the_proxy_publishes(tmp_path):
    document, env = compose.render(deployment(tmp_path, "production"), EVERYTHING)
    for name, service in document["services"].items():
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name
        assert ("ports" in service) == (name == "proxy"), name
    proxy = document["services"]["proxy"]
    assert {port.rsplit(":", 1)[1] for port in proxy["ports"]} == {"80", "443"}
    assert any(volume.endswith(":/etc/letsencrypt") for volume in proxy["volumes"])
    assert "letsencrypt" in document["volumes"]
    assert proxy["depends_on"] == {"backend": {"condition": "service_healthy"}}
    assert "/api/status" in str(document["services"]["backend"]["healthcheck"]["test"])
    assert "pg_isready" in str(document["services"]["postgres"]["healthcheck"]["test"])
    assert env["DOMAIN"] == "data.example.org"


def test_development_publishes_the_backend_and_mounts_its_source(tmp_path):
    config = deployment(tmp_path)
    document, env = compose.render(config, EVERYTHING)
    backend = document["services"]["backend"]
    assert backend["ports"] == ["127.0.0.1:${API_PORT:-8080}:8080"]
    assert f"{config.project_dir / 'backend'}:/app/backend:ro" in backend["volumes"]
    assert backend["build"]["context"] == str(config.project_dir)  # absolute: works from anywhere
    published = {name for name, service in document["services"].items() if service.get("ports")}
    assert published >= {"backend", "flower", "rabbit", "postgres", "neo4j", "icat"}
    assert env["API_PORT"] == "8080"


def test_env_holds_the_variables_and_the_compose_file_only_refers_to_them(tmp_path):
    secret = "s3cr$t 'quoted' #x\\y"
    config = deployment(tmp_path, JWT_SECRET=secret, POSTGRES_PASSWORD="p@ss/word")
    out = tmp_path / "out"
    out.mkdir()
    compose_file, env_file = compose.write_files(config, {"backend", "postgres", "icat"}, out)
    assert secret not in compose_file.read_text()
    rendered = yaml.safe_load(validate(compose_file, env_file, quiet=False))
    environment = rendered["services"]["backend"]["environment"]
    assert environment["JWT_SECRET"].replace("$$", "$") == secret
    assert environment["AUTH_DB_URL"] == "postgresql+psycopg://rapydo:p%40ss%2Fword@postgres:5432/rapydo"
    assert environment["IRODS_HOST"] == "icat"  # not the local engine's localhost
    assert environment["CELERY_BROKER_URL"] == ""  # no rabbit: nothing invented


def test_project_overlays_merge_along_the_extends_chain(tmp_path):
    config = deployment(tmp_path)
    projects = config.project_dir / "projects"
    (projects / "default" / "docker-compose.yml").write_text(
        "services:\n  backend:\n    environment:\n      FROM_DEFAULT: 'yes'\n      TARGET: default\n")
    (projects / "ocean").mkdir()
    (projects / "ocean" / "project.yml").write_text("extends: default\n")
    (projects / "ocean" / "docker-compose.yml").write_text(
        "services:\n"
        "  backend:\n    environment:\n      TARGET: ocean\n"
        "  icat: null\n"  # an external iRODS: the service is gone, requirements on it dropped
        "  celery:\n    depends_on: [rabbit, icat]\n"
        "  thredds:\n    image: unidata/thredds-docker:5.5\n    depends_on: [backend]\n")
    config = deployment(tmp_path, project="ocean")
    assert compose.project_overlays(config.project_dir, "ocean") == [
        projects / "default" / "docker-compose.yml", projects / "ocean" / "docker-compose.yml"]
    active = {"backend", "celery", "rabbit", "thredds"}
    document, _ = compose.render(config, active)
    assert set(document["services"]) == active
    environment = document["services"]["backend"]["environment"]
    assert environment["FROM_DEFAULT"] == "yes" and environment["TARGET"] == "ocean"
    assert set(document["services"]["celery"]["depends_on"]) == {"rabbit"}
    with pytest.raises(ComposeError, match="unknown service.*icat"):
        compose.render(config, active | {"icat"})
    out = tmp_path / "out"
    out.mkdir()
    validate(*compose.write_files(config, active, out))


def test_the_backend_containers_get_the_project_chains_settings(tmp_path):
    config = deployment(tmp_path)
    projects = config.project_dir / "projects"
    for name, document in (("base", "variables: {PIDS: false, PID_PREFIX: '21.T1'}\n"),
                           ("ocean", "extends: base\nvariables: {ORDER_EXPIRY: 3600}\n")):
        (projects / name).mkdir()
        (projects / name / "project.yml").write_text(document)
    (projects / "ocean" / "docker-compose.yml").write_text(
        "services:\n  celery:\n    environment: [PIDS=always]\n")
    config = deployment(tmp_path, project="ocean", PIDS="true")
    active = {"backend", "celery", "rabbit"}
    document, env = compose.render(config, active)
    backend = document["services"]["backend"]["environment"]
    assert {name: backend[name] for name in ("PIDS", "PID_PREFIX", "ORDER_EXPIRY")} == {
        "PIDS": "${PIDS}", "PID_PREFIX": "${PID_PREFIX}", "ORDER_EXPIRY": "${ORDER_EXPIRY}"}
    assert (env["PIDS"], env["PID_PREFIX"], env["ORDER_EXPIRY"]) == ("true", "21.T1", "3600")
    # What an overlay sets is kept (a list overlay replaces the base's environment).
    assert document["services"]["celery"]["environment"] == {
        "PIDS": "always", "PID_PREFIX": "${PID_PREFIX}", "ORDER_EXPIRY": "${ORDER_EXPIRY}"}
    assert "PIDS" not in document["services"]["rabbit"].get("environment", {})
    out = tmp_path / "out"
    out.mkdir()
    rendered = yaml.safe_load(validate(*compose.write_files(config, active, out), quiet=False))
    assert rendered["services"]["backend"]["environment"]["PID_PREFIX"] == "21.T1"


@pytest.mark.parametrize("mode", ["development", "production"])
def test_the_shipped_seadata_project_renders_a_valid_deployment(tmp_path, mode):
    # seadata extends b2stage: both projects' settings reach the backend's containers.
    config = deployment(tmp_path, mode)
    for name in ("b2stage", "seadata"):
        shutil.copytree(ROOT / "projects" / name, config.project_dir / "projects" / name,
                        ignore=shutil.ignore_patterns("tests", "__pycache__"))
    config = deployment(tmp_path, mode, project="seadata")
    out = tmp_path / "out"
    out.mkdir()
    rendered = yaml.safe_load(validate(*compose.write_files(config, EVERYTHING, out), quiet=False))
    for service in ("backend", "celery"):
        environment = rendered["services"][service]["environment"]
        assert environment["PROJECT"] == "seadata"
        assert environment["PID_PREFIX"] == "21.T12995" and environment["SEADATA_ORDER_EXPIRY"] == "604800"


def test_requiring_a_service_that_is_switched_off_is_an_error(tmp_path):
    config = deployment(tmp_path)
    with pytest.raises(ComposeError, match="'celery' requires 'rabbit'"):
        compose.render(config, {"backend", "celery"})
    with pytest.raises(ComposeError, match="'proxy' requires 'backend'"):
        compose.render(deployment(tmp_path, "production"), {"proxy"})
    with pytest.raises(ComposeError, match="unknown service.*rabbitmq"):
        compose.render(config, {"backend", "rabbitmq"})


def test_rendering_leaves_the_configuration_untouched(tmp_path):
    config = deployment(tmp_path)
    before = yaml.safe_dump(dict(config.raw)), dict(config.variables)
    compose.render(config, EVERYTHING)
    assert (yaml.safe_dump(dict(config.raw)), dict(config.variables)) == before


# --- command lines ---------------------------------------------------------------------------

def test_argv_binds_every_command_to_the_rendered_files(tmp_path):
    prefix = ["docker", "compose", "--project-directory", str(tmp_path), "-f",
              str(tmp_path / "docker-compose.yml"), "--env-file", str(tmp_path / ".env"), "-p", "rapydo-x"]
    assert compose.argv(["docker", "compose"], tmp_path, "rapydo-x", ["ps"]) == [*prefix, "ps"]
    assert compose.argv(["docker-compose"], tmp_path, "rapydo-x", ["ps"])[:2] == ["docker-compose",
                                                                                 "--project-directory"]


@pytest.mark.parametrize("command, expected", [
    (compose.up(), ["up", "--detach", "--remove-orphans"]),
    (compose.up(build=True), ["up", "--detach", "--remove-orphans", "--build"]),
    (compose.logs(), ["logs"]),
    (compose.logs("celery", follow=True), ["logs", "--follow", "celery"]),
    (compose.shell("backend"), ["exec", "backend", "sh"]),
    (compose.shell("postgres", ["psql", "-U", "rapydo"]), ["exec", "postgres", "psql", "-U", "rapydo"]),
    (compose.down(), ["down", "--remove-orphans"]),
    (compose.down(volumes=True), ["down", "--remove-orphans", "--volumes"]),
    (compose.scale("celery", 4), ["up", "--detach", "--no-deps", "--scale", "celery=4", "celery"]),
])
def test_command_builders(command, expected):
    assert command == expected


def test_certbot_runs_in_the_proxy_then_nginx_reloads():
    command = compose.certbot("data.example.org", "ops@example.org", staging=True)
    assert command[:4] == ["exec", "proxy", "sh", "-c"]
    script = command[4]
    assert script.startswith("certbot certonly --webroot --webroot-path /var/www/certbot --cert-name rapydo "
                             "--domain data.example.org ")
    assert "--email ops@example.org" in script and "--staging" in script
    assert script.endswith("&& rapydo-certificate && nginx -s reload")
    assert "--register-unsafely-without-email" in compose.certbot("h.example.org")[4]
    assert "'a b; rm -rf /'" in compose.certbot("a b; rm -rf /")[4]  # quoted, never interpreted


def test_engine_methods_build_their_command_lines(tmp_path):
    config = deployment(tmp_path, "production")
    engine = ComposeEngine(config.project_dir, config, EVERYTHING, compose=["docker-compose"])
    assert engine.argv(["ps"])[-3:] == ["-p", "rapydo-default", "ps"]
    with pytest.raises(ComposeError, match="needs the proxy"):
        ComposeEngine(config.project_dir, config, {"backend"}, compose=["docker"]).ssl()
    development = deployment(tmp_path)
    with pytest.raises(ComposeError, match="production"):
        ComposeEngine(development.project_dir, development, EVERYTHING, compose=["docker"]).ssl()


def test_a_missing_docker_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(ComposeError, match="neither `docker compose` nor `docker-compose`"):
        compose.detect_compose(which=lambda name: None)
    config = deployment(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = CliRunner().invoke(rapydo, ["--project-dir", str(config.project_dir), "compose", "start",
                                         "--services", "backend"])
    assert result.exit_code == 1
    assert "neither `docker compose` nor `docker-compose` was found" in result.output
    assert not (config.project_dir / "docker-compose.yml").exists()  # nothing rendered for nothing


@pytest.mark.parametrize("command", ["start", "stop", "status", "restart"])
def test_shared_commands_drive_compose_when_the_engine_is_compose(tmp_path, monkeypatch, command):
    # No docker on PATH: only the compose engine would complain about docker, the local
    # engine would start uWSGI.
    config = deployment(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = CliRunner().invoke(rapydo, ["--project-dir", str(config.project_dir), command])
    assert result.exit_code == 1, result.output
    assert "neither `docker compose` nor `docker-compose` was found" in result.output


def test_local_only_commands_point_a_compose_deployment_to_rapydo_compose(tmp_path):
    config = deployment(tmp_path)
    result = CliRunner().invoke(rapydo, ["--project-dir", str(config.project_dir), "logs"])
    assert result.exit_code == 2
    assert "rapydo compose" in result.output


def test_compose_commands_refuse_a_local_deployment(tmp_path):
    config = deployment(tmp_path, engine="local")
    result = CliRunner().invoke(rapydo, ["--project-dir", str(config.project_dir), "compose", "status",
                                         "--services", "backend"])
    assert result.exit_code == 2
    assert "engine: compose" in result.output


def test_dump_prints_or_writes_the_merged_file(tmp_path):
    config = deployment(tmp_path, "production")
    args = ["--project-dir", str(config.project_dir), "dump", "--services", "backend,proxy"]
    result = CliRunner().invoke(rapydo, args)
    assert result.exit_code == 0, result.output
    assert set(yaml.safe_load(result.output)["services"]) == {"backend", "proxy"}
    result = CliRunner().invoke(rapydo, [*args, "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "docker-compose.yml").is_file() and (tmp_path / "out" / ".env").is_file()
    result = CliRunner().invoke(rapydo, [*args[:-1], "backend,nosuch"])
    assert result.exit_code == 1 and "unknown service" in result.output


def test_the_controller_still_never_imports_the_backend():
    code = ("import sys, controller.cli, controller.compose, controller.compose_commands; "
            "leaked = sorted(name for name in sys.modules if name == 'backend' or name.startswith('backend.')); "
            "assert not leaked, leaked")
    result = subprocess.run([os.sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_dump_takes_the_active_services_from_the_configuration(tmp_path):
    config = deployment(tmp_path)
    with open(config.project_dir / "rapydo.yml", "a") as deployment_file:
        deployment_file.write("services:\n  celery: true\n")
    result = CliRunner().invoke(rapydo, ["--project-dir", str(config.project_dir), "dump"])
    assert result.exit_code == 0, result.output
    services = set(yaml.safe_load(result.output)["services"])
    assert {"backend", "celery", "rabbit"} <= services  # celery requires rabbit
    assert "neo4j" not in services


def test_the_stack_runs_the_neo4j_the_tests_run_against(tmp_path):
    """Same version as tests/services/neo4j_launcher/pom.xml, same settings as its launcher."""
    import xml.etree.ElementTree as ElementTree

    pom = ElementTree.parse(ROOT / "tests" / "services" / "neo4j_launcher" / "pom.xml")
    tested = pom.find("{http://maven.apache.org/POM/4.0.0}properties/{http://maven.apache.org/POM/4.0.0}neo4j.version").text
    config = deployment(tmp_path, "production")
    out = tmp_path / "out"
    out.mkdir()
    compose_file, env_file = compose.write_files(config, {"backend", "neo4j"}, out)
    neo4j = yaml.safe_load(validate(compose_file, env_file, quiet=False))["services"]["neo4j"]

    assert neo4j["image"] == f"neo4j:{tested}-community"
    launcher = (ROOT / "tests" / "services" / "neo4j_launcher" / "Neo4jLauncher.java").read_text()
    assert "auth_enabled, true" in launcher and "EncryptionLevel.DISABLED" in launcher
    assert neo4j["environment"]["NEO4J_server_bolt_tls__level"] == "DISABLED"
    assert neo4j["environment"]["NEO4J_dbms_usage__report_enabled"] == "false"
    assert "udc_enabled, false" in launcher
    assert neo4j["environment"]["NEO4J_AUTH"].startswith("neo4j/")


@pytest.mark.parametrize("mode", ["development", "production"])
def test_the_worker_may_build_its_job_sandbox_and_gains_no_privilege(tmp_path, mode):
    """bubblewrap needs namespaces, mounts and a fresh /proc, which Docker's default
    filters forbid; lifting them must not come with capabilities or privileged mode."""
    config = deployment(tmp_path, mode)
    out = tmp_path / "out"
    out.mkdir()
    rendered = yaml.safe_load(validate(*compose.write_files(config, EVERYTHING, out), quiet=False))
    worker = rendered["services"]["celery"]
    assert set(worker["security_opt"]) == {"seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"}
    assert not worker.get("privileged") and not worker.get("cap_add")
    assert "security_opt" not in rendered["services"]["backend"]
