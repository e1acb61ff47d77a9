"""The data browser's actions in a real headless Chromium against the real API
(tests/web/conftest.py): a folder uploaded through the resumable upload protocol with its
progress, an upload cut half-way and resumed, a collection created, renamed and deleted,
and metadata added and removed in a file's detailed view."""

from __future__ import annotations

import base64
import hashlib
import os
import re

from playwright.sync_api import expect

from tests.web.conftest import home_of, screenshot
from tests.web.test_sign_in import TIMEOUT, api_error, signed_in, sign_in, store

CHUNK = 64 * 1024  # the page's PATCH size in these tests, so that an upload has several


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def stat(site, person, path):
    return site.session_of(person).get(site.data_url(path), params={"stat": "true"}, timeout=TIMEOUT)


def entry_button(page, name: str, action: str):
    """The action button (Rename, Delete) in the listing's row of `name`."""
    row = page.get_by_role("table").get_by_role("row").filter(
        has=page.get_by_role("cell", name=re.compile(rf"^{re.escape(name)}\/?$")))
    return row.get_by_role("button", name=action, exact=True)


def small_chunks(page) -> None:
    page.add_init_script(f"sessionStorage.setItem('rapydo.upload.chunk-size', '{CHUNK}')")


def test_uploads_a_folder_of_three_files_with_progress(site, person, new_page, tmp_path):
    folder = tmp_path / "survey"
    folder.mkdir()
    contents = {"a.csv": os.urandom(150_000), "b.txt": b"hello\n", "c.bin": os.urandom(300_000)}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    page = new_page()
    small_chunks(page)
    patches = []
    page.on("request", lambda request: request.method == "PATCH" and patches.append(request.url))
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_label("Upload a folder").set_input_files(folder)

    uploads = page.get_by_role("list", name="Uploads")
    for name in contents:
        row = uploads.get_by_role("listitem").filter(has_text=f"survey/{name}")
        expect(row.get_by_role("progressbar", name=f"Progress of survey/{name}")).to_have_attribute("value", "100")
        expect(row).to_contain_text("100%")
        expect(row).to_contain_text("done")
    expect(page.get_by_role("progressbar", name="Overall progress")).to_have_attribute("value", "100")
    expect(page.locator(".overall")).to_contain_text("100%")
    expect(page.get_by_role("alert")).to_have_text("Uploads finished.")
    listing = page.get_by_role("table")
    listing.get_by_role("link", name="survey/").click()
    for name in contents:
        expect(page.get_by_role("table").get_by_role("button", name=name, exact=True)).to_be_visible()
    screenshot(page, "data-upload-folder")
    # More than one PATCH per large file: the chunks went through tus.
    assert len(patches) >= 2 + 1 + 5
    for name, data in contents.items():
        path = f"{home_of(person)}/survey/{name}"
        got = site.session_of(person).get(site.data_url(path), timeout=TIMEOUT)
        assert got.status_code == 200 and got.content == data, name
        assert stat(site, person, path).json()["checksum"] == sha2(data)
    assert page.errors == []


def test_an_upload_cut_half_way_resumes_from_the_servers_offset(site, person, new_page, tmp_path):
    data = os.urandom(5 * CHUNK + 1234)
    source = tmp_path / "cast.nc"
    source.write_bytes(data)
    page = new_page()
    small_chunks(page)
    sent = []  # (method, Upload-Offset) of each tus request, in order
    page.on("request", lambda request: "/api/uploads" in request.url and sent.append(
        (request.method, request.headers.get("upload-offset"))))
    patches_seen = []

    def cut_after_the_first_chunk(route):
        patches_seen.append(route.request.headers.get("upload-offset"))
        if route.request.method == "PATCH" and len(patches_seen) > 1:
            route.abort("connectionreset")  # the connection drops during the second chunk
        else:
            route.continue_()

    page.route(re.compile(r".*/api/uploads/[^/?]+$"), cut_after_the_first_chunk)
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_label("Upload files").set_input_files(source)
    row = page.get_by_role("list", name="Uploads").get_by_role("listitem").filter(has_text="cast.nc")
    expect(row).to_contain_text("failed: The connection was lost")
    expect(row.get_by_role("progressbar")).not_to_have_attribute("value", "100")
    screenshot(page, "data-upload-cut")
    path = f"{home_of(person)}/cast.nc"
    assert stat(site, person, path).status_code == 404  # nothing visible before the last byte

    page.unroute(re.compile(r".*/api/uploads/[^/?]+$"))
    sent.clear()
    row.get_by_role("button", name="Retry cast.nc").click()
    expect(row).to_contain_text("done (resumed at 64.0 KiB)")
    expect(row.get_by_role("progressbar")).to_have_attribute("value", "100")
    screenshot(page, "data-upload-resumed")
    # The retry asked where the upload stood and went on from there, not from 0.
    assert sent[0] == ("HEAD", None), sent
    assert ("POST", None) not in sent
    assert [offset for method, offset in sent if method == "PATCH"][0] == str(CHUNK), sent
    got = site.session_of(person).get(site.data_url(path), timeout=TIMEOUT)
    assert got.content == data
    assert stat(site, person, path).json()["checksum"] == sha2(data)
    assert page.errors == []


