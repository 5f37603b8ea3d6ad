"""Fixtures and helpers of the triage tests (imported by each test module; not a conftest, so
that the other operations areas keep their own)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermission

from mops.permissions import grant_team_access
from operations.models import Check, Incident, IncidentEvent

from .incident_support import S, make_tool, severity_policy

__all__ = ["board_data"]

INDEX = reverse("operations:index")
BOARD = reverse("operations:triage_board")


def bulk_incidents(team, n, tool):
    """n open incidents with their team permissions, a tool and an event each, in bulk."""
    from django.contrib.auth.models import Permission

    now = timezone.now()
    incidents = Incident.objects.bulk_create(
        Incident(
            title=f"Bulk {i}",
            team=team,
            severity=("sev1", "sev2", "sev3", "sev4")[i % 4],
            triggered_at=now - timedelta(minutes=i),
        )
        for i in range(n)
    )
    ct = ContentType.objects.get_for_model(Incident)
    perms = Permission.objects.filter(
        content_type=ct, codename__in=["view_incident", "change_incident"]
    )
    GroupObjectPermission.objects.bulk_create(
        GroupObjectPermission(group=team.group, permission=p, content_type=ct, object_pk=str(i.pk))
        for i in incidents
        for p in perms
    )
    Incident.affected_tools.through.objects.bulk_create(
        Incident.affected_tools.through(incident_id=i.pk, tool_id=tool.pk) for i in incidents
    )
    IncidentEvent.objects.bulk_create(
        IncidentEvent(incident=i, kind="state_change", to_state="triggered") for i in incidents
    )


@pytest.fixture
def board_data(org):
    team = org["teams"][S]
    tool = make_tool(team)
    severity_policy(None, "sev1", ack=5, after=5)
    severity_policy(None, "sev2", ack=15, after=10)
    for i, state in enumerate(["up", "down", "late"]):
        check = Check.objects.create(
            name=f"Check {i}", kind="http", url="https://example.com", tool=tool, team=team,
            state=state,
        )  # fmt: skip
        grant_team_access(team, check)
    return {"team": team, "tool": tool}


def count_queries(client, url):
    client.get(url)  # warm the per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)
