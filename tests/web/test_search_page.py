"""Search by metadata in a real headless Chromium against the real API (tests/web/conftest.py):
the query builder with two conditions finds exactly the matching file and leads to its details;
a value holding a comma is searched (POST with a JSON body); a malformed search shows the API's
message; many hits come a page at a time with "More results"; the search stays in the URL."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import PHONE, home_of, screenshot
from tests.web.test_sign_in import TIMEOUT, api_error, sign_in, signed_in, store


def tag(site, person, path: str, *avus: tuple[str, str]) -> None:
    """AVUs on `path`, through the metadata API."""
    url = site.url("/api/metadata" + path)
    for attribute, value in avus:
        added = site.session_of(person).post(url, json={"attribute": attribute, "value": value}, timeout=TIMEOUT)
        assert added.status_code in (200, 201), added.text


def condition(page, number: int):
    """The fields of the n-th condition row (1-based)."""
    return page.locator("fieldset.condition").nth(number - 1)


def results(page):
    return page.get_by_role("table", name="Search results, by collection then name")


def result_paths(page) -> list[str]:
    return [text.strip() for text in results(page).locator("tbody tr td:first-child").all_inner_texts()]


def open_search(page, site, person):
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")


def test_two_conditions_find_exactly_the_matching_file_and_lead_to_it(site, person, new_page):
    home = home_of(person)
    for name in ("match.nc", "only-experiment.nc", "only-sample.nc", "other.nc"):
        store(site, person, f"{home}/cruise/{name}", name.encode())
    tag(site, person, f"{home}/cruise/match.nc", ("experiment", "x"), ("sample", "y"))
    tag(site, person, f"{home}/cruise/only-experiment.nc", ("experiment", "x"), ("sample", "z"))
    tag(site, person, f"{home}/cruise/only-sample.nc", ("experiment", "w"), ("sample", "y"))
    tag(site, person, f"{home}/cruise/other.nc", ("experiment", "y"))

    page = new_page()
    open_search(page, site, person)
    expect(page.get_by_label("In collection")).to_have_value(home)  # prefilled with the home
    first = condition(page, 1)
    first.get_by_label("Attribute").fill("experiment")
    first.get_by_label("Value", exact=True).fill("x")
    page.get_by_role("button", name="Add a condition").click()
    second = condition(page, 2)
    expect(second.get_by_label("Attribute")).to_be_focused()
    second.get_by_label("Attribute").fill("sample")
    second.get_by_label("Operator").select_option("like")
    second.get_by_label("Value", exact=True).fill("y%")
    # A third row, added and removed again: it does not count.
    page.get_by_role("button", name="Add a condition").click()
    condition(page, 3).get_by_label("Attribute").fill("nothing-has-this")
    page.get_by_role("button", name="Remove condition 3").click()
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page.get_by_text("1 result(s)")).to_be_visible()
    assert result_paths(page) == [f"{home}/cruise/match.nc"]
    row = results(page).locator("tbody tr")
    expect(row).to_contain_text("file")
    expect(row).to_contain_text(person)
    expect(page.get_by_role("button", name="More results")).to_be_hidden()
    assert "meta=" not in page.url and "attr=experiment" in page.url  # the search is in the URL
    searched = page.url
    screenshot(page, "search-results")

    page.get_by_role("link", name=f"{home}/cruise/match.nc").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("match.nc")
    expect(page.get_by_role("cell", name="sample", exact=True)).to_be_visible()
    # Back returns to the search, run again from the URL, its fields filled in.
    page.go_back()
    expect(page).to_have_url(searched)
    assert result_paths(page) == [f"{home}/cruise/match.nc"]
    expect(condition(page, 2).get_by_label("Value", exact=True)).to_have_value("y%")
    expect(condition(page, 2).get_by_label("Operator")).to_have_value("like")

    # A bookmark: the same URL in a new browser context (signed in there) gives the same hit.
    phone = new_page(viewport=PHONE)
    sign_in(phone, site, person)
    signed_in(phone, person)
    phone.goto(searched)
    expect(phone.get_by_text("1 result(s)")).to_be_visible()
    assert result_paths(phone) == [f"{home}/cruise/match.nc"]
    screenshot(phone, "search-phone")
    assert page.errors == [] and phone.errors == []


def test_a_value_with_a_comma_and_between_are_searched(site, person, new_page):
    home = home_of(person)
    store(site, person, f"{home}/ctd/cast.csv", b"t,s\n")
    store(site, person, f"{home}/ctd/other.csv", b"t\n")
    tag(site, person, f"{home}/ctd/cast.csv", ("title", "Temperature, salinity"), ("quality", "042"))
    tag(site, person, f"{home}/ctd/other.csv", ("title", "Temperature"), ("quality", "042"))
    page = new_page()
    posted = []
    page.on("request", lambda request: request.url.endswith("/api/search") and posted.append(request.method))
    open_search(page, site, person)
    first = condition(page, 1)
    first.get_by_label("Attribute").fill("title")
    first.get_by_label("Value", exact=True).fill("Temperature, salinity")
    page.get_by_role("button", name="Add a condition").click()
    second = condition(page, 2)
    second.get_by_label("Attribute").fill("quality")
    expect(second.get_by_label("and (high value)")).to_be_hidden()
    second.get_by_label("Operator").select_option("between")
    second.get_by_label("Value (low)").fill("010")
    second.get_by_label("and (high value)").fill("050")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("1 result(s)")).to_be_visible()
    assert result_paths(page) == [f"{home}/ctd/cast.csv"]
    assert posted == ["POST"]  # the comma sent the conditions as JSON
    expect(page.get_by_role("alert")).to_have_text("")
    assert page.errors == []


def test_a_malformed_search_shows_the_apis_message(site, person, new_page):
    expected = api_error(site.session_of(person).get(site.url("/api/search"), timeout=TIMEOUT,
                                                     params={"type": "collection", "min_size": "10"}))
    page = new_page()
    open_search(page, site, person)
    page.get_by_label("Type").select_option("collection")
    page.get_by_label("Size at least (bytes)").fill("10")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(expected)
    # The form stays, as filled in, to be corrected.
    expect(page.get_by_label("Size at least (bytes)")).to_have_value("10")
    expect(page.get_by_role("heading", name="Results")).to_have_count(0)
    screenshot(page, "search-malformed")
    page.get_by_label("Type").select_option("dataobject")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("Nothing matches this search.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("")
    assert page.errors == []


def test_more_results_pages_through_many_hits(site, person, new_page):
    home = home_of(person)
    names = [f"run{index:02d}.dat" for index in range(7)]
    for name in names:
        store(site, person, f"{home}/runs/{name}", b"x")
        tag(site, person, f"{home}/runs/{name}", ("campaign", "2026"))
    store(site, person, f"{home}/runs/untagged.dat", b"x")
    page = new_page()
    open_search(page, site, person)
    condition(page, 1).get_by_label("Attribute").fill("campaign")
    condition(page, 1).get_by_label("Value", exact=True).fill("2026")
    page.get_by_label("Name pattern").fill("run%")
    page.get_by_label("Results per page").fill("3")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("3 result(s), more to come")).to_be_visible()
    assert result_paths(page) == [f"{home}/runs/{name}" for name in names[:3]]
    page.get_by_role("button", name="More results").click()
    expect(page.get_by_text("6 result(s), more to come")).to_be_visible()
    page.get_by_role("button", name="More results").click()
    expect(page.get_by_text(re.compile(r"^7 result\(s\)$"))).to_be_visible()
    expect(page.get_by_role("button", name="More results")).to_be_hidden()
    assert result_paths(page) == [f"{home}/runs/{name}" for name in names]
    screenshot(page, "search-more-results")
    assert page.errors == []
