"""Layer precedence, unknown keys, missing values and weak passwords, on throw-away copies of
the real framework files (hermetic: no real .projectrc, no process environment)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from controller.cli import rapydo
from controller.config import ConfigError, load_config
from controller.services import load_catalogue
from controller.validation import (
    ConfigurationError, Problem, format_problems, invalid_values, problems, validate, weakness,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET_VARIABLES = ("JWT_SECRET", "ADMIN_PASSWORD", "IRODS_PASSWORD", "NEO4J_PASSWORD",
                    "POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "FLOWER_PASSWORD")
STRONG = "k3Rv9-tQ2xLp_77aZ"


def write(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document))


def read(path: Path):
    return yaml.safe_load(path.read_text())


@pytest.fixture
def deployment(tmp_path) -> Path:
    """A deployment directory holding copies of the repository's framework files."""
    for name in ("confs/defaults.yml", "docker-compose.base.yml", "rapydo.yml",
                 "projects/default/project.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def load(directory: Path, **kwargs):
    kwargs.setdefault("environ", {})
    return load_config(directory, **kwargs)


def set_layer(path: Path, **keys) -> None:
    document = read(path) if path.exists() else {}
    write(path, {**(document or {}), **keys})


def kinds(found):
    return {(problem.kind, problem.subject, problem.where) for problem in found}


# --- precedence ---------------------------------------------------------------------------

def add_parent_project(deployment: Path) -> None:
    write(deployment / "projects/base/project.yml", {"title": "Base"})
    set_layer(deployment / "projects/default/project.yml", extends="base")


def test_every_layer_overrides_the_ones_below_for_variables(deployment):
    add_parent_project(deployment)
    parent, child = deployment / "projects/base/project.yml", deployment / "projects/default/project.yml"
    steps = [
        (lambda: None, "86400"),  # defaults
        (lambda: set_layer(parent, variables={"JWT_TTL": 1}), "1"),
        (lambda: set_layer(child, variables={"JWT_TTL": 2}), "2"),
        (lambda: set_layer(deployment / "rapydo.yml", variables={"JWT_TTL": 3}), "3"),
        (lambda: set_layer(deployment / ".projectrc", variables={"JWT_TTL": 4}), "4"),
    ]
    for change, expected in steps:
        change()
        assert load(deployment).variables["JWT_TTL"] == expected
    assert load(deployment, environ={"JWT_TTL": "5"}).variables["JWT_TTL"] == "5"
    assert load(deployment, environ={"JWT_TTL": "5"}, overrides={"JWT_TTL": "6"}).variables["JWT_TTL"] == "6"


def test_every_file_layer_merges_nested_maps_and_replaces_lists(deployment):
    add_parent_project(deployment)
    defaults = read(deployment / "confs/defaults.yml")
    write(deployment / "confs/defaults.yml",
          {**defaults, "extra": {"nested": {"a": "defaults", "b": "defaults"}, "tags": ["d1", "d2"]}})
    layers = [deployment / "projects/base/project.yml", deployment / "projects/default/project.yml",
              deployment / "rapydo.yml", deployment / ".projectrc"]
    for index, path in enumerate(layers):
        set_layer(path, extra={"nested": {"a": path.as_posix()}, "tags": [str(index)]})
        config = load(deployment)
        assert config.raw["extra"] == {"nested": {"a": path.as_posix(), "b": "defaults"}, "tags": [str(index)]}
        assert problems(config) == []


def test_the_environment_sets_service_variables_and_backend_variables(deployment):
    config = load(deployment, environ={"POSTGRES_PASSWORD": "from-env", "UNDECLARED": "x"},
                  overrides={"RABBITMQ_PASSWORD": "from-option"})
    assert config.raw["service_variables"]["POSTGRES_PASSWORD"] == "from-env"
    assert config.raw["service_variables"]["RABBITMQ_PASSWORD"] == "from-option"
    assert "UNDECLARED" not in config.variables and "POSTGRES_PASSWORD" not in config.variables


def test_a_parent_project_lies_below_its_child(deployment):
    add_parent_project(deployment)
    set_layer(deployment / "projects/base/project.yml", variables={"JWT_TTL": 1, "CHUNK_SIZE": 7})
    set_layer(deployment / "projects/default/project.yml", variables={"JWT_TTL": 2})
    config = load(deployment)
    assert (config.variables["JWT_TTL"], config.variables["CHUNK_SIZE"]) == ("2", "7")
    assert [layer.source for layer in config.layers] == [
        "confs/defaults.yml", "projects/base/project.yml", "projects/default/project.yml", "rapydo.yml",
        ".projectrc"]


def test_an_extends_cycle_is_a_clear_error(deployment):
    write(deployment / "projects/base/project.yml", {"extends": "default"})
    set_layer(deployment / "projects/default/project.yml", extends="base")
    with pytest.raises(ConfigError, match="default -> base -> default"):
        load(deployment)


def test_extending_an_unknown_project_names_it(deployment):
    set_layer(deployment / "projects/default/project.yml", extends="nowhere")
    with pytest.raises(ConfigError, match="unknown project 'nowhere' \\(extended by 'default'\\)"):
        load(deployment)


# --- unknown keys -------------------------------------------------------------------------

def test_the_shipped_configuration_is_valid(deployment):
    assert problems(load(deployment)) == []


def test_unknown_keys_are_rejected_naming_the_layer(deployment):
    set_layer(deployment / "rapydo.yml", colour="blue")
    set_layer(deployment / ".projectrc", variables={"NOT_DECLARED": 1}, hostname="example.org")
    found = problems(load(deployment, overrides={"ALSO_NOT": "1"}))
    assert kinds(found) == {("unknown key", "colour", "rapydo.yml"),
                            ("unknown key", "variables.NOT_DECLARED", ".projectrc"),
                            ("unknown key", "variables.ALSO_NOT", "--env")}


def test_nested_unknown_keys_are_rejected(deployment):
    set_layer(deployment / ".projectrc", service_variables={"POSTGRES_PASWORD": "typo"})
    assert kinds(problems(load(deployment))) == {
        ("unknown key", "service_variables.POSTGRES_PASWORD", ".projectrc")}


def test_projects_may_declare_variables_that_higher_layers_then_set(deployment):
    set_layer(deployment / "projects/default/project.yml",
              variables={"GENOME_INDEX": "hg38"}, service_variables={"ELASTIC_PASSWORD": ""})
    set_layer(deployment / "rapydo.yml", variables={"GENOME_INDEX": "mm10"})
    config = load(deployment, overrides={"PROJECT": "default"})
    assert config.variables["GENOME_INDEX"] == "mm10"
    assert problems(config) == []


def test_projects_may_not_add_other_top_level_keys(deployment):
    set_layer(deployment / "projects/default/project.yml", endpoints=["x"])
    assert kinds(problems(load(deployment))) == {("unknown key", "endpoints", "projects/default/project.yml")}


def test_unknown_service_names_are_rejected(deployment):
    set_layer(deployment / "rapydo.yml", services={"elasticsearch": True})
    found = problems(load(deployment))
    assert [problem.kind for problem in found] == ["unknown service"]
    assert "elasticsearch" in found[0].detail


def test_mode_and_engine_are_checked(deployment):
    catalogue = load_catalogue(ROOT)
    found = invalid_values({"mode": "staging", "engine": "kubernetes", "services": {"backend": "yes"}}, catalogue)
    assert {problem.subject for problem in found} == {"mode", "engine", "services"}
    set_layer(deployment / "rapydo.yml", mode="staging")
    with pytest.raises(ConfigError, match="mode must be one of"):
        load(deployment)


# --- required values ----------------------------------------------------------------------

def test_every_missing_value_is_reported_at_once_with_its_service(deployment):
    set_layer(deployment / "rapydo.yml", services={"icat": True, "celery": True, "neo4j": True})
    config = load(deployment)
    with pytest.raises(ConfigurationError) as raised:
        validate(config)
    missing = {(p.service, p.subject, p.where) for p in raised.value.problems if p.kind == "missing"}
    assert missing == {
        ("icat", "IRODS_PASSWORD", ".projectrc -> variables.IRODS_PASSWORD"),
        ("rabbit", "RABBITMQ_PASSWORD", ".projectrc -> service_variables.RABBITMQ_PASSWORD"),
        ("neo4j", "NEO4J_PASSWORD", ".projectrc -> variables.NEO4J_PASSWORD"),
    }
    table = str(raised.value)
    assert table.splitlines()[0].split() == ["problem", "service", "key", "detail", "where"]
    assert "IRODS_PASSWORD" in table and "rabbit" in table


def test_values_of_switched_off_services_are_not_required(deployment):
    set_layer(deployment / "rapydo.yml", services={"icat": False})
    assert problems(load(deployment)) == []


# --- weak passwords -----------------------------------------------------------------------

@pytest.mark.parametrize("password", ["", "rods", "Password", "changeme", "short1", "irods_admin_x"])
def test_weak_passwords(password):
    assert weakness(password, user="irods_admin_x")


def test_a_long_random_password_is_not_weak():
    assert weakness(STRONG, user="rods") == ""


def test_a_weak_password_is_refused_in_production_and_accepted_in_development(deployment):
    set_layer(deployment / "rapydo.yml", services={"icat": True, "postgres": True})
    set_layer(deployment / ".projectrc", variables={"IRODS_PASSWORD": "rods"},
              service_variables={"POSTGRES_PASSWORD": STRONG})
    assert problems(load(deployment)) == []
    set_layer(deployment / "rapydo.yml", mode="production")
    found = problems(load(deployment))
    assert [(p.kind, p.subject, p.service) for p in found] == [("weak password", "IRODS_PASSWORD", "icat")]
    set_layer(deployment / ".projectrc", variables={"IRODS_PASSWORD": STRONG})
    assert problems(load(deployment)) == []


def test_a_password_equal_to_its_user_is_refused_in_production(deployment):
    set_layer(deployment / "rapydo.yml", mode="production", services={"postgres": True})
    set_layer(deployment / ".projectrc", service_variables={"POSTGRES_USER": "a-long-user-name",
                                                            "POSTGRES_PASSWORD": "a-long-user-name"})
    found = problems(load(deployment))
    assert [(p.subject, p.detail) for p in found] == [
        ("POSTGRES_PASSWORD", "equal to the user name (production mode)")]


def test_an_optional_secret_left_empty_is_accepted_in_production(deployment):
    set_layer(deployment / "rapydo.yml", mode="production")
    assert problems(load(deployment)) == []  # JWT_SECRET and ADMIN_PASSWORD are generated


def test_the_table_lists_one_row_per_problem():
    rows = [Problem("missing", "A_PASSWORD", "required by x (empty)", ".projectrc", "x"),
            Problem("unknown key", "colour", "not declared", "rapydo.yml")]
    lines = format_problems(rows).splitlines()
    assert len(lines) == 4 and lines[2].startswith("missing") and lines[3].split()[2] == "-"


# --- the CLI ------------------------------------------------------------------------------

def run(deployment: Path, *args):
    unset = {name: None for name in SECRET_VARIABLES}
    return CliRunner().invoke(rapydo, ["--project-dir", str(deployment), *args], env=unset)


def test_start_refuses_an_invalid_configuration_with_a_table_and_exit_2(deployment):
    set_layer(deployment / "rapydo.yml", services={"icat": True, "postgres": True}, colour="blue")
    result = run(deployment, "--data-dir", str(deployment / "data"), "start")
    assert result.exit_code == 2, result.output
    assert "3 problem(s)" in result.output
    for text in ("IRODS_PASSWORD", "POSTGRES_PASSWORD", "colour", "rapydo.yml"):
        assert text in result.output
    assert not (deployment / "data" / "run").exists()  # nothing was started
