"""Incidents for agenda tests, through operations' service when it exists."""

from __future__ import annotations

import datetime

from django.utils import timezone

from mops.permissions import grant_team_access


def make_incident(*, title, team, kpis=(), campaigns=(), triggered, resolved=None, by=None):
    from operations.models import Incident

    incident = Incident.objects.create(
        title=title,
        team=team,
        severity="sev2",
        triggered_at=timezone.make_aware(datetime.datetime.combine(triggered, datetime.time(9))),
        resolved_at=(
            timezone.make_aware(datetime.datetime.combine(resolved, datetime.time(18)))
            if resolved
            else None
        ),
        created_by=by,
    )
    incident.affected_kpis.set(kpis)
    incident.affected_campaigns.set(campaigns)
    grant_team_access(team, incident)
    return incident