def test_creates_renames_and_deletes_a_collection(site, person, new_page):
    home = home_of(person)
    store(site, person, f"{home}/taken/x.txt", b"x")
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_label("New collection").fill("cruise42")
    page.get_by_role("button", name="Create collection").click()
    expect(page.get_by_role("alert")).to_have_text("Collection cruise42 created.")
    expect(page.get_by_role("table").get_by_role("link", name="cruise42/")).to_be_visible()
    assert stat(site, person, f"{home}/cruise42").json()["type"] == "collection"

    # The API's own message when it refuses: the name is taken.
    expected = api_error(site.session_of(person).post(site.data_url(f"{home}/taken"), timeout=TIMEOUT))
    page.get_by_label("New collection").fill("taken")
    page.get_by_role("button", name="Create collection").click()
    expect(page.get_by_role("alert")).to_have_text(expected)

    entry_button(page, "cruise42", "Rename").click()
    dialog = page.get_by_role("dialog", name="Rename or move cruise42")
    expect(dialog).to_be_visible()
    dialog.get_by_label("New path").fill(f"{home}/cruise43")
    screenshot(page, "data-rename")
    dialog.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("alert")).to_have_text(f"cruise42 moved to {home}/cruise43.")
    expect(page.get_by_role("table").get_by_role("link", name="cruise43/")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("link", name="cruise42/")).to_have_count(0)
    assert stat(site, person, f"{home}/cruise42").status_code == 404
    assert stat(site, person, f"{home}/cruise43").status_code == 200

    # Cancel keeps it; confirming deletes it.
    entry_button(page, "cruise43", "Delete").click()
    dialog = page.get_by_role("dialog", name="Delete cruise43?")
    expect(dialog).to_contain_text("everything in it will be deleted")
    screenshot(page, "data-delete-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert stat(site, person, f"{home}/cruise43").status_code == 200
    entry_button(page, "cruise43", "Delete").click()
    page.get_by_role("dialog", name="Delete cruise43?").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alert")).to_have_text("cruise43 deleted.")
    expect(page.get_by_role("table").get_by_role("link", name="cruise43/")).to_have_count(0)
    assert stat(site, person, f"{home}/cruise43").status_code == 404
    assert page.errors == []


def test_a_refused_move_shows_the_apis_message(site, person, new_page):
    home = home_of(person)
    store(site, person, f"{home}/a.txt", b"a")
    store(site, person, f"{home}/b.txt", b"b")
    expected = api_error(site.session_of(person).post(
        site.url("/api/move"), json={"source": f"{home}/a.txt", "destination": f"{home}/b.txt"},
        timeout=TIMEOUT))
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    entry_button(page, "a.txt", "Rename").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("New path").fill(f"{home}/b.txt")
    dialog.get_by_label("New path").press("Enter")
    expect(page.get_by_role("alert")).to_have_text(expected)
    assert site.session_of(person).get(site.data_url(f"{home}/a.txt"), timeout=TIMEOUT).content == b"a"


def test_details_of_a_file_and_its_metadata_added_and_removed(site, person, new_page):
    home = home_of(person)
    data = b"t,s\n12.5,35.1\n"
    store(site, person, f"{home}/ctd.csv", data)
    page = new_page()
    sign_in(page, site, person)
    signed_in(page, person)
    page.get_by_role("link", name="Details of ctd.csv").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ctd.csv")
    facts = page.locator("dl.facts")
    expect(facts.locator('[data-fact="checksum"]')).to_have_text(sha2(data))
    expect(facts.locator('[data-fact="owner"]')).to_have_text(person)
    expect(facts.locator('[data-fact="size"]')).to_contain_text(f"{len(data)} bytes")
    expect(page.get_by_text("No metadata yet.")).to_be_visible()

    page.get_by_label("Attribute").fill("variable")
    page.get_by_label("Value", exact=True).fill("TEMP")
    page.get_by_label("Unit (optional)").fill("degC")
    page.get_by_role("button", name="Add metadata").click()
    expect(page.get_by_role("alert")).to_have_text("variable = TEMP added.")
    rows = page.locator("table.avus tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("degC")
    screenshot(page, "data-details-metadata")
    metadata_url = site.url(f"/api/metadata{home}/ctd.csv")
    listed = site.session_of(person).get(metadata_url, timeout=TIMEOUT).json()["metadata"]
    assert listed == [{"attribute": "variable", "value": "TEMP", "unit": "degC"}]

    # A refused AVU (no value) is said with the API's message.
    expected = api_error(site.session_of(person).post(metadata_url, json={"attribute": "x", "value": ""},
                                                      timeout=TIMEOUT))
    page.get_by_label("Attribute").fill("x")
    page.locator("#avu-value").evaluate("input => input.removeAttribute('required')")
    page.get_by_role("button", name="Add metadata").click()
    expect(page.get_by_role("alert")).to_have_text(expected)

    page.get_by_role("button", name="Remove variable = TEMP").click()
    expect(page.get_by_role("alert")).to_have_text("variable = TEMP removed.")
    expect(page.get_by_text("No metadata yet.")).to_be_visible()
    assert site.session_of(person).get(metadata_url, timeout=TIMEOUT).json()["metadata"] == []
    page.get_by_role("link", name=f"Back to {home}").click()
    signed_in(page, person)
    assert page.errors == []
