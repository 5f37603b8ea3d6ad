"""Browser-test harness: headless Chromium (Debian's, not Playwright's download) via Playwright.

Every test in this directory is marked ``browser``. When Chromium is missing the tests skip
locally but fail loudly under ``CI`` (CI installs Chromium, so a missing browser is a CI bug).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mops.management.commands.seed_demo import DEMO_PASSWORD, seed_core
from tests.conftest import restore_reference_data

HERE = Path(__file__).parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Per-action and navigation timeouts: a journey step that takes longer than this is a failure,
# not something to wait out (each test should finish in a few seconds).
ACTION_TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this directory as a browser test."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    """Skip locally; fail loudly in CI, where browser tests must never silently skip."""
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _chromium_path() -> str:
    configured = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    resolved = configured if os.path.isfile(configured) else shutil.which(configured)
    if not resolved or not os.access(resolved, os.X_OK):
        _unavailable(f"Chromium not found at {configured!r} (install it or set CHROMIUM_PATH)")
    return str(resolved)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    executable = _chromium_path()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev dependencies include playwright
        _unavailable(f"the playwright package is not installed ({exc})")
        return

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            _unavailable(f"Chromium at {executable!r} failed to launch: {exc}")
            return
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    """A fresh browser context and page per test (no cookies shared between tests)."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def live_org(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    """The demo organisation, committed so the live server's thread can see it.

    Serialized rollback restores what data migrations created (the role groups ``seed_core``
    needs), which the flush after every transactional test removes.
    """
    restore_reference_data()
    return seed_core()


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD


@pytest.fixture
def server_errors(page) -> list[str]:
    """Every 5xx response the page receives (documents, static files, htmx requests)."""
    errors: list[str] = []
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 500 else None
        ),
    )
    return errors
