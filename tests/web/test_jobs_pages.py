"""A person registers a workflow, runs it from the generated form, watches the job on its
page until it ends, follows a result into the data browser, and opens the job's provenance:
in a real headless Chromium against the real API under uWSGI with a real Celery worker
(the `working_site` fixture of tests/web/conftest.py)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.web.conftest import home_of, screenshot
from tests.web.test_sign_in import sign_in, store
from tests.workflows.deployment import WORKFLOWS, example, sleeping_workflow

JOB_TIMEOUT_MS = 120_000  # a safeguard for a job to end (cwltool starts slowly), not a measurement
TIMEOUT = 30


def register_by_api(site, username: str, name: str, cwl: str) -> None:
    answer = site.session_of(username).post(site.url("/api/workflows"), timeout=TIMEOUT,
                                            json={"name": name, "version": "1.0", "cwl": cwl})
    assert answer.status_code == 201, answer.text


def submit_by_api(site, username: str, workflow: str, inputs: dict, outputs: str) -> str:
    answer = site.session_of(username).post(site.url("/api/jobs"), timeout=TIMEOUT, json={
        "workflow": workflow, "inputs": inputs, "outputs": outputs})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def fact(page, name: str):
    return page.locator(f'#job-summary dd[data-fact="{name}"]')


def step_row(page, step: str):
    return page.locator(f'#job-steps tr[data-step="{step}"]')


def test_register_run_watch_follow_a_result_and_open_the_provenance(working_site, new_page):
    site = working_site
    person = site.new_user("runner")
    home = home_of(person)
    name = f"two-step-{person}"
    page = new_page()
    sign_in(page, site, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(person)

    # Register the example workflow from a file chosen in the browser.
    page.locator("#nav").get_by_role("link", name="Workflows").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workflows")
    page.get_by_label("CWL file").set_input_files(str(WORKFLOWS / "two-step-text.cwl"))
    expect(page.get_by_label("Name")).to_have_value("two-step-text")
    page.get_by_label("Name").fill(name)
    screenshot(page, "workflows-register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} 1.0")
    expect(page.get_by_role("alert")).to_have_text(f"{name} 1.0 is registered.")
    steps = page.locator("ol.steps li")
    expect(steps).to_have_text(["upper", "count"])  # in the order they run
    ports = page.locator("table.ports tbody tr")
    expect(ports.filter(has_text="counted")).to_contain_text("count")  # the step producing it
    expect(ports.filter(has_text="text")).to_contain_text("File")
    screenshot(page, "workflow")

    # An input uploaded through the API; the generated form: a storage path for the File,
    text_input = page.get_by_label("text", exact=True)
    expect(text_input).to_have_value(f"{home}/")  # prefilled with the user's home
    # ... chosen in storage: the picker opens the home, then its collection holding the file.
    store(site, person, f"{home}/inputs/in.txt", b"three little words\n")
    page.get_by_role("button", name="Choose text in storage").click()
    picker = page.get_by_role("dialog", name="Choose text")
    picker.get_by_role("button", name="inputs/").click()
    expect(picker.locator(".picker-where")).to_have_text(f"{home}/inputs")
    screenshot(page, "job-form-picker")
    picker.get_by_role("button", name="in.txt").click()
    expect(text_input).to_have_value(f"{home}/inputs/in.txt")
    page.get_by_label("Outputs collection (new, or empty)").fill(f"{home}/results/run1")
    page.get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(r"#/job/[0-9a-f-]+$"))
    job_id = page.url.rsplit("/", 1)[-1]

    # The job page follows the job until it ends, both steps shown with their times.
    expect(fact(page, "Status")).to_have_text("successful", timeout=JOB_TIMEOUT_MS)
    for step in ("upper", "count"):
        expect(step_row(page, step).locator("td").first).to_have_text("successful")
        expect(step_row(page, step).locator('td[data-label="Took"]')).to_have_text(re.compile(r"^\d+\.\d s$"))
    expect(page.get_by_role("alert")).to_have_text("The job is successful.")
    expect(page.locator("#job-logs")).to_be_visible()
    screenshot(page, "job-successful")
    # What the API says is what the page showed.
    job = site.session_of(person).get(site.url(f"/api/jobs/{job_id}"), timeout=TIMEOUT).json()
    assert job["status"] == "successful" and [s["name"] for s in job["steps"]] == ["upper", "count"]

    # Provenance: the picture is an image that loaded, and the PROV-JSON downloads.
    page.get_by_role("button", name="Show the provenance picture").click()
    picture = page.locator("#job-provenance img")
    expect(picture).to_be_visible()
    page.wait_for_function("document.querySelector('#job-provenance img').complete")
    assert picture.evaluate("img => img.naturalWidth") > 0
    assert picture.get_attribute("src").startswith("blob:")
    screenshot(page, "job-provenance")
    with page.expect_download() as started:
        page.get_by_role("button", name="PROV-JSON").click()
    download = started.value
    assert download.suggested_filename == f"job-{job_id}-prov.json"
    with open(download.path(), "rb") as saved:
        document = json.loads(saved.read())
    assert "activity" in document
    with page.expect_download() as started:
        page.get_by_role("button", name="RO-Crate").click()
    with open(started.value.path(), "rb") as saved:
        assert saved.read(2) == b"PK"  # a zip
    # Every other download arrives with its bytes (nothing empty, no error shown).
    for label, suffix in (("PROV-N", "prov.provn"), ("PROV-XML", "prov.xml"), ("Turtle", "prov.ttl"),
                          ("JSON-LD", "prov.jsonld"), ("CWLProv research object", "cwlprov.zip"),
                          ("STAC Collection", "stac-collection.json")):
        with page.expect_download() as started:
            page.get_by_role("button", name=label, exact=True).click()
        assert started.value.suggested_filename == f"job-{job_id}-{suffix}"
        with open(started.value.path(), "rb") as saved:
            assert saved.read(1), label
        expect(page.get_by_role("alert")).to_have_text(f"{label} downloaded.")
    with open(started.value.path(), "rb") as saved:
        assert json.loads(saved.read())["type"] == "Collection"

    # A result's link opens the detailed view of the file the job stored.
    result = page.locator("#job-results").get_by_role("link", name="count.txt")
    target = result.get_attribute("title")
    assert target.startswith(f"{home}/results/run1/") and target.endswith("/count.txt")
    result.click()
    expect(page).to_have_url(re.compile(re.escape("#/item" + target) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("count.txt")
    expect(page.locator('dl.facts [data-fact="path"]')).to_have_text(target)
    expect(page.get_by_role("button", name="Download count.txt")).to_be_visible()
    screenshot(page, "job-result-in-data")
    assert page.errors == []


def test_a_failing_job_shows_the_failing_step_and_its_message_and_the_list_filters(working_site, new_page):
    site = working_site
    person = site.new_user("failer")
    home = home_of(person)
    name = f"fails-{person}"
    register_by_api(site, person, name, example("fails-on-purpose"))
    store(site, person, f"{home}/in.txt", b"anything\n")
    job_id = submit_by_api(site, person, f"{name}/1.0", {"text": {"class": "File", "path": f"{home}/in.txt"}},
                           f"{home}/results/failed")
    page = new_page()
    sign_in(page, site, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(person)
    page.goto(site.web(f"#/job/{job_id}"))
    expect(fact(page, "Status")).to_have_text("failed", timeout=JOB_TIMEOUT_MS)
    expect(fact(page, "Failed step")).to_have_text("fail")
    expect(step_row(page, "fail")).to_have_class("failed-step")
    expect(step_row(page, "fail").locator('td[data-label="Exit code"]')).to_have_text("3")
    expect(step_row(page, "copy").locator("td").first).to_have_text("successful")
    job = site.session_of(person).get(site.url(f"/api/jobs/{job_id}"), timeout=TIMEOUT).json()
    expect(page.get_by_role("alert")).to_have_text(f"The job failed: {job['message']}")
    expect(page.locator("#job-logs")).to_contain_text("failing on purpose")
    screenshot(page, "job-failed")

    # The list: the filter by status finds it, another status does not.
    page.locator("#nav").get_by_role("link", name="Jobs", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jobs")
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"#/jobs\?status=failed$"))
    expect(page.get_by_role("table").get_by_role("link", name=job_id)).to_be_visible()
    screenshot(page, "jobs-filtered")
    page.get_by_label("Status").select_option("successful")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No job matches.")).to_be_visible()
    page.get_by_label("Status").select_option("")
    page.get_by_label("Workflow", exact=True).fill(name)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Jobs 1–1 of 1")).to_be_visible()
    assert page.errors == []


def test_cancels_a_running_job_after_confirming(working_site, new_page):
    site = working_site
    person = site.new_user("canceller")
    home = home_of(person)
    name = f"sleeps-{person}"
    register_by_api(site, person, name, sleeping_workflow(417))
    store(site, person, f"{home}/in.txt", b"zzz\n")
    job_id = submit_by_api(site, person, f"{name}/1.0", {"text": {"class": "File", "path": f"{home}/in.txt"}},
                           f"{home}/results/nap")
    page = new_page()
    sign_in(page, site, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(person)
    page.goto(site.web(f"#/job/{job_id}"))
    expect(step_row(page, "nap").locator("td").first).to_have_text("running", timeout=JOB_TIMEOUT_MS)

    # Keeping it closes the dialog and changes nothing.
    page.get_by_role("button", name="Cancel…").click()
    dialog = page.get_by_role("dialog", name="Cancel this job?")
    expect(dialog).to_be_visible()
    screenshot(page, "job-cancel-dialog")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    assert site.session_of(person).get(site.url(f"/api/jobs/{job_id}"), timeout=TIMEOUT).json()["status"] == "running"

    page.get_by_role("button", name="Cancel…").click()
    dialog.get_by_role("button", name="Cancel the job").click()
    expect(fact(page, "Status")).to_have_text("dismissed", timeout=JOB_TIMEOUT_MS)
    assert site.session_of(person).get(site.url(f"/api/jobs/{job_id}"), timeout=TIMEOUT).json()["status"] == "dismissed"
    assert page.errors == []
