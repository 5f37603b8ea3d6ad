"""Demo data for operations: the tool inventory, its checks and maintenance (run by seed_demo;
idempotent: tools, checks and windows are matched by name and created only when missing).

The story: the marketing-ops team keeps eight tools. Marketo, GTM and Tableau depend on one person
(属人化 flags); Tableau's contract renews soon. Data flows from the ad platforms and GA4 into
BigQuery and on to Tableau; Salesforce and Marketo sync leads both ways. Heartbeats watch the
BigQuery nightly load and the CRM sync (which was down for two hours three days ago); freshness
checks watch the Google Ads and Yahoo!広告 feeds; a threshold check raises conversion anomalies.
A Salesforce release window is scheduled and Marketo has a weekly patch window. No check calls a
URL that would fail on a first start.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mops.models import Team
from mops.permissions import grant_team_access

from ..models import Check, CheckState, Flip, Integration, MaintenanceWindow, Tool
from ..services.inventory import assign_person, create_integration, create_tool
from ..services.maintenance import create_window
from ..services.monitoring import create_check, record_ping

TEAM = "marketing-ops"
READERS = "digital-marketing"  # marketers read the ad and analytics tools they work with

# name, category, vendor, url, seats, monthly cost (JPY), renewal in days, personal data,
# owners (usernames: first is the owner, the rest backup owners), shared with marketers
TOOLS: list[tuple[Any, ...]] = [
    (
        "Salesforce",
        "crm",
        "Salesforce",
        "https://login.salesforce.com/",
        40,
        720000,
        210,
        True,
        ["ops", "manager"],
        False,
    ),
    ("Marketo", "ma", "Adobe", "https://app.marketo.com/", 10, 480000, 95, True, ["ops"], False),
    (
        "Google Ads",
        "ad_platform",
        "Google",
        "https://ads.google.com/",
        None,
        None,
        None,
        False,
        ["ops", "marketer"],
        True,
    ),
    (
        "Yahoo!広告",
        "ad_platform",
        "LINEヤフー",
        "https://ads.yahoo.co.jp/",
        None,
        None,
        None,
        False,
        ["ops", "marketer"],
        True,
    ),
    (
        "GA4",
        "analytics",
        "Google",
        "https://analytics.google.com/",
        None,
        0,
        None,
        False,
        ["ops", "marketer"],
        True,
    ),
    (
        "GTM",
        "analytics",
        "Google",
        "https://tagmanager.google.com/",
        None,
        0,
        None,
        False,
        ["ops"],
        True,
    ),
    (
        "BigQuery",
        "other",
        "Google Cloud",
        "https://console.cloud.google.com/bigquery",
        None,
        60000,
        None,
        True,
        ["ops", "admin"],
        False,
    ),
    (
        "Tableau",
        "bi",
        "Salesforce",
        "https://online.tableau.com/",
        15,
        126000,
        40,
        False,
        ["manager"],
        False,
    ),
]

# source, target, what flows, frequency, promised freshness (hours)
INTEGRATIONS = [
    ("Salesforce", "Marketo", "leads and opportunities", "hourly", 2),
    ("Marketo", "Salesforce", "MQLs and activity", "hourly", 2),
    ("Google Ads", "BigQuery", "cost and conversions", "daily", 30),
    ("Yahoo!広告", "BigQuery", "cost and conversions", "daily", 30),
    ("GA4", "BigQuery", "event export", "daily", 30),
    ("GTM", "GA4", "tag events", "realtime", None),
    ("BigQuery", "Tableau", "marketing mart", "daily", 36),
]


def _tools(team: Team, readers: Team | None, users: dict[str, Any]) -> dict[str, Tool]:
    today = timezone.localdate()
    tools = {}
    for name, category, vendor, url, seats, cost, renewal, pii, owners, shared in TOOLS:
        tool = Tool.objects.filter(team=team, name=name).first()
        if tool is None:
            tool = create_tool(
                team=team,
                name=name,
                category=category,
                vendor=vendor,
                url=url,
                licence_seats=seats,
                monthly_cost=cost,
                renewal_date=today + datetime.timedelta(days=renewal) if renewal else None,
                holds_personal_data=pii,
            )
            for i, username in enumerate(owners):
                if username in users:
                    role = "owner" if i == 0 else "backup_owner"
                    assign_person(tool=tool, user=users[username], role=role, priority=i + 1)
            if shared and readers is not None:
                grant_team_access(readers, tool, ["view"])
        tools[name] = tool
    return tools


def _integrations(tools: dict[str, Tool]) -> dict[tuple[str, str], Integration]:
    found = {}
    for source, target, flow, frequency, hours in INTEGRATIONS:
        integration = Integration.objects.filter(
            source=tools[source], target=tools[target], data_flow=flow
        ).first() or create_integration(
            source=tools[source],
            target=tools[target],
            data_flow=flow,
            frequency=frequency,
            freshness_hours=hours,
        )
        found[(source, target)] = integration
    return found


def _check(team: Team, name: str, **fields: Any) -> tuple[Check, bool]:
    check = Check.objects.filter(team=team, name=name).first()
    if check is not None:
        return check, False
    return create_check(team=team, name=name, **fields), True


def _past_outage(check: Check) -> None:
    """Give the CRM sync a history: up since a week ago, down for two hours three days ago."""
    now = timezone.now()
    week, down = now - datetime.timedelta(days=7), now - datetime.timedelta(days=3)
    for at, old, new, reason in [
        (week, CheckState.NEW, CheckState.UP, "Ping received."),
        (down, CheckState.UP, CheckState.DOWN, "No ping for 1.3 h (period 1 h + grace 0.25 h)."),
        (down + datetime.timedelta(hours=2), CheckState.DOWN, CheckState.UP, "Ping received."),
    ]:
        Flip.objects.create(
            monitor=check, at=at, old_state=old, new_state=new, reason=reason, processed_at=at
        )
    Check.objects.filter(pk=check.pk).update(state=CheckState.UP)


def _checks(team: Team, tools: dict[str, Tool], links: dict[tuple[str, str], Integration]) -> None:
    from analytics.models import Metric

    nightly, created = _check(
        team,
        "BigQuery nightly load",
        kind="heartbeat",
        tool=tools["BigQuery"],
        description="The nightly load job pings when the marketing mart is rebuilt.",
        period_seconds=24 * 3600,
        grace_seconds=2 * 3600,
    )
    if created:
        record_ping(check=nightly)
    sync, created = _check(
        team,
        "CRM sync (Salesforce → Marketo)",
        kind="heartbeat",
        tool=tools["Marketo"],
        integration=links[("Salesforce", "Marketo")],
        period_seconds=3600,
        grace_seconds=900,
    )
    if created:
        _past_outage(sync)
        record_ping(check=sync)
    for tool, source in (("Google Ads", "google_ads"), ("Yahoo!広告", "yahoo_ads")):
        _check(
            team,
            f"{tool} data freshness",
            kind="freshness",
            tool=tools[tool],
            freshness_source=source,
            max_age_hours=36,
            interval_seconds=900,
        )
    metric = Metric.objects.filter(key="conversions").first()
    if metric is not None:
        _check(
            team,
            "Conversion anomalies",
            kind="threshold",
            tool=tools["GA4"],
            metric=metric,
            use_anomaly_rule=True,
            interval_seconds=3600,
            description="Alerts when analytics detects a conversion anomaly (e.g. a broken tag).",
        )


def _windows(tools: dict[str, Tool], by: Any) -> None:
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    tuesday = today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)
    planned = [
        (
            tools["Salesforce"],
            "Salesforce seasonal release",
            datetime.datetime.combine(saturday, datetime.time(22, 0), tzinfo=tz),
            4,
            "",
            "Sandbox verified; the CRM sync is expected to pause during the release.",
        ),
        (
            tools["Marketo"],
            "Marketo weekly patch",
            datetime.datetime.combine(tuesday, datetime.time(3, 0), tzinfo=tz),
            1,
            "FREQ=WEEKLY;BYDAY=TU",
            "Adobe's weekly maintenance slot.",
        ),
    ]
    for tool, title, start, hours, rule, description in planned:
        if not MaintenanceWindow.objects.filter(tool=tool, title=title).exists():
            create_window(
                tool=tool,
                title=title,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=hours),
                recurrence=rule,
                description=description,
                by=by,
            )


def seed(*, stdout: Any) -> None:
    """Create the demo inventory, checks and maintenance windows unless they exist."""
    team = Team.objects.filter(slug=TEAM).first()
    if team is None:
        return
    readers = Team.objects.filter(slug=READERS).first()
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    with transaction.atomic():
        tools = _tools(team, readers, users)
        links = _integrations(tools)
        _checks(team, tools, links)
        _windows(tools, users.get("ops"))
    stdout.write(f"operations inventory: {len(tools)} tools")
