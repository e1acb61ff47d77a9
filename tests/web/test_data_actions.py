"""The data browser's actions in a real headless Chromium against the real API
(tests/web/conftest.py): a folder uploaded through the resumable upload protocol with its
progress, an upload cut half-way and resumed, a collection created, renamed and deleted,
and metadata added and removed in a file's detailed view."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile

from playwright.sync_api import expect

from tests.web.conftest import PHONE, home_of, screenshot
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


# --- copy, archives, sorting, cancelled uploads, drag and drop ----------------------------

def open_home(page, site, person):
    sign_in(page, site, person)
    signed_in(page, person)


def test_copies_a_file_from_its_actions_and_shows_a_refusal(site, person, new_page):
    home = home_of(person)
    data = b"depth,temp\n10,4.2\n"
    store(site, person, f"{home}/ctd.csv", data)
    store(site, person, f"{home}/taken.csv", b"t")
    page = new_page()
    open_home(page, site, person)
    entry_button(page, "ctd.csv", "Copy").click()
    dialog = page.get_by_role("dialog", name="Copy ctd.csv")
    expect(dialog.get_by_label("Copy to (path)")).to_have_value(f"{home}/ctd-copy.csv")
    screenshot(page, "data-copy")
    dialog.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(f"ctd.csv copied to {home}/ctd-copy.csv.")
    expect(page.get_by_role("table").get_by_role("button", name="ctd-copy.csv", exact=True)).to_be_visible()
    got = site.session_of(person).get(site.data_url(f"{home}/ctd-copy.csv"), timeout=TIMEOUT)
    assert got.status_code == 200 and got.content == data
    assert site.session_of(person).get(site.data_url(f"{home}/ctd.csv"), timeout=TIMEOUT).content == data

    # Onto an existing file: the API refuses, and its message is shown.
    expected = api_error(site.session_of(person).post(
        site.url("/api/copy"), json={"source": f"{home}/ctd.csv", "destination": f"{home}/taken.csv"},
        timeout=TIMEOUT))
    entry_button(page, "ctd.csv", "Copy").click()
    dialog = page.get_by_role("dialog", name="Copy ctd.csv")
    dialog.get_by_label("Copy to (path)").fill(f"{home}/taken.csv")
    dialog.get_by_label("Copy to (path)").press("Enter")
    expect(page.get_by_role("alert")).to_have_text(expected)
    assert site.session_of(person).get(site.data_url(f"{home}/taken.csv"), timeout=TIMEOUT).content == b"t"

    phone = new_page(PHONE)
    open_home(phone, site, person)
    # On a phone the rows are cards (no table roles): the row is found by its file's button.
    phone.locator("table.listing tr").filter(has=phone.get_by_role("button", name="ctd.csv", exact=True)) \
        .get_by_role("button", name="Copy", exact=True).click()
    expect(phone.get_by_role("dialog", name="Copy ctd.csv")).to_be_visible()
    screenshot(phone, "data-copy-phone")
    assert page.errors == [] and phone.errors == []


def test_a_collection_downloads_as_a_zip_holding_its_files(site, person, new_page):
    home = home_of(person)
    files = {"survey/a.csv": b"a,1\n", "survey/deep/b.bin": os.urandom(70_000)}
    for relative, data in files.items():
        store(site, person, f"{home}/{relative}", data)
    page = new_page()
    open_home(page, site, person)
    with page.expect_download() as started:
        page.get_by_role("button", name="Download survey as a zip").click()
    download = started.value
    assert download.suggested_filename == "survey.zip"
    expect(page.get_by_role("alert")).to_have_text("survey.zip downloaded.")
    with zipfile.ZipFile(download.path()) as archive:
        members = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    # Each file is in the zip with its bytes, under its path within the collection.
    for relative, data in files.items():
        inside = relative.split("/", 1)[1]
        found = [name for name in members if name == inside or name.endswith("/" + inside)]
        assert found and members[found[0]] == data, (relative, sorted(members))
    assert len(members) == len(files)
    screenshot(page, "data-archive")

    # From the collection's detailed view too.
    page.goto(site.web("#/item" + f"{home}/survey"))
    with page.expect_download() as again:
        page.get_by_role("button", name="Download as zip").click()
    with zipfile.ZipFile(again.value.path()) as archive:
        assert len([n for n in archive.namelist() if not n.endswith("/")]) == 2
    assert page.errors == []


def test_sorting_by_size_descending_is_done_across_pages(site, person, new_page):
    home = home_of(person)
    sizes = [(i * 37) % 61 + 100 for i in range(60)]  # 60 different sizes, 100..160 bytes
    session = site.session_of(person)
    assert session.post(site.data_url(f"{home}/many"), timeout=TIMEOUT).status_code == 201
    for index, size in enumerate(sizes):
        answer = session.put(site.data_url(f"{home}/many/f{index:02d}.dat"), data=b"z" * size, timeout=TIMEOUT)
        assert answer.status_code == 201, answer.text
    by_size = sorted(range(60), key=lambda i: (-sizes[i], f"f{i:02d}"))
    largest, smallest = f"f{by_size[0]:02d}.dat", f"f{by_size[-1]:02d}.dat"
    assert largest != "f00.dat" and smallest != "f59.dat"  # not the order of names

    page = new_page()
    open_home(page, site, person)
    page.goto(site.web("#/data" + f"{home}/many"))
    names = page.locator("table.listing tbody tr td:first-child")
    expect(names.first).to_have_text("f00.dat")
    page.get_by_label("Sort by").select_option("size")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?sort=size&order=asc$"))
    expect(names.first).to_have_text(smallest)
    expect(page.get_by_label("Sort by")).to_have_value("size")
    page.get_by_label("Order").select_option("desc")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?sort=size&order=desc$"))
    expect(names.first).to_have_text(largest)
    expect(names).to_have_count(50)
    expect(page.get_by_text("Entries 1–50 of 60")).to_be_visible()
    expect(page.get_by_role("columnheader", name=re.compile("^Size"))).to_have_attribute("aria-sort", "descending")
    shown = [text.strip() for text in names.all_inner_texts()]
    assert shown == [f"f{i:02d}.dat" for i in by_size[:50]]
    screenshot(page, "data-sorted-size")
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"\?sort=size&order=desc&offset=50$"))
    expect(names).to_have_count(10)
    expect(names.last).to_have_text(smallest)
    assert [t.strip() for t in names.all_inner_texts()] == [f"f{i:02d}.dat" for i in by_size[50:]]
    # The order is in the URL: a reload keeps it; the column header reverses it.
    page.reload()
    expect(names.last).to_have_text(smallest)
    page.get_by_role("link", name=re.compile("^Size")).click()
    expect(page).to_have_url(re.compile(r"\?sort=size&order=asc$"))
    expect(names.first).to_have_text(smallest)
    # A bad order typed into the address: the API's message.
    expected = api_error(session.get(site.data_url(f"{home}/many"), params={"sort": "colour"}, timeout=TIMEOUT))
    page.goto(site.web("#/data" + f"{home}/many?sort=colour"))
    expect(page.get_by_role("alert")).to_have_text(expected)

    phone = new_page(PHONE)
    open_home(phone, site, person)
    phone.goto(site.web("#/data" + f"{home}/many?sort=size&order=desc"))
    expect(phone.locator("table.listing tbody tr td:first-child").first).to_have_text(largest)
    screenshot(phone, "data-sorted-size-phone")
    assert page.errors == [] and phone.errors == []


def _upload_urls(page):
    return page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('rapydo.upload:'))"
                         ".map(k => sessionStorage.getItem(k))")


def test_a_running_upload_is_cancelled_and_abandoned_on_the_server(site, person, new_page, tmp_path):
    data = os.urandom(5 * CHUNK)
    source = tmp_path / "big.nc"
    source.write_bytes(data)
    page = new_page()
    small_chunks(page)
    held, deletes = [], []
    page.on("request", lambda request: request.method == "DELETE" and deletes.append(request.url))

    def hold_the_second_chunk(route):
        if route.request.method == "PATCH" and route.request.headers.get("upload-offset") != "0":
            held.append(route)  # never answered: the upload is running when Cancel is pressed
        else:
            route.continue_()

    page.route(re.compile(r".*/api/uploads/[^/?]+$"), hold_the_second_chunk)
    open_home(page, site, person)
    page.get_by_label("Upload files").set_input_files(source)
    row = page.get_by_role("list", name="Uploads").get_by_role("listitem").filter(has_text="big.nc")
    expect(row).to_contain_text("uploading")
    page.wait_for_function("() => document.querySelector('ul.uploads progress').value > 0")
    assert held, "the second chunk was sent"
    [upload_url] = _upload_urls(page)
    assert site.session_of(person).head(upload_url, headers={"Tus-Resumable": "1.0.0"},
                                        timeout=TIMEOUT).headers["Upload-Offset"] == str(CHUNK)
    row.get_by_role("button", name="Cancel big.nc").click()
    expect(row).to_contain_text("cancelled")
    expect(row.get_by_role("button", name="Cancel big.nc")).to_be_hidden()
    expect(row.get_by_role("button", name="Retry big.nc")).to_be_hidden()
    expect(page.get_by_role("alert")).to_have_text("Upload cancelled: nothing was stored.")
    screenshot(page, "data-upload-cancelled")
    assert deletes == [upload_url]
    # The server no longer has the upload, and no object appeared.
    gone = site.session_of(person).head(upload_url, headers={"Tus-Resumable": "1.0.0"}, timeout=TIMEOUT)
    assert gone.status_code in (404, 410)
    assert stat(site, person, f"{home_of(person)}/big.nc").status_code == 404
    assert _upload_urls(page) == []
    page.reload()
    signed_in(page, person)
    expect(page.get_by_role("table").get_by_role("button", name="big.nc")).to_have_count(0)
    assert page.errors == []


def test_a_failed_upload_is_cancelled_instead_of_retried(site, person, new_page, tmp_path):
    data = os.urandom(3 * CHUNK)
    source = tmp_path / "cut.nc"
    source.write_bytes(data)
    page = new_page()
    small_chunks(page)
    page.route(re.compile(r".*/api/uploads/[^/?]+$"), lambda route: route.abort("connectionreset")
               if route.request.method == "PATCH" and route.request.headers.get("upload-offset") != "0"
               else route.continue_())
    open_home(page, site, person)
    page.get_by_label("Upload files").set_input_files(source)
    row = page.get_by_role("list", name="Uploads").get_by_role("listitem").filter(has_text="cut.nc")
    expect(row).to_contain_text("failed: The connection was lost")
    [upload_url] = _upload_urls(page)
    row.get_by_role("button", name="Cancel cut.nc").click()
    expect(row).to_contain_text("cancelled")
    gone = site.session_of(person).head(upload_url, headers={"Tus-Resumable": "1.0.0"}, timeout=TIMEOUT)
    assert gone.status_code in (404, 410)
    assert stat(site, person, f"{home_of(person)}/cut.nc").status_code == 404
    assert page.errors == []


def test_files_dropped_on_the_listing_are_uploaded(site, person, new_page):
    home = home_of(person)
    store(site, person, f"{home}/existing.txt", b"e")
    page = new_page()
    open_home(page, site, person)
    content = "dropped by drag and drop\n"
    # What a drop from the desktop gives the page: a DataTransfer holding a File.
    transfer = page.evaluate_handle("""(text) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], "dropped.txt", { type: "text/plain" }));
        return transfer;
    }""", content)
    zone = page.locator(".drop-zone")
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_class(re.compile("dropping"))
    screenshot(page, "data-drop-over")
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    row = page.get_by_role("list", name="Uploads").get_by_role("listitem").filter(has_text="dropped.txt")
    expect(row).to_contain_text("done")
    expect(page.get_by_role("alert")).to_have_text("Uploads finished.")
    expect(page.get_by_role("table").get_by_role("button", name="dropped.txt", exact=True)).to_be_visible()
    expect(zone).not_to_have_class(re.compile("dropping"))
    screenshot(page, "data-drop-upload")
    got = site.session_of(person).get(site.data_url(f"{home}/dropped.txt"), timeout=TIMEOUT)
    assert got.status_code == 200 and got.content == content.encode()
    assert page.errors == []


def test_a_folder_dropped_from_the_desktop_is_uploaded_with_its_tree(site, person, new_page, tmp_path):
    """A real drag from the operating system, as Chromium's DevTools protocol delivers one
    (Input.dispatchDragEvent with file paths): the page reads the folder through
    webkitGetAsEntry and uploads every file under its relative path."""
    folder = tmp_path / "station7"
    (folder / "raw").mkdir(parents=True)
    contents = {"notes.txt": b"calm sea\n", "raw/ctd.bin": os.urandom(90_000)}
    for relative, data in contents.items():
        (folder / relative).write_bytes(data)
    page = new_page()
    open_home(page, site, person)
    box = page.locator(".drop-zone").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    devtools = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(folder)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        devtools.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    uploads = page.get_by_role("list", name="Uploads")
    for relative in contents:
        expect(uploads.get_by_role("listitem").filter(has_text=f"station7/{relative}")).to_contain_text("done")
    expect(page.get_by_role("alert")).to_have_text("Uploads finished.")
    expect(page.get_by_role("table").get_by_role("link", name="station7/")).to_be_visible()
    for relative, data in contents.items():
        got = site.session_of(person).get(site.data_url(f"{home_of(person)}/station7/{relative}"), timeout=TIMEOUT)
        assert got.status_code == 200 and got.content == data, relative
    assert page.errors == []
