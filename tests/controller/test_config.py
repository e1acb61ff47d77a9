"""The configuration layers, on a throw-away deployment directory (hermetic: no real .projectrc)."""

from pathlib import Path

import pytest
import yaml

from controller.config import ConfigError, load_config, parse_assignments

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document))


@pytest.fixture
def deployment(tmp_path):
    write(tmp_path / "confs/defaults.yml", {
        "project": "default", "mode": "development", "engine": "local",
        "variables": {"DATA_DIR": "data", "API_PORT": 8080, "JWT_TTL": 60, "LAYER": "defaults",
                      "DEBUG": False, "SECRET": ""},
    })
    write(tmp_path / "projects/default/project.yml", {"variables": {"LAYER": "project"}})
    write(tmp_path / "rapydo.yml", {"project": "default", "mode": "development", "engine": "local"})
    return tmp_path


def load(directory, **kwargs):
    kwargs.setdefault("environ", {})
    return load_config(directory, **kwargs)


def test_layers_override_in_order(deployment):
    assert load(deployment).variables["LAYER"] == "project"
    write(deployment / "rapydo.yml", {"project": "default", "variables": {"LAYER": "deployment"}})
    assert load(deployment).variables["LAYER"] == "deployment"
    write(deployment / ".projectrc", {"variables": {"LAYER": "host"}})
    assert load(deployment).variables["LAYER"] == "host"
    assert load(deployment, host_file=False).variables["LAYER"] == "deployment"
    assert load(deployment, environ={"LAYER": "environment"}).variables["LAYER"] == "environment"
    config = load(deployment, environ={"LAYER": "environment"}, overrides={"LAYER": "option"})
    assert config.variables["LAYER"] == "option"


def test_environment_overrides_declared_variables_only(deployment):
    config = load(deployment, environ={"JWT_TTL": "5", "UNDECLARED": "x", "PATH": "/bin"})
    assert config.variables["JWT_TTL"] == "5"
    assert "UNDECLARED" not in config.variables and "PATH" not in config.variables
    assert load(deployment, overrides={"UNDECLARED": "x"}).variables["UNDECLARED"] == "x"


def test_null_in_a_higher_layer_deletes_a_variable(deployment):
    write(deployment / ".projectrc", {"variables": {"JWT_TTL": None}})
    assert "JWT_TTL" not in load(deployment).variables


def test_values_become_environment_strings(deployment):
    variables = load(deployment).variables
    assert variables["API_PORT"] == "8080"
    assert variables["DEBUG"] == "false"
    assert variables["SECRET"] == ""
    assert variables["PROJECT"] == "default"


def test_data_dir_is_resolved_against_the_project_directory(deployment, tmp_path_factory):
    assert load(deployment).variables["DATA_DIR"] == str(deployment.resolve() / "data")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert load(deployment, overrides={"DATA_DIR": str(elsewhere)}).data_dir == elsewhere.resolve()


def test_a_project_is_chosen_by_the_deployment_and_may_extend_another(deployment):
    write(deployment / "projects/genomics/project.yml",
          {"extends": "default", "title": "Genomics", "variables": {"JWT_TTL": 120}})
    write(deployment / "rapydo.yml", {"project": "genomics"})
    config = load(deployment)
    assert config.project == "genomics"
    assert config.variables["LAYER"] == "project"  # from the extended project
    assert config.variables["JWT_TTL"] == "120"
    assert config.variables["PROJECT"] == "genomics"
    assert config.raw["title"] == "Genomics" and "extends" not in config.raw


@pytest.mark.parametrize("document, message", [
    ({"project": "nowhere"}, "unknown project"),
    ({"project": "../etc"}, "invalid project name"),
    ({"mode": "staging"}, "mode must be"),
    ({"engine": "kubernetes"}, "engine must be"),
    ({"variables": {"lower": 1}}, "invalid variable name"),
    ({"variables": {"LIST": [1, 2]}}, "must be a string"),
    ({"variables": {"DATA_DIR": None}}, "DATA_DIR must be set"),
])
def test_invalid_configurations_are_refused(deployment, document, message):
    write(deployment / "rapydo.yml", document)
    with pytest.raises(ConfigError, match=message):
        load(deployment)


def test_extends_cycles_are_refused(deployment):
    write(deployment / "projects/a/project.yml", {"extends": "b"})
    write(deployment / "projects/b/project.yml", {"extends": "a"})
    write(deployment / "rapydo.yml", {"project": "a"})
    with pytest.raises(ConfigError, match="extends itself"):
        load(deployment)


def test_invalid_yaml_names_the_file(deployment):
    (deployment / ".projectrc").write_text("variables: [unclosed")
    with pytest.raises(ConfigError, match=r"\.projectrc"):
        load(deployment)


def test_env_assignments():
    assert parse_assignments(["A=1", "B=", "C=x=y"]) == {"A": "1", "B": "", "C": "x=y"}
    for wrong in (["A"], ["a=1"], ["=1"]):
        with pytest.raises(ConfigError):
            parse_assignments(wrong)


def test_the_repository_configuration_loads():
    config = load(ROOT, host_file=False)
    assert (config.project, config.engine) == ("default", "local")
    assert config.variables["API_PORT"] == "8080"
    assert config.data_dir == ROOT / "data"


def test_every_backend_setting_is_declared_in_the_framework_defaults():
    """The environment layer only overrides declared variables: an undeclared setting
    could not be set from the environment."""
    from backend.settings import Settings

    declared = yaml.safe_load((ROOT / "confs/defaults.yml").read_text())["variables"]
    undeclared = sorted(name.upper() for name in Settings.model_fields
                        if name.upper() not in declared and name != "project")
    assert not undeclared, f"declare these settings in confs/defaults.yml: {undeclared}"
