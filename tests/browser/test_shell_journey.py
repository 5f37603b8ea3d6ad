"""The portal shell in a real browser: log in, switch language, move between sections, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

# Transactional (the live server runs in another thread) with serialized rollback, so the role
# groups created by data migrations survive the flush after each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SECTIONS = [
    ("Operations", "/operations/"),
    ("Governance", "/governance/"),
    ("Analytics", "/analytics/"),
]
PHONE_WIDTH = 375
OVERFLOW_TOLERANCE_PX = 2


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Open the portal anonymously, get sent to the login form, and sign in through it."""
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")


def section_link(page: Page, label: str) -> Locator:
    nav = page.get_by_role("navigation", name="Sections")
    return nav.get_by_role("link", name=label, exact=True)


def follow(page: Page, link: Locator) -> None:
    """Click a link and require the document it loads to be a 200."""
    with page.expect_navigation() as navigation:
        link.click()
    response = navigation.value
    assert response is not None
    assert response.status == 200, f"{response.status} for {response.url}"


def assert_fits_phone_width(page: Page) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH + OVERFLOW_TOLERANCE_PX, (
        f"{page.url} is {scroll_width}px wide at a {PHONE_WIDTH}px viewport"
    )


def test_log_in_and_switch_language(
    page: Page, live_server, live_org, demo_password, server_errors
):
    base = live_server.url
    log_in(page, base, "manager", demo_password)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")

    page.get_by_role("button", name="日本語").click()
    expect(html).to_have_attribute("lang", "ja")
    expect(page).to_have_url(f"{base}/")  # the switch returns to the page it was used on

    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    assert server_errors == []


def test_every_section_from_the_desktop_nav(
    page: Page, live_server, live_org, demo_password, server_errors
):
    base = live_server.url
    log_in(page, base, "manager", demo_password)

    for label, path in SECTIONS:
        link = section_link(page, label)
        expect(link).to_be_visible()
        follow(page, link)
        expect(page).to_have_url(f"{base}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        expect(section_link(page, label)).to_have_attribute("aria-current", "page")

    follow(page, section_link(page, "Overview"))
    expect(page).to_have_url(f"{base}/")
    assert server_errors == []


def test_phone_width_menu_reaches_every_section_without_overflow(
    page: Page, live_server, live_org, demo_password, server_errors
):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    base = live_server.url
    log_in(page, base, "manager", demo_password)
    assert_fits_phone_width(page)

    menu = page.locator("details.nav-menu")
    summary = menu.locator("summary")
    for label, path in SECTIONS:
        link = section_link(page, label)
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("Menu")
        expect(link).to_be_hidden()  # every page starts with the menu collapsed

        summary.click()
        expect(menu).to_have_attribute("open", "")
        expect(link).to_be_visible()
        assert_fits_phone_width(page)

        follow(page, link)
        expect(page).to_have_url(f"{base}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        assert_fits_phone_width(page)
    assert server_errors == []


def test_log_out_from_the_user_menu(
    page: Page, live_server, live_org, demo_password, server_errors
):
    base = live_server.url
    log_in(page, base, "manager", demo_password)

    page.locator("details.user-menu > summary").filter(has_text="manager").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    # The session is really gone: the overview sends us back to the login form.
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert server_errors == []
