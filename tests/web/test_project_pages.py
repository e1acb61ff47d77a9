"""Project pages (projects/<p>/web/*.js, backend/web) with the default project: none. The
navigation links no project page, /web/pages.json lists none, and no project's files are
served, not even those of projects that exist in projects/ but are not loaded. The pages of
b2stage and seadata are tested with their projects (projects/<p>/tests/test_web_pages.py); here
also the mechanism itself, on throw-away projects through create_app."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from backend.app import create_app
from backend.settings import Settings
from tests.web.test_sign_in import TIMEOUT, signed_in, sign_in


def test_the_default_project_has_no_project_pages(site, person, new_page):
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Data")).to_be_visible()
    expect(nav.locator("a[data-project]")).to_have_count(0)
    for title in ("PIDs", "Batches", "Orders"):
        expect(nav.get_by_role("link", name=title)).to_have_count(0)
    page.goto(site.web("#/pids"))
    expect(page.get_by_role("alert")).to_have_text("There is no page “pids”.")
    assert page.errors == []

    assert requests.get(site.url("/web/pages.json"), timeout=TIMEOUT).json() == {"pages": []}
    for path in ("b2stage/pids.js", "seadata/orders.js", "seadata/lib/seadata.js", "default/project.yml",
                 "anything/at/all.js"):
        answer = requests.get(site.url(f"/web/projects/{path}"), timeout=TIMEOUT)
        assert answer.status_code == 404, path
        assert "export" not in answer.text


def make_project(root, name: str, pages: dict[str, str], extends: str | None = None) -> None:
    (root / name / "web").mkdir(parents=True)
    (root / name / "project.yml").write_text(f"title: {name}\n" + (f"extends: {extends}\n" if extends else ""))
    for file_name, text in pages.items():
        (root / name / "web" / file_name).write_text(text)


def test_an_extending_projects_page_replaces_the_one_of_the_same_name(tmp_path):
    make_project(tmp_path / "projects", "base", {"hello.js": "// base\n", "shared.js": "// shared\n"})
    make_project(tmp_path / "projects", "top", {"hello.js": "// top\n"}, extends="base")
    client = create_app(Settings(data_dir=tmp_path / "data", project="top", projects_dir=tmp_path / "projects",
                                 admin_password="Pages-admin-2024!correct-horse",
                                 password_time_cost=1)).test_client()
    assert client.get("/web/pages.json").get_json() == {"pages": [
        {"name": "hello", "project": "top", "module": "/web/projects/top/hello.js"},
        {"name": "shared", "project": "base", "module": "/web/projects/base/shared.js"}]}
    assert client.get("/web/projects/top/hello.js").get_data(as_text=True) == "// top\n"
    # The extended project's files stay served: the extending one's pages may import them.
    assert client.get("/web/projects/base/hello.js").get_data(as_text=True) == "// base\n"
    assert client.get("/web/projects/top/project.yml").status_code == 404


def test_a_page_whose_file_name_cannot_be_a_route_stops_the_start_up(tmp_path):
    make_project(tmp_path / "projects", "odd", {"My Page.js": "// odd\n"})
    with pytest.raises(RuntimeError, match="My Page.js: a page's file name must match"):
        create_app(Settings(data_dir=tmp_path / "data", project="odd", projects_dir=tmp_path / "projects",
                            admin_password="Pages-admin-2024!correct-horse", password_time_cost=1))
