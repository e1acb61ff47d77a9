"""`rapydo create` and `rapydo add endpoint|task|model`: a new community project starts, serves
its generated endpoint, runs its generated task on a worker, keeps rows in its generated table
and passes its own generated tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid

import psutil
import pytest
import requests

from tests.live import ADMIN_PASSWORD, ROOT, free_port, project_copy

RAPYDO = [sys.executable, "-m", "controller"]


def rapydo(*args, check=True, project_dir=ROOT):
    result = subprocess.run([*RAPYDO, "--project-dir", str(project_dir), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=180)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def project():
    """A fresh project name; its folder under projects/ is removed afterwards."""
    name = f"demo_{uuid.uuid4().hex[:8]}"
    yield name
    shutil.rmtree(ROOT / "projects" / name, ignore_errors=True)


def test_create_then_start_serves_the_generated_endpoint(project, tmp_path):
    created = rapydo("create", project)
    assert "project.yml" in created.stdout
    env = ["--env", f"PROJECT={project}", "--env", f"API_PORT={free_port()}",
           "--env", f"ADMIN_PASSWORD={ADMIN_PASSWORD}", "--env", "PASSWORD_TIME_COST=1",
           "--data-dir", str(tmp_path / "data")]
    # `start` records the deployment in its project directory: a copy, not the checkout.
    deployment = project_copy(tmp_path / "project")
    started = rapydo(*env, "start", project_dir=deployment)
    url = next(word for line in started.stdout.splitlines() if line.startswith("API:")
               for word in line.split() if word.startswith("http"))
    pids = set()
    try:
        pid = int((tmp_path / "data" / "run" / "api.pid").read_text().strip())
        pids = {pid} | {child.pid for child in psutil.Process(pid).children(recursive=True)}
        token = requests.post(url + "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                              timeout=30).json()["token"]
        answer = requests.get(f"{url}/api/{project}/hello", headers={"Authorization": f"Bearer {token}"},
                              timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"project": project, "endpoint": "hello", "user": "admin"}
    finally:
        rapydo(*env, "stop", project_dir=deployment)
    assert not [pid for pid in pids if psutil.pid_exists(pid) and
                psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


def test_the_generated_project_passes_its_own_tests(project):
    rapydo("create", project)
    rapydo("add", "endpoint", "samples", "--project", project)
    rapydo("add", "task", "crunch", "--project", project)
    rapydo("add", "model", "sample", "--project", project)
    assert (ROOT / "projects" / project / "backend" / "models" / "sample.py").exists()
    assert (ROOT / "projects" / project / "backend" / "endpoints" / "samples.py").exists()
    assert (ROOT / "projects" / project / "backend" / "tasks" / "crunch.py").exists()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             f"projects/{project}/tests"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "4 passed" in result.stdout


def test_scaffolding_refuses_bad_names_and_overwrites(project):
    assert rapydo("create", "Bad-Name", check=False).returncode != 0
    rapydo("create", project)
    again = rapydo("create", project, check=False)
    assert again.returncode != 0 and "exists already" in again.stderr
    assert rapydo("add", "endpoint", "hello", "--project", project, check=False).returncode != 0
    assert rapydo("add", "endpoint", "x", "--project", "no_such_project", check=False).returncode != 0
    assert rapydo("add", "task", "Bad-Task", "--project", project, check=False).returncode != 0
