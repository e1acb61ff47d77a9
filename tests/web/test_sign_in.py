"""A person signs in to the web interface, browses their data, downloads a file, manages
their sessions and password, and signs out: in a real headless Chromium against the real
API under uWSGI (tests/web/conftest.py)."""

from __future__ import annotations

import os
import re

import requests
from playwright.sync_api import expect

from tests.web.conftest import PASSWORD, PHONE, home_of, screenshot

TIMEOUT = 30  # seconds, for the test's own API calls: a safeguard, not a measurement


def sign_in(page, site, username: str, password: str = PASSWORD) -> None:
    page.goto(site.web())
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page, username: str) -> None:
    """The person sees their home collection, named by the page's heading."""
    expect(page.get_by_role("heading", level=1)).to_have_text(username)
    expect(page).to_have_url(re.compile(re.escape("#/data" + home_of(username)) + "$"))


def token_in(page) -> str | None:
    return page.evaluate("sessionStorage.getItem('rapydo.token')")


def api_error(response: requests.Response) -> str:
    body = response.json()
    assert set(body) >= {"error", "code"}, body
    return body["error"]


def store(site, username: str, path: str, data: bytes) -> None:
    answer = site.session_of(username).put(site.data_url(path), params={"parents": "true"},
                                           data=data, timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text


def mkdir(site, username: str, path: str) -> None:
    answer = site.session_of(username).post(site.data_url(path), timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text


def test_the_page_loads_without_a_token_with_a_strict_policy(site):
    for path in ("/web/", "/web/static/app.js", "/web/static/app.css"):
        answer = requests.get(site.url(path), timeout=TIMEOUT)
        assert answer.status_code == 200, path
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # The data itself still needs a token.
    assert requests.get(site.data_url(home_of("admin")), timeout=TIMEOUT).status_code == 401


def test_a_wrong_password_shows_the_apis_message(site, person, new_page):
    page = new_page()
    expected = api_error(requests.post(site.url("/auth/login"), timeout=TIMEOUT,
                                       json={"username": person, "password": "not-the-password"}))
    sign_in(page, site, person, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text(expected)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert token_in(page) is None
    screenshot(page, "sign-in-wrong-password")
    assert page.errors == []


def test_the_irods_switch_signs_in_at_auth_irods(site, person, new_page):
    """The local backend has no logins of its own: the page shows what /auth/irods says."""
    page = new_page()
    expected = api_error(requests.post(site.url("/auth/irods"), timeout=TIMEOUT,
                                       json={"username": person, "password": PASSWORD}))
    page.goto(site.web())
    expect(page.get_by_label("iRODS authentication scheme")).to_be_hidden()
    page.get_by_label("iRODS credentials").check()
    expect(page.get_by_label("iRODS authentication scheme")).to_be_visible()
    page.get_by_label("Username").fill(person)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(expected)
    screenshot(page, "sign-in-irods")


def test_sign_in_list_home_open_a_collection_and_come_back_by_the_breadcrumbs(site, person, new_page):
    home = home_of(person)
    store(site, person, f"{home}/results/table.csv", b"a,b\n1,2\n")
    store(site, person, f"{home}/notes.txt", b"hello")
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    listing = page.get_by_role("table")
    expect(listing.get_by_role("link", name="results/")).to_be_visible()
    expect(listing.get_by_role("button", name="notes.txt")).to_be_visible()
    expect(page.get_by_text("Entries 1–2 of 2")).to_be_visible()
    screenshot(page, "data-home")

    listing.get_by_role("link", name="results/").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("results")
    expect(page.get_by_role("table").get_by_role("button", name="table.csv")).to_be_visible()
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(breadcrumbs.get_by_text("results")).to_have_attribute("aria-current", "page")
    screenshot(page, "data-collection")

    breadcrumbs.get_by_role("link", name=person).click()
    signed_in(page, person)
    # The keyboard reaches the listing's links: focus the link, press Enter.
    page.get_by_role("link", name="results/").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("results")
    assert page.errors == []


def test_pages_through_a_collection_of_120_entries(site, person, new_page):
    many = f"{home_of(person)}/many"
    mkdir(site, person, many)
    files = [("file", (f"f{index:03d}.txt", f"entry {index}".encode())) for index in range(120)]
    uploaded = site.session_of(person).post(site.data_url(many), files=files, timeout=TIMEOUT)
    assert uploaded.status_code == 201, uploaded.text

    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_role("link", name="many/").click()
    rows = page.get_by_role("table").locator("tbody tr")
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.get_by_text("Entries 1–50 of 120")).to_be_visible()
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("f000.txt")
    expect(pages.get_by_role("link", name="Previous page")).to_have_count(0)
    screenshot(page, "data-paging-first")

    pages.get_by_role("link", name="Next page").click()
    expect(pages.get_by_text("Entries 51–100 of 120")).to_be_visible()
    expect(rows.first).to_contain_text("f050.txt")
    pages.get_by_role("link", name="Next page").click()
    expect(pages.get_by_text("Entries 101–120 of 120")).to_be_visible()
    expect(rows).to_have_count(20)
    expect(rows.last).to_contain_text("f119.txt")
    expect(pages.get_by_role("link", name="Next page")).to_have_count(0)
    screenshot(page, "data-paging-last")

    pages.get_by_role("link", name="Previous page").click()
    expect(pages.get_by_text("Entries 51–100 of 120")).to_be_visible()
    expect(rows.last).to_contain_text("f099.txt")
    # The browser's back button walks the pages too (each page has its own URL).
    page.go_back()
    expect(pages.get_by_text("Entries 101–120 of 120")).to_be_visible()
    assert page.errors == []


def test_downloads_a_file_with_its_bytes(site, person, new_page):
    content = os.urandom(200_000)
    store(site, person, f"{home_of(person)}/data.bin", content)
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    with page.expect_download() as started:
        page.get_by_role("button", name="data.bin").click()
    download = started.value
    assert download.suggested_filename == "data.bin"
    with open(download.path(), "rb") as saved:
        assert saved.read() == content
    expect(page.get_by_role("alert")).to_have_text("data.bin downloaded.")


def test_sees_their_sessions_and_revokes_another(site, person, new_page):
    elsewhere = requests.post(site.url("/auth/login"), json={"username": person, "password": PASSWORD},
                              timeout=TIMEOUT).json()
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_role("link", name="My sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My sessions")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("cell", name=re.compile("this session"))).to_have_count(1)
    screenshot(page, "sessions")

    other = page.locator(f'tr[data-token-id="{elsewhere["token_id"]}"]')
    other.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.get_by_role("alert")).to_have_text("The session is revoked.")
    expect(other).to_contain_text("revoked")
    expect(other.get_by_role("button")).to_have_count(0)
    headers = {"Authorization": f"Bearer {elsewhere['token']}"}
    assert requests.get(site.url("/auth/profile"), headers=headers, timeout=TIMEOUT).status_code == 401
    mine = {"Authorization": f"Bearer {token_in(page)}"}
    assert requests.get(site.url("/auth/profile"), headers=mine, timeout=TIMEOUT).status_code == 200
    assert page.errors == []


