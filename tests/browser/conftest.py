"""Browser fixtures: the real app served by uvicorn on loopback (SQLite only, with its mail
sender delivering to the aiosmtpd `smtp_server`), and Debian's Chromium driven by Playwright.

Without /usr/bin/chromium (or the npm / `make vendor` files) these tests skip, except on CI
(`CI=true`), where a missing browser is a failure: CI must install it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from consult.app import create_app
from consult.settings import Settings
from tests.conftest import _base_settings, serving

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HTMX_JS = ROOT / "static" / "vendor" / "htmx" / "htmx.min.js"
BROWSER_DIR = Path(__file__).resolve().parent


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip when something the browser tests need is missing; on CI, fail instead."""
    if condition:
        return
    if on_ci():
        pytest.fail(f"{reason} (CI=true: the CI job must provide it)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- the live server --------------------------------------------------------------------------


@pytest.fixture
def live_settings(sqlite_template, tmp_path, smtp_server, live_socket) -> Settings:
    """A fresh copy of the migrated SQLite database; mail goes to the test SMTP server."""
    shutil.copy(sqlite_template, tmp_path / "consult.db")
    port = live_socket.getsockname()[1]
    return replace(
        _base_settings(tmp_path, f"sqlite:///{tmp_path / 'consult.db'}"),
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        base_url=f"http://127.0.0.1:{port}",
    )


@pytest.fixture
def live_app(live_settings):
    return create_app(live_settings, run_worker=True)


@pytest.fixture
def live_db(live_app):
    """The running app's database, for the conftest factories."""
    return live_app.state.db


@pytest.fixture
def live_server(live_app, live_settings, live_socket):
    """Serve the app with uvicorn in a background thread; yields its base URL."""
    require(HTMX_JS.is_file(), f"{HTMX_JS} is missing: run `make vendor`")
    with serving(live_app, live_socket, live_settings.base_url) as url:
        yield url


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_driver():
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium_browser(playwright_driver):
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def browser_context(request, chromium_browser):
    # axe is injected as an inline script, which our Content-Security-Policy rightly refuses;
    # only tests that run axe bypass it. Every other page runs under the real policy.
    bypass = "axe_source" in request.fixturenames
    context = chromium_browser.new_context(locale="en-GB", timezone_id="UTC", bypass_csp=bypass)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def browser_page(browser_context):
    """A page that fails its test if the browser refuses anything under the CSP."""
    page = browser_context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    assert not refused, f"the Content-Security-Policy blocked something: {refused}"


@pytest.fixture
def axe_source() -> str:
    require(AXE_JS.is_file(), f"{AXE_JS} is missing: run `npm ci` at the repository root")
    return AXE_JS.read_text(encoding="utf-8")
