"""Administration in a real headless Chromium against the real API (tests/web/conftest.py):
an admin creates a user who then signs in elsewhere, makes a group and adds them, lifts a
login ban, ends a user's session (whose page goes back to sign in), and reads the service
health; a non-admin sees no Administration link and gets the API's refusal."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from tests.live import ADMIN_PASSWORD, ADMIN_USER
from tests.web.conftest import PASSWORD, PHONE, home_of, screenshot
from tests.web.test_sign_in import TIMEOUT, api_error, sign_in, signed_in

SECTIONS = ("users", "groups", "bans", "sessions", "health")


def sign_in_admin(page, site) -> None:
    sign_in(page, site, ADMIN_USER, ADMIN_PASSWORD)
    signed_in(page, ADMIN_USER)


def open_admin(page, section: str) -> None:
    page.get_by_role("link", name="Administration", exact=True).click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name=section, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Administration: {section}")


def row_of(page, name: str):
    """The table row whose first cell (a row header) is `name`."""
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def admin_session(site) -> requests.Session:
    return site.live.session(site.live.admin_token())


def test_admin_creates_a_user_who_then_signs_in(site, new_page):
    page = new_page()
    sign_in_admin(page, site)
    open_admin(page, "Users")
    name = "newcomer"
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Email (optional)").fill("newcomer@example.org")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_have_text(f"The user {name} is created.")
    row = row_of(page, name)
    expect(row).to_contain_text("newcomer@example.org")
    expect(row).to_contain_text("active")
    screenshot(page, "admin-users")

    # A refused creation shows the API's message: the name is taken.
    expected = api_error(admin_session(site).post(site.url("/admin/users"), timeout=TIMEOUT,
                                                  json={"username": name, "password": PASSWORD}))
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_have_text(expected)

    other = new_page()
    sign_in(other, site, name, PASSWORD)
    signed_in(other, name)
    # A user is not offered Administration at all.
    expect(other.get_by_role("link", name="Administration")).to_have_count(0)

    # The admin makes them an admin: their next sign-in shows the link.
    row.get_by_role("button", name=f"Make {name} an admin").click()
    expect(page.get_by_role("alert")).to_have_text(f"{name} is now an admin.")
    expect(row_of(page, name)).to_contain_text("admin")
    third = new_page()
    sign_in(third, site, name, PASSWORD)
    signed_in(third, name)
    expect(third.get_by_role("link", name="Administration")).to_be_visible()

    # Deleting asks first; Cancel keeps the user.
    row_of(page, name).get_by_role("button", name=f"Delete {name}").click()
    dialog = page.get_by_role("dialog", name=f"Delete the user {name}?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(row_of(page, name)).to_have_count(1)
    row_of(page, name).get_by_role("button", name=f"Delete {name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete user").click()
    expect(page.get_by_role("alert")).to_have_text(f"The user {name} is deleted.")
    expect(row_of(page, name)).to_have_count(0)
    assert admin_session(site).get(site.url(f"/admin/users/{name}"), timeout=TIMEOUT).status_code == 404
    assert page.errors == [] and other.errors == [] and third.errors == []


def test_admin_makes_a_group_and_adds_a_user(site, person, new_page):
    page = new_page()
    sign_in_admin(page, site)
    open_admin(page, "Groups")
    group = f"lab-{person}"
    page.get_by_label("New group").fill(group)
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("alert")).to_have_text(f"The group {group} is created.")
    card = page.get_by_role("region", name=group)
    expect(card).to_contain_text("No members yet.")
    card.get_by_label(f"Add to {group}").fill(person)
    card.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("alert")).to_have_text(f"{person} is a member of {group}.")
    expect(card.get_by_role("listitem")).to_contain_text(person)
    screenshot(page, "admin-groups")
    # What the API says: the person is a member.
    members = admin_session(site).get(site.url(f"/admin/groups/{group}"), timeout=TIMEOUT).json()["members"]
    assert members == [person]
    # And the person sees the group as theirs.
    assert group in site.session_of(person).get(site.url("/auth/groups"), timeout=TIMEOUT).json()

    # Adding someone who does not exist: the API's message.
    expected = api_error(admin_session(site).put(site.url(f"/admin/groups/{group}/members/nobody-here"),
                                                 timeout=TIMEOUT))
    card.get_by_label(f"Add to {group}").fill("nobody-here")
    card.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("alert")).to_have_text(expected)

    card.get_by_role("button", name=f"Remove {person} from {group}").click()
    expect(page.get_by_role("alert")).to_have_text(f"{person} is no longer a member of {group}.")
    page.get_by_role("button", name=f"Delete the group {group}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete group").click()
    expect(page.get_by_role("alert")).to_have_text(f"The group {group} is deleted.")
    expect(page.get_by_role("region", name=group)).to_have_count(0)
    assert page.errors == []


def test_admin_lifts_a_login_ban(site, person, new_page):
    attempts = 0
    while True:  # failed logins from this address until the API bans it (AUTH_MAX_LOGIN_ATTEMPTS)
        answer = requests.post(site.url("/auth/login"), timeout=TIMEOUT,
                               json={"username": person, "password": "not-the-password"})
        attempts += 1
        if answer.status_code == 403 or attempts > 20:
            break
    banned_message = api_error(requests.post(site.url("/auth/login"), timeout=TIMEOUT,
                                             json={"username": person, "password": PASSWORD}))
    user_page = new_page()
    sign_in(user_page, site, person)
    expect(user_page.get_by_role("alert")).to_have_text(banned_message)  # even the right password

    page = new_page()
    sign_in_admin(page, site)
    open_admin(page, "Login bans")
    row = row_of(page, person)
    expect(row).to_contain_text("127.0.0.1")
    screenshot(page, "admin-bans")
    row.get_by_role("button", name=f"Lift the bans of {person}").click()
    expect(page.get_by_role("alert")).to_have_text(f"The login bans of {person} are lifted.")
    expect(row_of(page, person)).to_have_count(0)

    sign_in(user_page, site, person)
    signed_in(user_page, person)
    assert page.errors == [] and user_page.errors == []


def test_admin_revokes_a_users_session_and_their_page_signs_out(site, person, new_page):
    user_page = new_page()
    sign_in(user_page, site, person)
    signed_in(user_page, person)

    page = new_page()
    sign_in_admin(page, site)
    open_admin(page, "Sessions")
    page.get_by_label("Sessions of").select_option(person)
    page.get_by_role("button", name="Show").click()
    table = page.get_by_role("table", name=f"{person}: 1 session(s), newest first")
    expect(table).to_contain_text("active")
    screenshot(page, "admin-sessions")
    table.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke session").click()
    expect(page.get_by_role("alert")).to_have_text(f"The session of {person} is revoked.")
    expect(page.get_by_role("table", name=f"{person}: 1 session(s), newest first")).to_contain_text("revoked")

    # The person's next call is refused: their page goes back to sign in with the API's message.
    token = user_page.evaluate("sessionStorage.getItem('rapydo.token')")
    refused = api_error(requests.get(site.url("/auth/profile"), timeout=TIMEOUT,
                                     headers={"Authorization": f"Bearer {token}"}))
    user_page.get_by_role("link", name="Data", exact=True).click()
    expect(user_page.get_by_role("alert")).to_have_text(f"You are signed out: {refused}")
    expect(user_page.get_by_role("button", name="Sign in")).to_be_visible()
    assert user_page.evaluate("sessionStorage.getItem('rapydo.token')") is None
    assert page.errors == [] and user_page.errors == []


def test_the_health_page_lists_every_component(site, new_page):
    services = requests.get(site.url("/api/status"), timeout=TIMEOUT).json()["services"]
    assert services
    page = new_page()
    sign_in_admin(page, site)
    open_admin(page, "Service health")
    for name, result in services.items():
        expect(row_of(page, name)).to_contain_text(result["status"])
    expect(page.get_by_role("row")).to_have_count(len(services) + 1)
    expect(page.get_by_text("Checked at")).to_be_visible()
    with page.expect_response(lambda response: response.url.endswith("/api/status")) as asked:
        page.get_by_role("button", name="Refresh").click()  # asked again
    assert set(asked.value.json()["services"]) == set(services)
    expect(page.get_by_role("row")).to_have_count(len(services) + 1)
    screenshot(page, "admin-health")
    assert page.errors == []


def test_a_non_admin_gets_the_apis_refusal(site, person, new_page):
    expected = api_error(site.session_of(person).get(site.url("/admin/users"), timeout=TIMEOUT))
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    page.goto(site.web("#/admin"))
    expect(page.get_by_role("alert")).to_have_text(expected)
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration: Users")
    expect(page.get_by_role("table")).to_have_count(0)
    screenshot(page, "admin-refused")
    page.goto(site.web("#/admin/bans"))
    expect(page.get_by_role("alert")).to_have_text(
        api_error(site.session_of(person).get(site.url("/admin/bans"), timeout=TIMEOUT)))
    assert page.errors == []


def test_every_admin_page_on_a_phone(site, person, new_page):
    site.token_of(person)  # a session of theirs, for the sessions page to list
    page = new_page(viewport=PHONE)
    sign_in_admin(page, site)
    for section in SECTIONS:
        argument = f"/{person}" if section == "sessions" else ""
        page.goto(site.web(f"#/admin/{section}{argument}"))
        current = page.get_by_role("navigation", name="Administration").locator("[aria-current=page]")
        expect(current).to_have_attribute("href", f"#/admin/{section}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Administration: ")
        expect(page.locator("main[aria-busy]")).to_have_count(0)
        expect(page.get_by_role("alert")).to_have_text("")
        screenshot(page, f"admin-{section}-phone")
    assert page.errors == []
