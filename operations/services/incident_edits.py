"""Incident edits that are not state changes: assignment, comments, what it is about.

``operations.services.incidents`` re-exports the public names of this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mops.permissions import can, grant_team_access

from ..models import EventKind, Incident, IncidentEvent, IncidentState, Severity
from .incident_states import _require, _validate_severity, add_event

S = IncidentState


def _set_campaigns(incident: Incident, campaigns: Iterable[Any]) -> None:
    """Link the affected campaigns; the teams that run them may read (and comment on) the
    incident, so a marketer sees why their conversions dipped. Unlinking takes that back."""
    from mops.permissions import revoke_team_access

    before = {c.team_id for c in incident.affected_campaigns.all()}
    campaigns = list(campaigns)
    incident.affected_campaigns.set(campaigns)
    after = {c.team_id for c in campaigns}
    teams = {c.team_id: c.team for c in campaigns}
    for team_id in after - before - {incident.team_id}:
        grant_team_access(teams[team_id], incident, actions=("view",))
    if before - after - {incident.team_id}:
        from mops.models import Team

        for team in Team.objects.filter(pk__in=before - after - {incident.team_id}):
            revoke_team_access(team, incident, actions=("view",))


@transaction.atomic
def assign(*, incident: Incident, assignee: Any, by: Any) -> Incident:
    """Assign to someone who may work on it (change permission on the incident), or unassign."""
    _require(by, "change", incident)
    if assignee is not None and not can(assignee, "change", incident):
        raise ValidationError(
            {"assignee": _("%(user)s cannot work on this team's incidents.") % {"user": assignee}}
        )
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.state == S.CLOSED:
        raise ValidationError({"assignee": _("A closed incident cannot be reassigned.")})
    previous = locked.assignee
    if previous == assignee:
        return incident
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    incident.assignee = assignee
    add_event(
        incident=locked,
        kind=EventKind.ASSIGNMENT,
        actor=by,
        message=(
            _("Assigned to %(user)s") % {"user": assignee.get_username()}
            if assignee is not None
            else _("Unassigned")
        ),
        data={
            "from": previous.get_username() if previous else None,
            "to": assignee.get_username() if assignee else None,
        },
    )
    return incident


def comment(*, incident: Incident, by: Any, message: str) -> IncidentEvent:
    """Anyone who may see the incident may comment on it (marketers report what they see)."""
    if by is None or not can(by, "view", incident):
        raise PermissionDenied(_("You may not comment on this incident."))
    text = (message or "").strip()
    if not text:
        raise ValidationError({"message": _("Write a comment first.")})
    if len(text) > 10_000:
        raise ValidationError({"message": _("Keep comments under 10,000 characters.")})
    return add_event(incident=incident, kind=EventKind.COMMENT, actor=by, message=text)


@transaction.atomic
def update_incident(
    *,
    incident: Incident,
    by: Any,
    title: str | None = None,
    description: str | None = None,
    severity: str | None = None,
    tools: Iterable[Any] | None = None,
    campaigns: Iterable[Any] | None = None,
    kpis: Iterable[Any] | None = None,
) -> Incident:
    """Edit what the incident is about; a severity change is written on the timeline."""
    _require(by, "change", incident)
    if severity is not None:
        _validate_severity(severity)
        if severity != incident.severity:
            add_event(
                incident=incident,
                kind=EventKind.COMMENT,
                actor=by,
                message=_("Severity changed from %(old)s to %(new)s")
                % {
                    "old": Severity(incident.severity).label,
                    "new": Severity(severity).label,
                },
            )
            incident.severity = severity
    if title is not None:
        incident.title = title.strip()
    if description is not None:
        incident.description = description
    incident.full_clean(validate_constraints=False)
    incident.save()
    if tools is not None:
        incident.affected_tools.set(list(tools))
    if campaigns is not None:
        _set_campaigns(incident, campaigns)
    if kpis is not None:
        incident.affected_kpis.set(list(kpis))
    return incident


__all__ = ["assign", "comment", "update_incident"]
