"""Sharing from a file's detailed view in a real headless Chromium against the real API
(tests/web/conftest.py): permissions granted to a group (a member, signed in in another
browser, downloads the file; someone outside the group gets the API's refusal), changed and
removed, inheritance switched; and a share link (a ticket with 2 uses) made in the page,
copied, opened in a second, signed-out browser context until its uses run out, and deleted."""

from __future__ import annotations

import itertools
import re

import requests
from playwright.sync_api import expect

from tests.web.conftest import PHONE, home_of, screenshot
from tests.web.test_sign_in import TIMEOUT, api_error, signed_in, sign_in, store

_groups = itertools.count()


def item_link(path: str) -> str:
    return "#/item" + path


def open_item(page, site, person, path):
    sign_in(page, site, person)
    signed_in(page, person)
    page.goto(site.web(item_link(path)))
    expect(page.get_by_role("heading", level=1)).to_have_text(path.rsplit("/", 1)[1])


def make_group(site, *members: str) -> str:
    """A group made by the admin through the API, with `members` in it."""
    name = f"team{next(_groups)}"
    admin = site.live.session(site.live.admin_token())
    made = admin.post(site.url("/admin/groups"), json={"name": name}, timeout=TIMEOUT)
    assert made.status_code == 201, made.text
    for member in members:
        added = admin.put(site.url(f"/admin/groups/{name}/members/{member}"), timeout=TIMEOUT)
        assert added.status_code == 200, added.text
    return name


