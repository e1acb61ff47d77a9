"""The seadata project's pages of the web interface (projects/seadata/web/) in a real headless
Chromium against the real API with PROJECT=seadata and its real Celery worker (conftest.py's
`seadata`): a batch created in the page takes a zip, is seen importing and then imported; an
order made in the page from a path and a PID becomes ready, and its download link gives a zip
of the files. The browser fixtures are the web interface's own (tests/web/conftest.py)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import requests
from playwright.sync_api import expect

from tests.api.deployments import TIMEOUT
from tests.web.conftest import PHONE, Site, chromium, home_of, new_page, screenshot  # noqa: F401 (fixtures)
from tests.web.test_sign_in import sign_in, signed_in

TASK_MS = 90_000  # a safeguard for the worker's import and zip (conftest.py's TASK_TIMEOUT)
FILES = {"readme.txt": b"CTD casts of cruise 42\n", "ctd/station-1.csv": b"depth,temp\n10,12.5\n"}


@pytest.fixture
def site(seadata):
    return Site(seadata.live)


def test_a_batch_made_in_the_page_is_imported_and_ordered_as_a_zip(site, seadata, new_page, tmp_path):
    person = site.new_user("sea")
    batch = seadata.unique("cruise")
    source = tmp_path / "cruise.zip"
    source.write_bytes(seadata.zip_of(FILES))
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    nav = page.get_by_role("navigation", name="Main")
    # seadata extends b2stage: its pages come along.
    expect(nav.get_by_role("link", name="PIDs")).to_be_visible()

    nav.get_by_role("link", name="Batches").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Batches")
    expect(page.get_by_text("No batch yet.")).to_be_visible()
    page.get_by_label("New batch id").fill(batch)
    page.get_by_role("button", name="Create batch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Batch {batch}")
    expect(page.get_by_role("alert")).to_have_text(f"Batch {batch} is created: upload its zip.")
    expect(page.locator("[data-fact=status]")).to_have_text("created")
    page.get_by_label("Zip file").set_input_files(source)
    page.get_by_role("button", name="Upload and import").click()
    # The page checks by itself until the worker is done.
    expect(page.get_by_role("alert")).to_have_text(f"Batch {batch} is imported: 2 file(s).", timeout=TASK_MS)
    expect(page.locator("[data-fact=status]")).to_have_text("imported")
    expect(page.locator("[data-fact=files]")).to_have_text("2")
    collection = f"{home_of(person)}/batches/{batch}"
    expect(page.get_by_role("link", name=collection)).to_be_visible()
    screenshot(page, "seadata-batch-imported")
    page.get_by_role("link", name="All batches").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=batch))
    expect(row.get_by_text("imported")).to_be_visible()
    screenshot(page, "seadata-batches")

    # An order by path and by PID (the file's PID, minted by the import).
    pid = seadata.session_of(person).get(site.url(f"/api/registered{collection}/ctd/station-1.csv"),
                                         params={"stat": "true"}, timeout=TIMEOUT).json()["PID"]
    order = seadata.unique("order")
    nav.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    page.get_by_label("Files: paths or PIDs, one a line").fill(f"{collection}/readme.txt\n{pid}\n")
    page.get_by_label("Order id (optional)").fill(order)
    page.get_by_role("button", name="Order", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(f"Order {order} is queued")
    link = page.get_by_role("link", name=f"Download {order}.zip")
    expect(link).to_be_visible(timeout=TASK_MS)
    row = page.get_by_role("row").filter(has_text=order)
    expect(row.get_by_text("ready")).to_be_visible()
    expect(row.get_by_role("cell", name="2", exact=True)).to_be_visible()
    screenshot(page, "seadata-orders-ready")

    with page.expect_download() as downloading:
        link.click()
    with zipfile.ZipFile(downloading.value.path()) as archive:
        assert archive.testzip() is None
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert contents == {"readme.txt": FILES["readme.txt"], "station-1.csv": FILES["ctd/station-1.csv"]}
    # The link is a ticket: it works without a token, as the page says.
    anonymous = requests.get(link.get_attribute("href"), timeout=TIMEOUT)
    assert anonymous.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(anonymous.content)).namelist() == list(contents)
    assert page.errors == []

    phone = new_page(PHONE)
    sign_in(phone, site, person)
    signed_in(phone, person)
    phone.goto(site.web(f"#/batches/{batch}"))
    expect(phone.locator("[data-fact=status]")).to_have_text("imported")
    screenshot(phone, "seadata-batch-phone")
    phone.goto(site.web("#/orders"))
    expect(phone.get_by_role("link", name=f"Download {order}.zip")).to_be_visible()
    screenshot(phone, "seadata-orders-phone")


def test_a_refused_order_and_a_taken_batch_id_are_said_in_the_page(site, seadata, new_page):
    person = site.new_user("sea")
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    page.goto(site.web("#/orders"))
    page.get_by_label("Files: paths or PIDs, one a line").fill(f"{home_of(person)}/no-such-file")
    page.get_by_role("button", name="Order", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("no-such-file")
    expect(page.get_by_text("No order yet.")).to_be_visible()

    batch = seadata.new_batch(seadata.session_of(person))
    page.goto(site.web("#/batches"))
    page.get_by_label("New batch id").fill(batch)
    page.get_by_role("button", name="Create batch").click()
    expect(page.get_by_role("alert")).to_contain_text(batch)
    expect(page.get_by_role("heading", level=1)).to_have_text("Batches")
    assert page.errors == []


def test_the_pages_of_the_whole_chain_are_listed(site):
    listed = requests.get(site.url("/web/pages.json"), timeout=TIMEOUT).json()["pages"]
    assert {(page["name"], page["project"]) for page in listed} == {
        ("pids", "b2stage"), ("batches", "seadata"), ("orders", "seadata")}
    helper = requests.get(site.url("/web/projects/seadata/lib/seadata.js"), timeout=TIMEOUT)
    assert helper.status_code == 200 and "export function badge" in helper.text
    assert re.search(r"\bpids\b", requests.get(site.url("/web/projects/b2stage/pids.js"), timeout=TIMEOUT).text)
