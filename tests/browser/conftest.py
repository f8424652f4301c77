"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against Django's live
server, the demo data, and one signed-in browser window per demo account.

Never `playwright install`: the browser is /usr/bin/chromium (CHROMIUM to override)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "demo-Pass-2026"
# Desktop width of the screenshots and of the journey's windows.
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000
# Where a failed test leaves a screenshot and the HTML of every open window.
FAILURES = Path(__file__).resolve().parents[2] / "var" / "browser-failures"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a module (its event loop stops with it, so the suite's other
    tests run without one)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Playwright's event loop runs in the test's thread, where the tests (and the live server
    # next to them) make synchronous database calls: Django must allow them while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def demo_data(settings):
    """The checklist library and the demo accounts and files (seed_demo), password known."""
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    with open(os.devnull, "w") as quiet:
        call_command("import_checklists", stdout=quiet)
        call_command("seed_demo", "--force", stdout=quiet)


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form (the page's context has the server as base_url);
    fails unless signed in."""
    page.goto("/accounts/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    page.locator('form:has(input[name="password"]) button[type="submit"]').click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


class People:
    """A browser window (own cookies) per demo account, signed in on first use."""

    def __init__(self, browser, base_url: str) -> None:
        self._browser = browser
        self._base_url = base_url
        self._pages: dict[str, object] = {}
        self._contexts: list = []

    def window(self, username: str | None = None):
        """The page of `username`, or a fresh anonymous window when None."""
        if username in self._pages:
            return self._pages[username]
        context = self._browser.new_context(
            base_url=self._base_url, viewport=VIEWPORT, locale="vi-VN"
        )
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        page = context.new_page()
        if username is not None:
            login(page, username)
            self._pages[username] = page
        return page

    def keep_evidence(self, name: str) -> None:
        """Save a screenshot and the HTML of every open window (for a failed test)."""
        FAILURES.mkdir(parents=True, exist_ok=True)
        for index, context in enumerate(self._contexts):
            for number, page in enumerate(context.pages):
                stem = FAILURES / f"{name}-{index}-{number}"
                try:
                    page.screenshot(path=f"{stem}.png", full_page=True)
                    Path(f"{stem}.html").write_text(f"<!-- {page.url} -->\n{page.content()}")
                except Exception as error:  # a closed or crashed page: keep going
                    Path(f"{stem}.txt").write_text(repr(error))

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed
    return report


@pytest.fixture
def people(request, browser, live_server) -> Iterator[People]:
    cast = People(browser, live_server.url)
    try:
        yield cast
    finally:
        if getattr(request.node, "browser_failed", False):
            cast.keep_evidence(request.node.name)
        cast.close()
