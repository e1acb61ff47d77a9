"""The web interface in a real headless Chromium (Debian's `chromium`, installed by
`python3 -m tests.services up`), driven by Playwright's Python package with that system
browser: no browser is downloaded (`playwright install` is never run).

One live API (real uWSGI, local storage) per module; every test gets a fresh browser
context (its own sessionStorage) and its own user, so tests do not depend on each other.
Without Chromium or Playwright the tests skip, except in CI (`CI` set): there they fail.
Screenshots of the pages go to tests/web/artifacts/ (git-ignored; CI collects them).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

from tests.api.deployments import PASSWORD, ZONE, Deployment
from tests.live import running_api

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000  # a safeguard against a hang, not a measurement
_unique = itertools.count()


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run)")
    pytest.skip(reason)


_browser: dict = {}


@pytest.fixture(scope="session")
def chromium():
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        _missing(f"no Chromium at {CHROMIUM}: `python3 -m tests.services up` installs Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[test]'")
    # One browser for the process: projects' tests import these fixtures (each import is a
    # session fixture of its own), and Playwright's sync API cannot run twice at once.
    if not _browser:
        playwright = sync_playwright().start()
        _browser.update(playwright=playwright, users=0,
                        browser=playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))
    _browser["users"] += 1
    yield _browser["browser"]
    _browser["users"] -= 1
    if not _browser["users"]:
        _browser["browser"].close()
        _browser.pop("playwright").stop()
        _browser.clear()


class Site(Deployment):
    """The running API, seen from the browser: the page's URL and users made per test."""

    def web(self, fragment: str = "") -> str:
        return self.url("/web/") + fragment

    def data_url(self, logical_path: str) -> str:
        return self.url("/api/data" + logical_path)

    def new_user(self, prefix: str = "user") -> str:
        username = f"{prefix}{next(_unique)}"
        self.create_user(username)
        return username


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("web")) as live:
        yield Site(live)


@pytest.fixture(scope="module")
def working_site(tmp_path_factory):
    """A site whose jobs run: the API plus a real Celery worker on RabbitMQ, on a queue of
    its own (tests/workflows/deployment.py)."""
    from tests.workflows.deployment import jobs_deployment

    with jobs_deployment(tmp_path_factory.mktemp("web-jobs")) as client:
        yield Site(client.live)


@pytest.fixture
def person(site):
    """A fresh user of the site, with PASSWORD."""
    return site.new_user()


@pytest.fixture
def new_page(chromium, request):
    """`new_page(viewport=DESKTOP)`: a page in a fresh browser context (a separate
    sessionStorage, as a new tab or another browser would have)."""
    contexts = []

    def make(viewport: dict = DESKTOP):
        context = chromium.new_context(viewport=viewport, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        # A page error is a failure the person would see as a broken page: collect them.
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def home_of(username: str) -> str:
    return f"/{ZONE}/home/{username}"


__all__ = ["PASSWORD", "PHONE", "DESKTOP", "screenshot", "home_of"]
