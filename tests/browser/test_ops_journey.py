"""An ops user's incident in a real browser: the incident appears on the triage board without a
reload, is acknowledged with one click, its tool's runbook is run step by step, then it is
resolved and the postmortem written."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from operations.models import Incident, RunbookExecution, Tool
from operations.services.incidents import raise_alert
from operations.services.runbooks import create_runbook

from .test_shell_journey import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POLL_WAIT_MS = 15_000  # the board polls every 5 s


def test_ops_user_triages_an_incident_from_alert_to_postmortem(
    page: Page, live_server, live_org, demo_password, server_errors
):
    from mops.permissions import grant_team_access

    team = live_org["teams"]["marketing-ops"]
    ops = live_org["users"]["ops"]
    tool = Tool.objects.create(team=team, name="GTM", category="analytics")
    grant_team_access(team, tool)
    create_runbook(
        team=team,
        title="GTM conversion tag recovery",
        by=ops,
        steps=[
            {"title": "Compare the live container with the last good version"},
            {"title": "Roll back to the last good version"},
        ],
        tools=[tool],
    )
    base = live_server.url
    log_in(page, base, "ops", demo_password)
    page.goto(f"{base}/operations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations")
    board = page.locator("#triage-board")
    expect(board).to_contain_text("No open incidents")
    page.evaluate("() => { window.__notReloaded = true; }")

    # An alert source raises it on the server; the board shows it on its next poll.
    incident, created = raise_alert(
        dedup_key="journey:gtm",
        title="GTM conversion tag not firing",
        team=team,
        severity="sev2",
        tools=[tool],
    )
    assert created
    row = page.locator(f"#incident-row-{incident.pk}")
    expect(row).to_be_visible(timeout=POLL_WAIT_MS)
    expect(row).to_contain_text("GTM conversion tag not firing")
    assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded"

    # One click: acknowledge (htmx POST; the board comes back refreshed in place).
    row.get_by_role("button", name="Acknowledge").click()
    expect(row.locator("[data-state]")).to_have_text("Acknowledged")
    assert page.evaluate("() => window.__notReloaded === true")
    incident.refresh_from_db()
    assert incident.state == "acknowledged" and incident.assignee == ops

    # Open it and run the linked runbook step by step.
    row.get_by_role("link", name=re.compile("GTM conversion tag not firing")).click()
    expect(page).to_have_url(f"{base}/operations/incidents/{incident.pk}/")
    page.get_by_role("button", name="Start runbook").click()
    expect(page).to_have_url(re.compile(r"/operations/executions/\d+/$"))
    for done in (1, 2):
        page.get_by_role("button", name="Check off").first.click()
        expect(page.locator(".rb-step.is-done")).to_have_count(done)
    execution = RunbookExecution.objects.get()
    assert execution.incident_id == incident.pk
    assert execution.step_runs.count() == 2

    # Back to the incident: resolve, then write the postmortem, which closes it.
    page.get_by_role("link", name=re.compile(f"#{incident.pk} GTM conversion")).click()
    expect(page).to_have_url(f"{base}/operations/incidents/{incident.pk}/")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#incident-state [data-state]")).to_have_text("Resolved")
    page.get_by_role("link", name="Write postmortem").click()
    page.get_by_label("Summary").fill("A GTM publish renamed the purchase trigger.")
    page.get_by_label("Root cause").fill("Publishes need no review.")
    page.locator("#id_actions-0-title").fill("Require review of GTM publishes")
    page.locator("#id_actions-0-owner").select_option(label="ops")
    page.locator("#id_actions-0-due_date").fill("2026-12-15")
    page.get_by_role("button", name="Save postmortem and close").click()
    expect(page).to_have_url(f"{base}/operations/incidents/{incident.pk}/")
    expect(page.locator("#incident-state [data-state]")).to_have_text("Closed")
    expect(page.locator("#timeline")).to_contain_text("Postmortem written")

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.state == "closed"
    assert incident.postmortem.actions.get().owner == ops
    states = list(
        incident.events.filter(kind="state_change")
        .order_by("at", "pk")
        .values_list("to_state", flat=True)
    )
    assert states == ["triggered", "acknowledged", "resolved", "closed"]
    assert server_errors == []


def test_without_javascript_each_triage_button_posts_its_own_action(
    browser, live_server, live_org, demo_password, server_errors
):
    """A row's actions are one form whose buttons name their URLs (``formaction``): without
    JavaScript, Assign to me assigns, Resolve resolves, and the board comes back after each."""
    team = live_org["teams"]["marketing-ops"]
    incident, _created = raise_alert(
        dedup_key="journey:no-js", title="Feed late", team=team, severity="sev3"
    )
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        base = live_server.url
        log_in(page, base, "ops", demo_password)
        page.goto(f"{base}/operations/?severity=sev3")
        row = page.locator(f"#incident-row-{incident.pk}")
        row.get_by_role("button", name="Assign to me").click()
        expect(page).to_have_url(f"{base}/operations/?severity=sev3")
        incident.refresh_from_db()
        assert incident.state == "triggered" and incident.assignee == live_org["users"]["ops"]
        expect(row.get_by_role("button", name="Assign to me")).to_have_count(0)
        row.get_by_role("button", name="Resolve").click()
        expect(page).to_have_url(f"{base}/operations/?severity=sev3")
        incident.refresh_from_db()
        assert incident.state == "resolved"
        expect(row).to_have_count(0)
    finally:
        context.close()
    assert server_errors == []
