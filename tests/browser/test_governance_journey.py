"""A manager runs this week's review in a real browser: prepared agenda, decision, next action,
close; the action then appears on its owner's list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def week_data(org):
    """A search campaign whose conversions stopped on Monday (a broken tag), a conversions KPI
    owned by digital-marketing with a weekly target of 100, and the incident that explains it."""
    from analytics.models import Metric, MetricFact
    from analytics.services.campaigns import create_campaign
    from analytics.services.kpis import create_kpi
    from governance.periods import week_of
    from governance.services.kpis import adopt_kpi, set_target
    from mops.permissions import grant_team_access
    from operations.models import Incident

    team, manager = org["teams"]["digital-marketing"], org["users"]["manager"]
    today = timezone.localdate()
    monday, sunday = week_of(today)
    campaign = create_campaign(
        team=team, name="Brand search", code="brand-search", channel="search"
    )
    # The catalogue comes from a data migration; a flush by an earlier transactional test may
    # have emptied it, so the one metric this journey needs is ensured here.
    Metric.objects.get_or_create(key="conversions", defaults={"name": "Conversions"})
    ids = dict(Metric.objects.values_list("key", "id"))
    start = monday - dt.timedelta(days=56)
    MetricFact.objects.bulk_create(
        MetricFact(
            campaign=campaign,
            date=start + dt.timedelta(days=i),
            metric_id=ids["conversions"],
            source="test",
            value=0 if start + dt.timedelta(days=i) >= monday else 15,
        )
        for i in range((today - start).days + 1)
    )
    kpi = create_kpi(key="conversions", name="Conversions", expression="conversions")
    profile = adopt_kpi(kpi=kpi, team=team, owner=manager, direction="higher")
    set_target(profile=profile, period_start=monday, period_end=sunday, value=100)
    incident = Incident.objects.create(
        title="Conversion tag down on the brand site",
        team=team,
        severity="sev2",
        triggered_at=timezone.make_aware(dt.datetime.combine(monday, dt.time(8))),
    )
    incident.affected_kpis.set([kpi])
    grant_team_access(team, incident)


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")


def test_manager_runs_the_weekly_review(
    page: Page, live_server, live_org, demo_password, server_errors
):
    week_data(live_org)
    base = live_server.url
    log_in(page, base, "manager", demo_password)

    page.goto(f"{base}/governance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Governance")
    page.get_by_role("link", name="New review").first.click()
    page.get_by_label("team").select_option(label="デジタルマーケティング部")
    page.get_by_role("button", name="Create and prepare the agenda").click()

    # The prepared agenda: the KPI is off track and the incident explains it.
    expect(page.locator(".messages")).to_contain_text("its agenda is prepared")
    kpi_item = page.locator("article.gov-agenda-item[data-kind='kpi'][data-ref='conversions']")
    expect(kpi_item.locator(".badge.status-off_track")).to_have_text("Off track")
    expect(kpi_item.locator(".gov-explains")).to_have_text("Conversion tag down on the brand site")
    incident_item = page.locator("article.gov-agenda-item[data-kind='incident']")
    expect(incident_item).to_contain_text("Conversion tag down on the brand site")

    page.get_by_role("button", name="Start meeting").click()
    expect(page.locator("[data-review-state]")).to_have_text("In meeting")

    # Check and decide on the KPI item.
    kpi_item.locator("summary").click()
    kpi_item.get_by_label("Root cause").fill("The conversion tag was removed in Monday's release.")
    kpi_item.get_by_label("Decision").fill("Restore the tag and annotate the gap in reports.")
    kpi_item.get_by_role("button", name="Save notes").click()
    expect(page.locator(".messages")).to_contain_text("Notes saved")

    # Act: a next action with an owner and a due date.
    form = page.locator("form.gov-next-action")
    form.get_by_label("Next action").fill("Restore the conversion tag")
    form.get_by_label("owner").select_option(label="marketer")
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    form.get_by_label("due date").fill(due)
    form.get_by_label("About agenda item").select_option(label="conversions — Conversions")
    form.get_by_role("button", name="Add next action").click()
    expect(page.locator(".messages")).to_contain_text("assigned to")
    expect(page.locator("#next-actions")).to_contain_text("Restore the conversion tag")

    # Close (the page asks for confirmation first).
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close review").click()
    expect(page.locator("[data-review-state]")).to_have_text("Closed")
    expect(page.get_by_role("button", name="Save notes")).to_have_count(0)
    expect(kpi_item).to_contain_text("Restore the tag and annotate the gap in reports.")

    # The owner finds the action on their list.
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "marketer", demo_password)
    page.goto(f"{base}/governance/actions/?show=mine")
    row = page.get_by_role("row").filter(has_text="Restore the conversion tag")
    expect(row).to_contain_text(re.compile(due))
    expect(row).to_contain_text("from review")
    assert server_errors == []


def test_governance_pages_fit_a_phone(
    page: Page, live_server, live_org, demo_password, server_errors
):
    from governance.services.reviews import create_review

    week_data(live_org)
    review = create_review(
        team=live_org["teams"]["digital-marketing"], by=live_org["users"]["manager"]
    )
    page.set_viewport_size({"width": 375, "height": 740})
    base = live_server.url
    log_in(page, base, "manager", demo_password)
    paths = ["/governance/", "/governance/kpis/conversions/", review.get_absolute_url()]
    for path in [*paths, "/governance/skills/", "/governance/maturity/"]:
        page.goto(f"{base}{path}")
        if "/kpis/" in path:  # measure after plotly has drawn the (responsive) chart
            expect(page.locator(".chart-canvas")).to_have_attribute("data-chart-ready", "true")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 377, f"{path} is {width}px wide at 375px"
    assert server_errors == []


def test_manager_maps_skills_and_the_scorecard_follows(
    page: Page, live_server, live_org, demo_password, server_errors
):
    """A manager adds a skill to the team's matrix, finds it depends on one person, rates a
    second member, and the maturity scorecard counts it as shared."""
    base = live_server.url
    log_in(page, base, "manager", demo_password)
    page.goto(f"{base}/governance/")
    page.get_by_role("link", name="Skills matrix").click()
    page.get_by_label("team", exact=True).select_option(label="デジタルマーケティング部")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Add a skill").click()
    page.get_by_label("name").fill("Google Ads bidding")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messages")).to_contain_text("Skill “Google Ads bidding” added")

    for username, level in (("marketer", "Can teach it"), ("manager", "Learning")):
        page.locator(f"tr[data-member='{username}']").get_by_role("link", name="rate").click()
        page.get_by_label("Google Ads bidding").select_option(label=level)
        page.get_by_role("button", name="Save").click()
    expect(page.locator("tfoot [data-capable]")).to_have_text("1")
    expect(page.locator(".msg-warning")).to_contain_text("1 skill depends on one person")

    page.locator("tr[data-member='manager']").get_by_role("link", name="rate").click()
    page.get_by_label("Google Ads bidding").select_option(label="Can do it alone")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tfoot [data-capable]")).to_have_text("2")
    expect(page.locator(".msg-warning")).to_have_count(0)

    page.goto(f"{base}/governance/maturity/")
    card = page.locator("section[data-team='digital-marketing']")
    expect(card.locator("tr[data-practice='skills_shared']")).to_contain_text(
        "1 of 1 skills have two or more people who can do them alone"
    )
    assert server_errors == []
