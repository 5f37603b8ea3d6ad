"""Fixtures of the runbook tests (imported by each test module; not a conftest, so that the other
operations areas keep their own)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from mops.permissions import grant_team_access
from mops.services import add_member, set_role
from operations.models import Incident, Tool
from operations.services.runbooks import create_runbook

__all__ = ["ga4", "gtm", "incident", "make_runbook", "ops", "other_ops", "runbook", "team"]

STEPS: list[dict[str, Any]] = [
    {"title": "Look at the GTM version history", "body": "Note the last **published** version."},
    {"title": "Roll back or escalate", "kind": "decision"},
    {"title": "Manager approves publishing", "kind": "approval", "approver_role": "manager"},
    {"title": "Publish the previous version"},
]


@pytest.fixture
def team(teams):
    return teams["marketing-ops"]


@pytest.fixture
def ops(users):
    return users["ops"]


@pytest.fixture
def gtm(team):
    tool = Tool.objects.create(name="GTM", category="analytics", team=team)
    grant_team_access(team, tool)
    return tool


@pytest.fixture
def ga4(team):
    tool = Tool.objects.create(name="GA4", category="analytics", team=team)
    grant_team_access(team, tool)
    return tool


@pytest.fixture
def make_runbook(team, ops):
    def make(**kwargs: Any):
        data: dict[str, Any] = {
            "team": team,
            "title": "GTMタグ障害時の切り分け",
            "by": ops,
            "body_markdown": "# Tags\n\nCheck the container.",
            "steps": STEPS,
            "owner": ops,
        }
        data.update(kwargs)
        return create_runbook(**data)

    return make


@pytest.fixture
def runbook(make_runbook, gtm):
    return make_runbook(tools=[gtm], check_kinds=["http"])


@pytest.fixture
def other_ops(org):
    """Ops staff of another team (digital-marketing): may not see marketing-ops' runbooks."""
    user = get_user_model().objects.create_user("ops2", password="x")
    set_role(user=user, role="ops")
    add_member(team=org["teams"]["digital-marketing"], user=user)
    return user


@pytest.fixture
def incident(team):
    incident = Incident.objects.create(title="GA4 conversions dropped", team=team)
    grant_team_access(team, incident)
    return incident
