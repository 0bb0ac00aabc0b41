"""Browser tests: Playwright drives Debian's Chromium against the app served on a live port.

Screenshots of every page land in tests/browser/artifacts/ (gitignored). Without
/usr/bin/chromium (installed by `make browser`) the tests skip, saying so.
"""

from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.support.browser import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
DIST = Path(__file__).parent.parent.parent / "app" / "web" / "static" / "dist"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]



def pytest_collection_modifyitems(config, items):
    """Skip the browser tests, saying why, when Debian's Chromium is not installed."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (run `make browser` as root)")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Browse:
    """One user's browser tab (its own cookies), a tablet-sized window, with login and screenshots."""

    def __init__(self, chromium, base_url: str, username: str, portrait: bool = False, javascript: bool = True):
        self.username = username
        size = {"width": 820, "height": 1180} if portrait else {"width": 1180, "height": 820}
        self.context = chromium.new_context(base_url=base_url, viewport=size, locale="zh-CN", has_touch=portrait,
                                            java_script_enabled=javascript)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()

    def login(self) -> "Browse":
        page = self.page
        page.goto("/login")
        page.fill("input[name=username]", self.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("header .who")
        return self

    def shot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browse(chromium, live_url):
    """Open a tab as a demo user: `browse("window_cg")` (a landscape tablet, or `portrait=True`)."""
    opened: list[Browse] = []

    def open_as(username: str, login: bool = True, portrait: bool = False, javascript: bool = True) -> Browse:
        tab = Browse(chromium, live_url, username, portrait, javascript)
        opened.append(tab)
        return tab.login() if login else tab

    yield open_as
    for tab in opened:
        tab.close()


@pytest.fixture
def bundles_built():
    """The pages load the bundles `make assets` builds; say so rather than time out waiting for them."""
    missing = [name for name in ("viewer.js", "modeler.js", "form-editor.js") if not (DIST / name).exists()]
    assert not missing, f"front-end bundles {missing} are not built: run `make assets`"