def test_changes_the_password_and_signs_in_with_the_new_one(site, person, new_page):
    fresh = "a-new-and-longer-password"
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Current password").fill("not-the-password")
    page.get_by_label("New password", exact=True).fill(fresh)
    page.get_by_label("New password again").fill(fresh)
    page.get_by_role("button", name="Change password").click()
    expected = api_error(requests.put(site.url("/auth/password"), timeout=TIMEOUT,
                                      headers={"Authorization": f"Bearer {token_in(page)}"},
                                      json={"current": "another-wrong-one", "new": fresh}))
    expect(page.get_by_role("alert")).to_have_text(expected)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(fresh)
    page.get_by_label("New password again").fill(fresh)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("Your password is changed")
    screenshot(page, "password")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, site, person, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"\S"))
    assert token_in(page) is None
    sign_in(page, site, person, fresh)
    signed_in(page, person)


def test_signs_out_and_the_token_is_revoked(site, person, new_page):
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    token = token_in(page)
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(site.url("/auth/profile"), headers=headers, timeout=TIMEOUT).status_code == 200
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("alert")).to_have_text("You are signed out.")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert token_in(page) is None
    assert requests.get(site.url("/auth/profile"), headers=headers, timeout=TIMEOUT).status_code == 401
    # Going back to the data asks to sign in again.
    page.goto(site.web("#/data" + home_of(person)))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    screenshot(page, "signed-out")


def test_a_revoked_token_leads_back_to_sign_in_with_the_apis_message(site, person, new_page):
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    token = token_in(page)
    revoked = requests.post(site.url("/auth/logout"), headers={"Authorization": f"Bearer {token}"},
                            timeout=TIMEOUT)
    assert revoked.status_code == 204
    expected = api_error(requests.get(site.url("/auth/tokens"), timeout=TIMEOUT,
                                      headers={"Authorization": f"Bearer {token}"}))
    page.get_by_role("link", name="My sessions").click()
    expect(page.get_by_role("alert")).to_have_text(f"You are signed out: {expected}")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_phone_sized_window_shows_the_listing(site, person, new_page):
    store(site, person, f"{home_of(person)}/a-rather-long-file-name-for-a-small-screen.txt", b"x")
    page = new_page(viewport=PHONE)
    sign_in(page, site, person)
    signed_in(page, person)
    entry = page.get_by_role("button", name="a-rather-long-file-name-for-a-small-screen.txt")
    expect(entry).to_be_in_viewport()
    # Nothing wider than the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "data-phone")
