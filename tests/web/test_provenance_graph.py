"""A person runs the two-step example, opens the job's interactive provenance graph, follows the
node of the input file to its details page, walks a file's lineage backward and forward one hop
at a time, and sees the workflow's picture; a second person who may not read the job sees the
API's refusal instead of a graph. In a real headless Chromium against the real API (uWSGI) with
a real Celery worker (the `working_site` fixture of tests/web/conftest.py)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.web.conftest import PHONE, home_of, screenshot
from tests.web.test_jobs_pages import register_by_api, submit_by_api
from tests.web.test_sign_in import sign_in, store
from tests.workflows.deployment import example

TIMEOUT = 30
JOB_SECONDS = 120  # a safeguard for the job to end (cwltool starts slowly), not a measurement


def finished_job(site, person: str, workflow: str, inputs: dict, outputs: str) -> dict:
    job_id = submit_by_api(site, person, workflow, inputs, outputs)
    deadline = time.monotonic() + JOB_SECONDS
    while True:
        job = site.session_of(person).get(site.url(f"/api/jobs/{job_id}"), timeout=TIMEOUT).json()
        if job["status"] in ("successful", "failed", "dismissed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert job["status"] == "successful", job
    return job


def item_link(path: str) -> str:
    return "#/item" + path


def graph_node(page, scope: str, label: str):
    """A node of the picture, by what it says (its kind and label)."""
    return page.locator(f'{scope} figure.prov-graph svg a.prov-node[aria-label^="{label}"]')


def listed(page, label: str):
    return page.locator("ul.prov-nodes li").filter(has_text=label)


def test_graph_follows_the_input_expands_both_ways_and_refuses_others(working_site, new_page):
    site = working_site
    person = site.new_user("tracer")
    home = home_of(person)
    name = f"two-step-{person}"
    register_by_api(site, person, name, example("two-step-text"))
    source = f"{home}/in.txt"
    store(site, person, source, b"three little words\n")
    job = finished_job(site, person, f"{name}/1.0", {"text": {"class": "File", "path": source}},
                       f"{home}/results/traced")
    results = site.session_of(person).get(site.url(f"/api/jobs/{job['id']}/results"), timeout=TIMEOUT).json()
    output = results["counted"]["path"]

    page = new_page()
    sign_in(page, site, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(person)

    # The job's page: its PROV as a picture whose nodes are links, and a list mirroring it.
    page.goto(site.web(f"#/job/{job['id']}"))
    scope = "#job-provenance"
    input_node = graph_node(page, scope, "file in.txt")
    expect(input_node).to_be_visible()
    assert input_node.get_attribute("href") == item_link(source)
    expect(graph_node(page, scope, "step upper")).to_have_attribute("href", f"#/job/{job['id']}")
    expect(graph_node(page, scope, "step count")).to_be_visible()
    expect(graph_node(page, scope, "file count.txt")).to_have_attribute("href", item_link(output))
    expect(page.locator(f"{scope} ul.prov-nodes").get_by_role("link", name="in.txt")).to_be_visible()
    screenshot(page, "job-provenance-graph")

    # A click on the input's node opens the input's details page.
    input_node.click()
    expect(page).to_have_url(re.compile(re.escape(item_link(source)) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("in.txt")
    expect(page.locator('dd[data-fact="path"]')).to_have_text(source)

    # Its lineage page: one hop each way (the output is derived from it: one hop too), then
    # what was made from the first step's result: the second step.
    page.get_by_role("link", name="Lineage").click()
    expect(page).to_have_url(re.compile(re.escape("#/lineage" + source) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lineage of in.txt")
    expect(graph_node(page, "main", "step upper")).to_be_visible()
    expect(graph_node(page, "main", "step count")).to_have_count(0)
    intermediate = page.locator("ul.prov-nodes li[data-kind=entity]").filter(has_text="of step upper")
    expect(intermediate).to_have_count(1)
    intermediate.get_by_role("button", name=re.compile("^What was made from")).click()
    expect(page.get_by_role("alert")).to_contain_text("Added what was made from")
    expect(graph_node(page, "main", "step count")).to_have_attribute("href", f"#/job/{job['id']}")
    expect(graph_node(page, "main", "file count.txt")).to_have_attribute("href", item_link(output))
    expect(page).to_have_url(re.compile(r"\?forward="))  # kept in the URL: Back returns here
    screenshot(page, "lineage-forward")

    # The output's lineage: one hop back reaches the step that made it (and the input it is
    # derived from); expanding what that step used reaches the first step.
    page.goto(site.web("#/lineage" + output))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lineage of count.txt")
    expect(graph_node(page, "main", "step count")).to_be_visible()
    expect(graph_node(page, "main", "step upper")).to_have_count(0)
    intermediate = page.locator("ul.prov-nodes li[data-kind=entity]").filter(has_text="of step upper")
    intermediate.get_by_role("button", name=re.compile("^Where .* came from")).click()
    expect(graph_node(page, "main", "step upper")).to_be_visible()
    expect(graph_node(page, "main", "file in.txt")).to_have_attribute("href", item_link(source))
    screenshot(page, "lineage-backward")
    # Keyboard: the input's node takes the focus and Enter opens it.
    graph_node(page, "main", "file in.txt").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(item_link(source)) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("in.txt")
    # Back: the lineage page as it was left, expansion included.
    page.go_back()
    expect(graph_node(page, "main", "step upper")).to_be_visible()

    # The workflow page shows the steps as a picture with a text alternative naming them.
    page.goto(site.web(f"#/workflows/{name}/1.0"))
    picture = page.locator("#workflow-picture img")
    expect(picture).to_be_visible()
    page.wait_for_function("document.querySelector('#workflow-picture img').complete")
    assert picture.evaluate("img => img.naturalWidth") > 0
    assert picture.get_attribute("src").startswith("blob:")
    alt = picture.get_attribute("alt")
    assert "upper then count" in alt and "text" in alt and "counted" in alt
    screenshot(page, "workflow-picture")
    assert page.errors == []

    # On a phone: the same pages, picture above the list.
    phone = new_page(PHONE)
    sign_in(phone, site, person)
    expect(phone.get_by_role("heading", level=1)).to_have_text(person)
    phone.goto(site.web(f"#/job/{job['id']}"))
    expect(graph_node(phone, scope, "file in.txt")).to_be_visible()
    phone.locator("#job-provenance").scroll_into_view_if_needed()
    screenshot(phone, "job-provenance-graph-phone")
    phone.goto(site.web("#/lineage" + output))
    expect(graph_node(phone, "main", "step count")).to_be_visible()
    screenshot(phone, "lineage-phone")
    phone.goto(site.web(f"#/workflows/{name}/1.0"))
    expect(phone.locator("#workflow-picture img")).to_be_visible()
    phone.wait_for_function("document.querySelector('#workflow-picture img').complete")
    screenshot(phone, "workflow-picture-phone")
    assert phone.errors == []

    # Someone who may not read the job or its files sees the API's refusal, not a graph.
    stranger = site.new_user("stranger")
    refused_job = site.session_of(stranger).get(site.url("/api/provenance/graph"), timeout=TIMEOUT,
                                                params={"job": job["id"]})
    assert refused_job.status_code == 404
    refused_path = site.session_of(stranger).get(site.url("/api/provenance/graph"), timeout=TIMEOUT,
                                                 params={"path": output})
    assert refused_path.status_code == 403
    other = new_page()
    sign_in(other, site, stranger)
    expect(other.get_by_role("heading", level=1)).to_have_text(stranger)
    other.goto(site.web(f"#/job/{job['id']}"))
    expect(other.get_by_role("alert")).to_have_text(
        site.session_of(stranger).get(site.url(f"/api/jobs/{job['id']}"), timeout=TIMEOUT).json()["error"])
    expect(other.locator("svg")).to_have_count(0)
    other.goto(site.web("#/lineage" + output))
    expect(other.get_by_role("alert")).to_have_text(refused_path.json()["error"])
    expect(other.locator("figure.prov-graph svg")).to_have_count(0)
    screenshot(other, "lineage-refused")
    assert other.errors == []
