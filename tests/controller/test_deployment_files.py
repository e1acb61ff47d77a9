"""The deployment-layer files: valid YAML, the expected services, and valid compose."""

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"backend", "celery", "flower", "rabbit", "postgres", "neo4j", "icat", "proxy"}


def compose_command() -> list[str]:
    """A compose implementation to validate with; fails in CI (which installs Debian's
    docker-compose) and skips elsewhere when there is none."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"],
                                                 capture_output=True).returncode == 0:
        return ["docker", "compose"]
    message = "no docker-compose or docker compose to validate with"
    if os.environ.get("CI"):
        pytest.fail(message + ": .ci/run installs Debian's docker-compose package")
    pytest.skip(message)


def test_the_base_compose_file_declares_every_service():
    document = yaml.safe_load((ROOT / "docker-compose.base.yml").read_text())
    assert set(document["services"]) == SERVICES
    backend_env = document["services"]["backend"]["environment"]
    defaults = yaml.safe_load((ROOT / "confs/defaults.yml").read_text())["variables"]
    # Same names in both engines; only the local engine's own settings are missing.
    assert set(defaults) - set(backend_env) == {"API_HOST", "START_TIMEOUT"}


def test_the_base_compose_file_is_valid_compose():
    command = compose_command()
    result = subprocess.run([*command, "-f", "docker-compose.base.yml", "config", "-q"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_uwsgi_ini_streams_uploads_and_stops_on_sigterm():
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.read(ROOT / "confs/uwsgi.ini")
    uwsgi = parser["uwsgi"]
    assert uwsgi["module"] == "backend.wsgi:app"
    assert uwsgi["post-buffering"] == "0" and uwsgi["harakiri"] == "0"
    assert uwsgi["lazy-apps"] == uwsgi["die-on-term"] == uwsgi["need-app"] == uwsgi["master"] == "true"
    assert "http-socket" not in uwsgi  # the caller binds


def test_the_dockerfile_runs_uwsgi_with_the_shared_ini():
    dockerfile = (ROOT / "confs/backend.Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile
    assert '"uwsgi", "--ini", "/app/confs/uwsgi.ini"' in dockerfile