def acls(site, person, path) -> dict:
    answer = site.session_of(person).get(site.url("/api/permissions" + path), timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_group_granted_read_lets_its_member_download_and_others_are_refused(site, new_page):
    owner, member, outsider = site.new_user("owner"), site.new_user("member"), site.new_user("outsider")
    group = make_group(site, member)
    shared = f"{home_of(owner)}/cruise"
    data = b"station,depth\nA,1200\n"
    store(site, owner, f"{shared}/ctd.csv", data)

    page = new_page()
    open_item(page, site, owner, shared)
    panel = page.get_by_role("region", name="Permissions")
    expect(panel.get_by_role("table")).to_contain_text(owner)
    panel.get_by_label("Grant to").select_option("group")
    panel.get_by_label("Name").fill(group)
    panel.get_by_label("Level").select_option("read")
    panel.get_by_label("Also everything inside (recursive)").check()
    panel.get_by_role("button", name="Set permission").click()
    expect(page.get_by_role("alert")).to_have_text(f"Group {group} now has read.")
    expect(panel.get_by_role("row").filter(has_text=group)).to_contain_text("read")
    screenshot(page, "item-permissions")
    assert {"user": group, "level": "read"} in acls(site, owner, f"{shared}/ctd.csv")["acls"]

    # The member, in another browser, sees the collection and downloads the file.
    other = new_page()
    sign_in(other, site, member)
    signed_in(other, member)
    other.goto(site.web("#/data" + shared))
    expect(other.get_by_role("heading", level=1)).to_have_text("cruise")
    with other.expect_download() as started:
        other.get_by_role("table").get_by_role("button", name="ctd.csv", exact=True).click()
    with open(started.value.path(), "rb") as saved:
        assert saved.read() == data
    screenshot(other, "item-permissions-member")

    # Someone outside the group gets the API's refusal, as the API words it.
    expected = api_error(site.session_of(outsider).get(site.data_url(shared), timeout=TIMEOUT))
    third = new_page()
    sign_in(third, site, outsider)
    signed_in(third, outsider)
    third.goto(site.web("#/data" + shared))
    expect(third.get_by_role("alert")).to_have_text(expected)
    expect(third.get_by_role("table")).to_have_count(0)
    screenshot(third, "item-permissions-refused")
    # ... and cannot change the permissions either.
    refused = api_error(site.session_of(outsider).put(site.url("/api/permissions" + shared),
                                                      json={"user": outsider, "level": "own"}, timeout=TIMEOUT))
    third.goto(site.web(item_link(shared)))
    expect(third.get_by_role("alert")).to_have_text(re.compile(
        "^" + re.escape(f"{outsider} may not read ") + ".*" + re.escape(f"{shared}: it needs read access")))

    # The owner changes the group's level, switches inheritance on, then removes the entry.
    panel.get_by_label("Grant to").select_option("group")
    panel.get_by_label("Name").fill(group)
    panel.get_by_label("Level").select_option("write")
    panel.get_by_role("button", name="Set permission").click()
    expect(page.get_by_role("alert")).to_have_text(f"Group {group} now has write.")
    assert {"user": group, "level": "write"} in acls(site, owner, shared)["acls"]
    switch = panel.get_by_role("switch")
    expect(switch).not_to_be_checked()
    switch.check()
    expect(page.get_by_role("alert")).to_have_text("Inheritance is on.")
    assert acls(site, owner, shared)["inheritance"] is True
    panel.get_by_role("button", name=f"Remove write of {group}").click()
    expect(page.get_by_role("alert")).to_have_text(f"{group} no longer has write.")
    expect(panel.get_by_role("row").filter(has_text=group)).to_have_count(0)
    assert all(acl["user"] != group for acl in acls(site, owner, shared)["acls"])

    # An unknown user: the API's message.
    unknown = api_error(site.session_of(owner).put(site.url("/api/permissions" + shared),
                                                   json={"user": "nobody-here", "level": "read"}, timeout=TIMEOUT))
    panel.get_by_label("Name").fill("nobody-here")
    panel.get_by_role("button", name="Set permission").click()
    expect(page.get_by_role("alert")).to_have_text(unknown)
    assert refused  # the outsider's own attempt was refused by the API too

    phone = new_page(PHONE)
    open_item(phone, site, owner, shared)
    expect(phone.get_by_role("region", name="Permissions")).to_be_visible()
    phone.get_by_role("region", name="Permissions").scroll_into_view_if_needed()
    screenshot(phone, "item-permissions-phone")
    for seen in (page, other, third, phone):
        assert seen.errors == []


def test_a_share_link_works_signed_out_until_its_uses_run_out(site, person, new_page):
    path = f"{home_of(person)}/plot.txt"
    data = b"a share link's bytes\n"
    store(site, person, path, data)
    page = new_page()
    open_item(page, site, person, path)
    panel = page.get_by_role("region", name="Share links")
    expect(panel.get_by_text("No share links yet.")).to_be_visible()
    panel.get_by_label("Access").select_option("read")
    panel.get_by_label("Expires after").select_option("86400")
    panel.get_by_label("Uses (empty: unlimited)").fill("2")
    panel.get_by_role("button", name="Create share link").click()
    expect(page.get_by_role("alert")).to_have_text("Share link created.")
    link_box = panel.get_by_label("New share link", exact=True)
    url = link_box.input_value()
    assert re.fullmatch(re.escape(site.url("/api/tickets/")) + r"[^/]+/content", url), url
    expect(panel.get_by_role("table")).to_contain_text("0 of 2")

    # Copy: the clipboard where the browser allows it, else the text is selected to copy.
    panel.get_by_role("button", name="Copy new share link").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(
        r"^(The link is copied\.|The link is selected: press Ctrl\+C \(or ⌘C\) to copy it\.)$"))
    selected = link_box.evaluate("input => input.value.slice(input.selectionStart, input.selectionEnd)")
    assert selected == url
    screenshot(page, "share-link")

    # A second browser context, signed out (no token anywhere): the link gives the bytes.
    # (Each use in a fresh context: one browser's cache would answer a second visit itself.)
    for _ in range(2):
        stranger = new_page()
        answer = stranger.goto(url)
        assert answer.status == 200 and answer.body() == data
        assert "authorization" not in answer.request.headers  # no token: the link is enough
    # The uses have run out: the API's refusal, as JSON with its message.
    stranger = new_page()
    refused = stranger.goto(url)
    assert refused.status == 403
    message = refused.json()["error"]
    assert "used up" in message
    assert message == api_error(requests.get(url, timeout=TIMEOUT))
    screenshot(stranger, "share-link-used-up")

    page.reload()
    panel = page.get_by_role("region", name="Share links")
    expect(panel.get_by_role("table")).to_contain_text("2 of 2")
    panel.get_by_role("button", name="Delete share link 1").click()
    expect(page.get_by_role("alert")).to_have_text("The share link is deleted: it no longer works.")
    expect(panel.get_by_text("No share links yet.")).to_be_visible()
    tickets = site.session_of(person).get(site.url("/api/tickets"), timeout=TIMEOUT).json()["tickets"]
    assert all(ticket["path"] != path for ticket in tickets)

    phone = new_page(PHONE)
    open_item(phone, site, person, path)
    panel = phone.get_by_role("region", name="Share links")
    panel.get_by_label("Uses (empty: unlimited)").fill("1")
    panel.get_by_role("button", name="Create share link").click()
    expect(panel.get_by_label("New share link", exact=True)).to_be_visible()
    panel.scroll_into_view_if_needed()
    screenshot(phone, "share-link-phone")
    for seen in (page, stranger, phone):
        assert seen.errors == []
