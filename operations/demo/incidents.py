"""Demo data for operations: incidents (run by seed_demo after inventory and runbooks; idempotent:
policies, channels and incidents are matched by name/title and created only when missing).

The story: SEV defaults and an on-call escalation policy for marketing-ops (email to the ops
lead, then the manager, then the team mailbox; a Slack webhook channel exists but is disabled,
its host is not real). Three past incidents with postmortems explain dips on the KPI charts — a
GTM publish that dropped the conversion tag (CV −40 % for six hours), the Salesforce → Marketo
sync outage three days ago (the same two hours the CRM sync heartbeat shows down), and an expired
Google Ads API token that left the cost feed empty for a day. One SEV2 is open and not yet
acknowledged: the Yahoo!広告 conversion import is failing, so the triage board has a live timer.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mops.models import Team

from ..models import (
    Check,
    EscalationPolicy,
    EscalationStep,
    Incident,
    IncidentEvent,
    IncidentSource,
    NotificationChannel,
    SeverityPolicy,
    Tool,
)
from ..services import incidents as svc

TEAM = "marketing-ops"

# severity -> (acknowledge within, escalate after) in minutes
SEVERITY_DEFAULTS = {"sev1": (5, 5), "sev2": (15, 15), "sev3": (60, 120), "sev4": (240, 480)}

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)

PAST: list[dict[str, Any]] = [
    {
        "title": "GTM publish removed the conversion tag: CV dropped",
        "severity": "sev2",
        "tools": ["GTM", "GA4"],
        "campaigns": ["search-brand", "search-generic", "display-gdn"],
        "kpis": ["conversions", "cpa"],
        "check": "Conversion anomalies",
        "ago": datetime.timedelta(days=12, hours=3),
        "ack": 18 * M,
        "mitigate": 2 * H,
        "resolve": 6 * H,
        "comments": [
            (25 * M, "GA4 realtime shows no purchase events since the last GTM publish."),
            (95 * M, "Rolled GTM back to version 41; purchase events are arriving again."),
        ],
        "postmortem": {
            "summary": "A GTM publish replaced the purchase trigger; the CV tag stopped firing.",
            "impact": "Conversions under-reported by about 40 % for six hours on three Google "
            "campaigns; Smart Bidding lowered bids for the afternoon.",
            "root_cause": "Container publishes need no review; the trigger was renamed in a "
            "workspace that was published together with an unrelated change.",
            "went_well": "The conversion anomaly check opened the incident within 20 minutes; "
            "the rollback took five minutes with the runbook.",
            "actions": [
                ("Require a second reviewer for GTM publishes", "ops", 14),
                ("Add a heartbeat from the purchase tag to the portal", "ops", 21),
            ],
        },
    },
    {
        "title": "Marketo sync delayed: Salesforce leads 2 hours late",
        "severity": "sev3",
        "tools": ["Salesforce", "Marketo"],
        "campaigns": [],
        "kpis": ["mql"],
        "check": "CRM sync (Salesforce → Marketo)",
        "ago": datetime.timedelta(days=3),
        "ack": 22 * M,
        "mitigate": None,
        "resolve": 2 * H,
        "comments": [
            (40 * M, "Marketo sync queue is at 18k records; the API daily quota is exhausted."),
        ],
        "postmortem": {
            "summary": "The Salesforce → Marketo sync stopped when Marketo's API quota ran out.",
            "impact": "New leads reached nurture programs two hours late; MQL count for the "
            "day was revised up the next morning.",
            "root_cause": "A one-off list import used the same API user and the quota.",
            "went_well": "The heartbeat went down after the grace period and paged ops.",
            "actions": [("Give list imports their own API user", "ops", 10)],
        },
    },
    {
        "title": "Google Ads cost feed empty: API token expired",
        "severity": "sev3",
        "tools": ["Google Ads", "BigQuery"],
        "campaigns": ["search-brand", "youtube-brand"],
        "kpis": ["cpa", "roas"],
        "check": "",
        "ago": datetime.timedelta(days=40),
        "ack": 55 * M,
        "mitigate": None,
        "resolve": 26 * H,
        "comments": [],
        "postmortem": {
            "summary": "The OAuth refresh token of the Google Ads export expired.",
            "impact": "Cost was missing for one day; CPA and ROAS looked too good until backfill.",
            "root_cause": "The token belonged to a person who left the company.",
            "went_well": "The freshness check noticed after 30 hours; backfill was automatic.",
            "actions": [("Move API credentials to a service account", "admin", 30)],
        },
    },
]

OPEN: dict[str, Any] = {
    "title": "Yahoo!広告 conversion import failing: API returns 401",
    "severity": "sev2",
    "dedup_key": "pipeline:yahoo-ads-conversions",
    "tools": ["Yahoo!広告", "BigQuery"],
    "campaigns": ["yahoo-search", "yahoo-display"],
    "description": "The nightly conversion import from Yahoo!広告 failed three times in a row "
    "(HTTP 401). Yesterday's conversions are missing from the dashboards.",
    "ago": 6 * M,
}


def seed(*, stdout: Any) -> None:
    team = Team.objects.filter(slug=TEAM).first()
    if team is None:
        return
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    with transaction.atomic():
        _policies(team, users)
        made = sum(_past(team, users, spec) for spec in PAST)
        made += _open(team)
    stdout.write(f"operations incidents: {made} created, {Incident.objects.count()} in total")


def _policies(team: Team, users: dict[str, Any]) -> None:
    for severity, (ack, after) in SEVERITY_DEFAULTS.items():
        SeverityPolicy.objects.get_or_create(
            team=None,
            severity=severity,
            defaults={"ack_minutes": ack, "escalate_after_minutes": after},
        )
    mailbox, _ = NotificationChannel.objects.get_or_create(
        team=team,
        name="Ops mailbox",
        defaults={"kind": "email", "target": "mops-oncall@example.jp"},
    )
    NotificationChannel.objects.get_or_create(
        team=team,
        name="Slack #mops-alerts",
        # The host is not real (.invalid): disabled so that the demo does not collect failures.
        defaults={
            "kind": "webhook",
            "target": "https://hooks.slack.invalid/services/T000/B000/demo",
            "enabled": False,
        },
    )
    if EscalationPolicy.objects.filter(team=team).exists():
        return
    policy = EscalationPolicy.objects.create(
        team=team, name="Marketing ops on-call", repeat_count=2, is_default=True
    )
    steps = [
        {"delay_minutes": 0, "notify_user": users.get("ops"), "notify_role": ""},
        {"delay_minutes": 10, "notify_user": users.get("manager"), "notify_role": ""},
        {"delay_minutes": 10, "notify_user": None, "notify_role": "", "channel": mailbox},
    ]
    for order, step in enumerate(steps, start=1):
        if step.get("notify_user") or step.get("channel"):
            EscalationStep.objects.create(policy=policy, order=order, **step)


def _named(model: Any, team: Team, names: list[str]) -> list[Any]:
    return list(model.objects.filter(team=team, name__in=names))


def _past(team: Team, users: dict[str, Any], spec: dict[str, Any]) -> int:
    if Incident.objects.filter(team=team, title=spec["title"]).exists():
        return 0
    from analytics.models import Campaign, Kpi

    ops = users.get("ops")
    start = timezone.now() - spec["ago"]
    check = Check.objects.filter(team=team, name=spec["check"]).first() if spec["check"] else None
    incident = svc.create_incident(
        title=spec["title"],
        team=team,
        severity=spec["severity"],
        source=IncidentSource.CHECK if check else IncidentSource.MANUAL,
        source_check=check,
        tools=_named(Tool, team, spec["tools"]),
        campaigns=list(Campaign.objects.filter(code__in=spec["campaigns"])),
        kpis=list(Kpi.objects.filter(key__in=spec["kpis"])),
        by=None if check else ops,
    )
    # Walk the real state machine, then move the timeline to when it happened.
    times: dict[str, datetime.datetime] = {"triggered": start, "acknowledged": start + spec["ack"]}
    svc.acknowledge(incident=incident, by=ops)
    if spec["mitigate"]:
        svc.transition(incident=incident, to="mitigated", by=ops)
        times["mitigated"] = start + spec["mitigate"]
    svc.resolve(incident=incident, by=ops, note="Verified: data flowing again.")
    times["resolved"] = start + spec["resolve"]
    for offset, text in spec["comments"]:
        event = svc.comment(incident=incident, by=ops, message=text)
        IncidentEvent.objects.filter(pk=event.pk).update(at=start + offset)
    pm = spec["postmortem"]
    written = times["resolved"] + datetime.timedelta(days=1)
    postmortem = svc.write_postmortem(
        incident=incident,
        by=ops,
        summary=pm["summary"],
        impact=pm["impact"],
        root_cause=pm["root_cause"],
        went_well=pm["went_well"],
        actions=[
            {
                "title": title,
                "owner": users.get(owner),
                "due_date": (written + datetime.timedelta(days=days)).date(),
            }
            for title, owner, days in pm["actions"]
        ],
    )
    type(postmortem).objects.filter(pk=postmortem.pk).update(written_at=written)
    times["closed"] = written
    events = IncidentEvent.objects.filter(incident=incident)
    for state, at in times.items():
        events.filter(kind="state_change", to_state=state).update(at=at)
    events.filter(kind="assignment").update(at=times["acknowledged"])
    Incident.objects.filter(pk=incident.pk).update(
        triggered_at=start,
        acknowledged_at=times["acknowledged"],
        mitigated_at=times.get("mitigated"),
        resolved_at=times["resolved"],
        closed_at=written,
    )
    return 1


def _open(team: Team) -> int:
    if Incident.objects.filter(dedup_key=OPEN["dedup_key"]).exists():
        return 0
    from analytics.models import Campaign

    incident, _created = svc.raise_alert(
        dedup_key=OPEN["dedup_key"],
        title=OPEN["title"],
        team=team,
        severity=OPEN["severity"],
        source=IncidentSource.API,
        tools=_named(Tool, team, OPEN["tools"]),
        description=OPEN["description"],
        data={"pipeline": "yahoo_ads_conversions", "http_status": 401},
    )
    incident.affected_campaigns.set(Campaign.objects.filter(code__in=OPEN["campaigns"]))
    start = timezone.now() - OPEN["ago"]
    policy = svc.severity_policy(team, OPEN["severity"])
    Incident.objects.filter(pk=incident.pk).update(
        triggered_at=start,
        next_escalation_at=(
            start + datetime.timedelta(minutes=policy.escalate_after_minutes) if policy else None
        ),
    )
    IncidentEvent.objects.filter(incident=incident).update(at=start)
    for attempt in (2, 3):
        svc.raise_alert(
            dedup_key=OPEN["dedup_key"],
            title=OPEN["title"],
            team=team,
            description=f"HTTP 401 Unauthorized (attempt {attempt})",
        )
    return 1
