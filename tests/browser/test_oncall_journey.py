"""An ops lead sets up their team's on-call in a real browser: a webhook channel, then a
two-step escalation policy built with the "Add a step" button (no script needed), made the
team default, and a shorter acknowledge time for SEV1."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from operations.models import EscalationPolicy, SeverityPolicy

from .test_shell_journey import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_ops_lead_sets_up_the_teams_on_call(
    page: Page, live_server, live_org, demo_password, server_errors
):
    base = live_server.url
    log_in(page, base, "ops", demo_password)
    page.goto(f"{base}/operations/")
    page.get_by_role("link", name="On-call settings").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("On-call settings")
    expect(page.locator("#policies-h + p.empty")).to_contain_text("notify nobody")

    page.get_by_role("link", name="New channel").click()
    page.locator("#id_name").fill("Ops Slack")
    page.locator("#id_kind").select_option("webhook")
    page.locator("#id_target").fill("hooks.example.jp/ops")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter a webhook URL")
    page.locator("#id_target").fill("https://hooks.example.jp/ops")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-channel]")).to_contain_text("https://hooks.example.jp/ops")

    page.get_by_role("link", name="New escalation policy").click()
    page.locator("#id_name").fill("Weekday")
    page.locator("#id_is_default").check()
    page.locator("#id_steps-0-notify_user").select_option(str(live_org["users"]["ops"].pk))
    page.get_by_role("button", name="Add a step").click()
    page.locator("#id_steps-1-delay_minutes").fill("15")
    page.locator("#id_steps-1-channel").select_option(label="Ops Slack (Webhook)")
    page.locator("#id_steps-1-notify_role").select_option("manager")
    page.get_by_role("button", name="Save").click()
    policy = page.locator("[data-policy]")
    expect(policy).to_contain_text("Weekday")
    expect(policy).to_contain_text("team default")
    expect(policy.locator("li")).to_have_count(2)
    expect(policy.locator("li").nth(1)).to_contain_text("after 15 minutes")
    expect(policy.locator("li").nth(1)).to_contain_text("Ops Slack")

    page.get_by_role("link", name="Change acknowledge times").click()
    page.locator("#id_sev1_ack").fill("5")
    page.locator("#id_sev1_escalate").fill("10")
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-severity="sev1"]')).to_contain_text("this team")

    team = live_org["teams"]["marketing-ops"]
    saved = EscalationPolicy.objects.get(team=team, is_default=True)
    assert saved.steps.count() == 2
    assert SeverityPolicy.objects.get(team=team, severity="sev1").ack_minutes == 5
    assert server_errors == []
