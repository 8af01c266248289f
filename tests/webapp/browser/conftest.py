"""A real Chromium (Debian's, never a downloaded one) driven by Playwright against a live test server.

The tests skip when Chromium is missing on a developer's machine; with LIKENESS_REQUIRE_BROWSER=1
(set by .ci/run) a missing browser fails them instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LIKENESS_CHROMIUM", "/usr/bin/chromium")
# axe-core as `npm ci` installs it from package-lock.json (make test, .ci/run): nothing is fetched by the tests.
AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]  # fmt: skip


def missing(message: str) -> None:
    """Skip on a developer's machine; fail in CI, where every browser test must run."""
    if os.environ.get("LIKENESS_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        missing(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread from here on; the tests' database
    # work (and the database teardown after them) is still synchronous, so Django's async-safety
    # guard would refuse it without this. Test processes only; never set in deployment.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        missing(f"axe-core is not installed at {AXE} (npm ci, or make install-dev).")
    return AXE.read_text()
