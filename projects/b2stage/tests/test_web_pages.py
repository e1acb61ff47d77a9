"""The b2stage project's page of the web interface (projects/b2stage/web/pids.js) in a real
headless Chromium against the real API with PROJECT=b2stage (conftest.py's `b2stage`): a file
uploaded as registered data shows its PID, the PID typed in resolves to the file, and the file
published has a landing page that a second, signed-out browser reads. The browser fixtures are
the web interface's own (tests/web/conftest.py), imported here."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.api.deployments import TIMEOUT
from tests.web.conftest import PHONE, Site, chromium, home_of, new_page, screenshot  # noqa: F401 (fixtures)
from tests.web.test_sign_in import sign_in, signed_in

PID = re.compile(r"21\.T12995/[0-9a-f-]{36}")


@pytest.fixture
def site(b2stage):
    return Site(b2stage.live)


def test_a_file_registered_in_the_page_shows_its_pid_resolves_and_publishes(site, new_page, tmp_path):
    person = site.new_user("pids")
    source = tmp_path / "cast-42.nc"
    source.write_bytes(b"temperature,depth\n12.5,10\n")
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="PIDs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PIDs")
    expect(page.get_by_label("Collection")).to_have_value(home_of(person))
    page.get_by_label("File to register").set_input_files(source)
    page.get_by_role("button", name="Upload and register").click()
    expect(page.get_by_role("alert")).to_contain_text("cast-42.nc is registered with the PID 21.T12995/")
    pid = PID.search(page.get_by_role("alert").inner_text()).group(0)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="cast-42.nc"))
    expect(row.get_by_role("cell", name=pid)).to_be_visible()
    path = f"{home_of(person)}/cast-42.nc"
    record = site.session_of(person).get(site.url(f"/api/pids/{pid}"), timeout=TIMEOUT)
    assert record.status_code == 200 and record.json()["path"] == path, record.text
    screenshot(page, "b2stage-pids-registered")

    page.get_by_label("PID", exact=True).fill(pid)
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("[data-fact=pid]")).to_have_text(pid)
    screenshot(page, "b2stage-pids-resolved")
    page.get_by_role("link", name=path).click()
    expect(page).to_have_url(re.compile(re.escape("#/item" + path) + "$"))
    expect(page.locator("[data-fact=path]")).to_have_text(path)

    page.go_back()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="cast-42.nc"))
    expect(row).to_contain_text("not published")
    row.get_by_role("button", name="Publish").click()
    landing = row.get_by_role("link", name="Public landing page of cast-42.nc")
    expect(landing).to_have_attribute("href", site.url(f"/public{path}"))
    expect(row.get_by_role("button", name="Unpublish")).to_be_visible()
    screenshot(page, "b2stage-pids-published")

    # A second browser, never signed in, reads the landing page by its URL.
    stranger = new_page()
    stranger.goto(landing.get_attribute("href"))
    expect(stranger.get_by_role("heading", level=1)).to_have_text("cast-42.nc")
    expect(stranger.get_by_role("cell", name=pid).first).to_be_visible()  # its PID, and the PID AVU
    assert requests.get(site.url(f"/public{path}"), params={"download": "true"},
                        timeout=TIMEOUT).content == source.read_bytes()

    row.get_by_role("button", name="Unpublish").click()
    expect(row).to_contain_text("not published")
    assert requests.get(site.url(f"/public{path}"), timeout=TIMEOUT).status_code == 404
    assert page.errors == [] and stranger.errors == []

    phone = new_page(PHONE)
    sign_in(phone, site, person)
    signed_in(phone, person)
    phone.goto(site.web("#/pids" + home_of(person)))
    expect(phone.get_by_role("cell", name=pid)).to_be_visible()
    screenshot(phone, "b2stage-pids-phone")


def test_a_pid_that_does_not_exist_is_said_in_the_page(site, new_page):
    person = site.new_user("pids")
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    page.goto(site.web("#/pids"))
    page.get_by_label("PID", exact=True).fill("21.T12995/00000000-0000-0000-0000-000000000000")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("alert")).to_contain_text("21.T12995/00000000-0000-0000-0000-000000000000")
    assert page.errors == []


def test_only_the_loaded_projects_pages_are_listed_and_served(site):
    listed = requests.get(site.url("/web/pages.json"), timeout=TIMEOUT)
    assert listed.status_code == 200
    assert listed.json() == {"pages": [{"name": "pids", "project": "b2stage",
                                        "module": "/web/projects/b2stage/pids.js"}]}
    served = requests.get(site.url("/web/projects/b2stage/pids.js"), timeout=TIMEOUT)
    assert served.status_code == 200 and "export const title" in served.text
    assert served.headers["Content-Type"].startswith("text/javascript")
    assert "script-src 'self'" in served.headers["Content-Security-Policy"]
    # seadata is not loaded (it extends b2stage, not the other way round): none of its files.
    assert requests.get(site.url("/web/projects/seadata/batches.js"), timeout=TIMEOUT).status_code == 404
    # Nothing outside the project's web/ folder, however the path is spelt.
    for escape in ("../project.yml", "..%2Fproject.yml", "%2e%2e/project.yml", "../backend/pids.py"):
        answer = requests.get(site.url(f"/web/projects/b2stage/{escape}"), timeout=TIMEOUT)
        # 404, or 400 where uWSGI/werkzeug refuse the spelling before routing.
        assert answer.status_code in (400, 404) and "B2STAGE" not in answer.text, (escape, answer.text)
