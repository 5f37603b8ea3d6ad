"""Builders shared by the incident, escalation, notification and triage tests."""

from __future__ import annotations

from typing import Any

import pytest

from operations.models import (
    EscalationPolicy,
    EscalationStep,
    Incident,
    NotificationChannel,
    SeverityPolicy,
    Tool,
)
from operations.services import incidents as svc
from operations.services.incidents import transition

S = "marketing-ops"


def make_incident(org: dict[str, Any], *, key: str | None = None, **kw: Any) -> Incident:
    kw.setdefault("title", "GTM container not firing")
    kw.setdefault("team", org["teams"][S])
    kw.setdefault("severity", "sev2")
    if key:
        incident, _created = svc.raise_alert(dedup_key=key, **kw)
        return incident
    return svc.create_incident(**kw)


def move_to(incident: Incident, state: str, by: Any = None) -> Incident:
    """Walk the shortest allowed path to ``state`` (writing a postmortem for closed)."""
    path = {
        "triggered": [],
        "acknowledged": ["acknowledged"],
        "mitigated": ["acknowledged", "mitigated"],
        "resolved": ["resolved"],
        "closed": ["resolved", "closed"],
    }[state]
    for step in path:
        if step == "closed":
            svc.write_postmortem(incident=incident, by=by, summary="What happened")
        else:
            transition(incident=incident, to=step, by=by)
    incident.refresh_from_db()
    return incident


def make_tool(team: Any, name: str = "GTM") -> Tool:
    from mops.permissions import grant_team_access

    tool = Tool.objects.create(team=team, name=name, category="analytics")
    grant_team_access(team, tool)
    return tool


def severity_policy(team: Any = None, severity: str = "sev2", ack: int = 15, after: int = 10):
    return SeverityPolicy.objects.create(
        team=team, severity=severity, ack_minutes=ack, escalate_after_minutes=after
    )


def escalation_policy(
    team: Any, *, steps: list[dict[str, Any]], repeat: int = 1, name: str = "Default"
) -> EscalationPolicy:
    policy = EscalationPolicy.objects.create(
        team=team, name=name, repeat_count=repeat, is_default=True
    )
    for i, step in enumerate(steps):
        EscalationStep.objects.create(policy=policy, order=i + 1, **step)
    return policy


def webhook_channel(team: Any, url: str, name: str = "Slack") -> NotificationChannel:
    return NotificationChannel.objects.create(team=team, name=name, kind="webhook", target=url)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process even when REDIS_URL points at a broker (the PG+Redis pass)."""
    from mops.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
