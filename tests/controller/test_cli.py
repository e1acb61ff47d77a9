"""The CLI's surface, in-process through click's runner (no process is started here)."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from controller.cli import rapydo
from tests.live import ROOT

COMMANDS = ("start", "stop", "status", "logs", "password", "version")


@pytest.mark.parametrize("args", [(), *((command,) for command in COMMANDS)])
def test_help_everywhere(args):
    result = CliRunner().invoke(rapydo, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: rapydo" in result.output


def test_version():
    assert CliRunner().invoke(rapydo, ["version"]).output.startswith("rapydo-irods ")
    assert CliRunner().invoke(rapydo, ["--version"]).output.startswith("rapydo-irods ")


def test_a_malformed_env_option_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(rapydo, ["--project-dir", str(ROOT), "--data-dir", str(tmp_path),
                                         "--env", "lowercase=1", "status"])
    assert result.exit_code == 2
    assert "KEY=VALUE" in result.output


def test_status_of_a_deployment_never_started(tmp_path):
    result = CliRunner().invoke(rapydo, ["--project-dir", str(ROOT), "--data-dir", str(tmp_path / "data"),
                                         "status"])
    assert result.exit_code == 3  # the LSB code for "not running"
    assert "not running" in result.output
    assert not (tmp_path / "data").exists()  # asking creates nothing


def test_the_controller_never_imports_the_backend():
    code = ("import sys, controller.cli, controller.config, controller.local_engine, controller.health; "
            "leaked = sorted(name for name in sys.modules if name == 'backend' or name.startswith('backend.')); "
            "assert not leaked, leaked")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_start_says_when_jobs_will_be_refused_for_want_of_a_sandbox(monkeypatch, tmp_path):
    """A fresh machine without bubblewrap: the deployment starts, and says what jobs lack."""
    from controller.cli import jobs_note

    assert jobs_note({"JOB_SANDBOX": "none"}) is None
    assert jobs_note({"JOB_SANDBOX": "bwrap"}) is None  # tests.services up installs bubblewrap
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap, setpriv or prlimit to be found
    note = jobs_note({"JOB_SANDBOX": "bwrap"})
    assert note.startswith("Jobs: refused until their sandbox works: bubblewrap")
    assert "JOB_SANDBOX=none" in note
