"""Community projects in the backend: the `extends:` chain, explicit shadowing and
endpoints that exist only when a project setting is on, through create_app(Settings(...))
with the test-only projects of tests/projects/fixtures/."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sqlalchemy import create_engine, inspect

from backend import projects
from backend.app import create_app
from backend.settings import Settings
from tests.postgres import postgres_schema_url

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ADMIN_PASSWORD = "Projects-admin-2024!correct-horse"


def make_app(data_dir: Path, project: str, projects_dir: Path = FIXTURES, **values):
    return create_app(Settings(data_dir=data_dir, project=project, projects_dir=projects_dir,
                               admin_password=ADMIN_PASSWORD, password_time_cost=1, **values))


def spec_paths(client) -> dict:
    return client.get("/api/specs").get_json()["paths"]


def admin_headers(client) -> dict:
    answer = client.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def rules_of(app, url: str) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.rule == url]


def test_a_project_endpoint_is_served_secured_and_documented(tmp_path):
    client = make_app(tmp_path, "alpha").test_client()
    answer = client.get("/api/alpha/samples", headers=admin_headers(client))
    assert answer.status_code == 200
    assert answer.get_json() == {"project": "alpha", "user": "admin", "samples": []}
    assert client.get("/api/alpha/samples").status_code == 401
    paths = spec_paths(client)
    assert paths["/api/alpha/samples"]["get"]["summary"] == "The alpha project's samples"
    assert "/api/status" in paths and client.get("/api/status").status_code in (200, 503)


def test_an_extending_project_inherits_endpoints_and_tasks_root_first(tmp_path):
    assert [member.name for member in projects.chain("beta", FIXTURES)] == ["alpha", "beta"]
    app = make_app(tmp_path, "beta")
    client = app.test_client()
    # beta's endpoint answers with alpha's library code (rapydo_projects.alpha.naming).
    assert client.get("/api/beta/hello").get_json() == {"project": "beta", "library": "alpha"}
    assert client.get("/api/alpha/samples", headers=admin_headers(client)).status_code == 200
    assert {"/api/alpha/samples", "/api/beta/hello"} <= set(spec_paths(client))
    assert {"alpha.crunch", "beta.echo"} <= set(app.extensions["rapydo.celery"].tasks)


@pytest.fixture(params=["sqlite", "postgresql"])
def app_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.sqlite'}"
    else:
        yield from postgres_schema_url()


def test_a_project_model_gets_its_table_in_the_app_database(tmp_path, app_database):
    client = make_app(tmp_path / "data", "beta", auth_db_url=app_database).test_client()
    headers = admin_headers(client)
    for name in ("ctd-1", "ctd-2"):
        assert client.post("/api/alpha/samples", json={"name": name}, headers=headers).status_code == 201
    # A second start-up on the same database finds the table and the rows.
    again = make_app(tmp_path / "data", "beta", auth_db_url=app_database).test_client()
    answer = again.get("/api/alpha/samples", headers=admin_headers(again)).get_json()
    assert answer["samples"] == ["ctd-1", "ctd-2"]
    assert "alpha_samples" in inspect(create_engine(app_database)).get_table_names()


def test_projects_are_told_of_data_operations_and_cannot_fail_them(tmp_path):
    app = make_app(tmp_path, "beta")
    client = app.test_client()
    headers = admin_headers(client)
    home = "/api/data/tempZone/home/admin"
    assert client.put(f"{home}/a.txt", data=b"x", headers=headers).status_code == 201
    assert client.post("/api/move", json={"source": "/tempZone/home/admin/a.txt",
                                          "destination": "/tempZone/home/admin/b.txt"},
                       headers=headers).status_code == 200
    assert client.delete(f"{home}/b.txt", headers=headers).status_code == 204
    from rapydo_projects.alpha.endpoints.samples import SEEN

    # alpha's hook saw every operation although beta's (called after it) failed each time.
    assert SEEN[-3:] == [("upload", "admin", ["/tempZone/home/admin/a.txt"]),
                         ("move", "admin", ["/tempZone/home/admin/a.txt", "/tempZone/home/admin/b.txt"]),
                         ("delete", "admin", ["/tempZone/home/admin/b.txt"])]


def test_shadowing_a_core_endpoint_without_saying_so_stops_the_start_up(tmp_path):
    with pytest.raises(RuntimeError) as refused:
        make_app(tmp_path, "shadowing")
    message = str(refused.value)
    assert "/api/status" in message and "override=True" in message
    assert "backend.api.status" in message and "rapydo_projects.shadowing.endpoints.status" in message


def test_override_replaces_the_core_endpoint_in_the_app_and_the_spec(tmp_path):
    app = make_app(tmp_path, "overriding")
    client = app.test_client()
    assert client.get("/api/status").get_json() == {"status": "overridden"}
    assert spec_paths(client)["/api/status"]["get"]["summary"] == "The overriding project's status"
    # One rule, under the core's endpoint name: url_for("status") leads to the replacement.
    [rule] = rules_of(app, "/api/status")
    assert rule.endpoint == "status"
    assert app.view_functions["status"].view_class.__module__ == "rapydo_projects.overriding.endpoints.status"


@pytest.mark.parametrize("pids, served", [("true", True), ("", False), ("false", False)])
def test_a_project_setting_switches_the_endpoints_that_require_it(tmp_path, pids, served):
    # As uWSGI gets it from the controller: PIDS is declared by alpha's project.yml (default false).
    settings = Settings.from_env({"DATA_DIR": str(tmp_path), "PROJECT": "beta", "PROJECTS_DIR": str(FIXTURES),
                                  "PIDS": pids, "PASSWORD_TIME_COST": "1"})
    assert settings.project_settings == {"pids": pids or "false"}
    app = create_app(settings)
    client = app.test_client()
    assert client.get("/api/pids/21.T123-abc").status_code == (200 if served else 404)
    assert ("/api/pids/{pid}" in spec_paths(client)) is served
    assert bool(rules_of(app, "/api/pids/<pid>")) is served


def test_a_cycle_in_extends_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="project extends itself: cycle_a -> cycle_b -> cycle_a"):
        make_app(tmp_path, "cycle_a")
    with pytest.raises(RuntimeError, match="cycle_a -> cycle_b -> cycle_a"):
        Settings.from_env({"DATA_DIR": str(tmp_path), "PROJECT": "cycle_a", "PROJECTS_DIR": str(FIXTURES)})


def write_project(root: Path, name: str, project_yml: str, endpoints: str = "") -> None:
    (root / name).mkdir(parents=True)
    (root / name / "project.yml").write_text(textwrap.dedent(project_yml), encoding="utf-8")
    if endpoints:
        (root / name / "backend" / "endpoints").mkdir(parents=True)
        code = "from flask_restful import Resource\n\n\nclass DataPath(Resource):\n    def get(self):\n" \
               "        return {}\n\n\ndef register(api):\n    " + endpoints + "\n"
        (root / name / "backend" / "endpoints" / "things.py").write_text(code, encoding="utf-8")


@pytest.mark.parametrize("project_yml, endpoints, message", [
    ("extends: nowhere\n", "", "unknown project 'nowhere' (extended by 'wrong')"),
    ("variables: {PIDS: true}\n", 'api.add_resource(DataPath, "/api/x", requires="pidz")',
     "requires='pidz', but no project.yml of the project chain declares PIDZ"),
    ("title: x\n", 'pass\n\ndef data_operation(kind):\n    pass',
     "data_operation(kind) does not match the hook data_operation(kind, user, infos)"),
    ("title: x\n", 'pass\n\ndef before_data_operation(kind, user):\n    pass',
     "before_data_operation(kind, user) does not match the hook "
     "before_data_operation(kind, user, info, storage)"),
    ("title: x\n", 'api.add_resource(DataPath, "/api/x", override=True)',
     "/api/x has override=True, but nothing registered it before"),
    # The core's DataPath is the endpoint "datapath": another class may not take the name.
    ("title: x\n", 'api.add_resource(DataPath, "/api/x")', "endpoint name 'datapath' is used by backend.api.data"),
    # The same rule, spelled with another variable name and the explicit default converter.
    ("title: x\n", 'api.add_resource(DataPath, "/api/jobs/<string:id>", endpoint="x")',
     "/api/jobs/<string:id> is registered by backend.api.jobs and again by rapydo_projects.wrong"),
])
def test_mistakes_in_a_project_stop_the_start_up_saying_what_is_wrong(tmp_path, project_yml, endpoints,
                                                                      message):
    write_project(tmp_path / "projects", "wrong", project_yml, endpoints)
    with pytest.raises(RuntimeError) as refused:
        make_app(tmp_path / "data", "wrong", projects_dir=tmp_path / "projects")
    assert message in str(refused.value)


def test_every_declaration_keyword_is_documented():
    import inspect

    from backend import hooks
    from backend.api import RapydoApi

    guide = (Path(__file__).resolve().parents[2] / "docs" / "community-projects.md").read_text(encoding="utf-8")
    keywords = [name for name, parameter in inspect.signature(RapydoApi.add_resource).parameters.items()
                if parameter.kind is parameter.KEYWORD_ONLY] + ["endpoint"]
    assert keywords == ["override", "requires", "endpoint"]
    for keyword in keywords:
        assert f"`{keyword}=" in hooks.register.__doc__ and f"`{keyword}=" in guide, keyword
