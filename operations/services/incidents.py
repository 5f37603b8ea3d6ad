"""Incident writes: open incidents, open/dedup alerts, acknowledge.

The state machine and the timeline live in ``incident_states``, assignment/comments/edits in
``incident_edits`` and postmortems in ``postmortems``; this module re-exports all of them, so
``operations.services.incidents`` stays the one import path for incident writes.

Reopening a resolved incident is allowed because an alert that comes back minutes after a
resolve belongs to the same story; it is refused when another incident with the same dedup key
is already open (the database's open-key constraint is the judge). A closed incident stays
closed: its postmortem has been written, a recurrence is a new incident.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import grant_team_access

from ..models import (
    OPEN_STATES,
    EventKind,
    Incident,
    IncidentSource,
    IncidentState,
    Severity,
)
from .incident_edits import _set_campaigns, assign, comment, update_incident
from .incident_states import (
    ALLOWED_TRANSITIONS,
    _require,
    _validate_severity,
    add_event,
    allowed_transitions,
    first_escalation_at,
    resolve,
    severity_policy,
    transition,
)
from .postmortems import write_postmortem

S = IncidentState


@transaction.atomic
def create_incident(
    *,
    title: str,
    team: Any,
    severity: str = Severity.SEV3,
    description: str = "",
    source: str = IncidentSource.MANUAL,
    source_check: Any = None,
    dedup_key: str | None = None,
    tools: Iterable[Any] = (),
    campaigns: Iterable[Any] = (),
    kpis: Iterable[Any] = (),
    assignee: Any = None,
    by: Any = None,
    data: dict[str, Any] | None = None,
) -> Incident:
    """A new triggered incident; its team gets view/change on it and escalation is scheduled.

    ``by`` (a person) needs the model permission to add incidents and must belong to the team
    (or be an admin); the system (``by=None``) may always open one.
    """
    _validate_severity(severity)
    if by is not None:
        from mops.permissions import is_admin

        if not by.has_perm("operations.add_incident") or not (
            is_admin(by) or by.groups.filter(pk=team.group_id).exists()
        ):
            raise PermissionDenied(_("You may not open incidents for this team."))
    incident = Incident(
        title=(title or "").strip(),
        description=description,
        severity=severity,
        team=team,
        source=source,
        source_check=source_check,
        dedup_key=dedup_key or None,
        assignee=assignee,
        created_by=by,
    )
    # The open-key constraint is checked by the database (race-safe), not by full_clean.
    incident.full_clean(validate_constraints=False)
    incident.next_escalation_at = first_escalation_at(incident)
    incident.save()
    grant_team_access(team, incident, actions=("view", "change"))
    if tools:
        incident.affected_tools.set(list(tools))
    if campaigns:
        _set_campaigns(incident, campaigns)
    if kpis:
        incident.affected_kpis.set(list(kpis))
    add_event(
        incident=incident,
        kind=EventKind.STATE_CHANGE,
        to_state=S.TRIGGERED,
        actor=by,
        message=description[:500],
        data=data or {},
        at=incident.triggered_at,
    )
    return incident


def _append_alert(
    *, incident_id: int, title: str, description: str, data: dict[str, Any] | None, by: Any
) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    # A person's alert source may only count on incidents their team manages.
    _require(by, "change", incident)
    incident.alert_count += 1
    incident.save(update_fields=["alert_count", "updated_at"])
    add_event(
        incident=incident,
        kind=EventKind.ALERT,
        message=description or title,
        data={**(data or {}), "alert_count": incident.alert_count},
    )
    return incident


def raise_alert(
    *,
    dedup_key: str,
    title: str,
    team: Any,
    severity: str = "sev3",
    source: str = "check",
    source_check: Any = None,
    tools: Sequence[Any] = (),
    description: str = "",
    data: dict[str, Any] | None = None,
    by: Any = None,
) -> tuple[Incident, bool]:
    """Open an incident for ``dedup_key``, or count the alert on the one already open.

    Returns ``(incident, created)``. Race-safe: the insert runs in a savepoint and the
    database's conditional unique constraint on open keys decides who wins; the loser locks the
    winner's row and appends an ``alert`` event to it.
    """
    key = (dedup_key or "").strip()
    if not key:
        raise ValidationError({"dedup_key": _("A dedup key is required to raise an alert.")})
    _validate_severity(severity)
    if source not in IncidentSource.values:
        raise ValidationError({"source": _("Unknown source %(value)s.") % {"value": source}})
    with transaction.atomic():
        open_id = (
            Incident.objects.filter(dedup_key=key, state__in=OPEN_STATES)
            .values_list("pk", flat=True)
            .first()
        )
        if open_id is not None:
            return _append_alert(
                incident_id=open_id, title=title, description=description, data=data, by=by
            ), False
        try:
            with transaction.atomic():
                incident = create_incident(
                    title=title,
                    team=team,
                    severity=severity,
                    description=description,
                    source=source,
                    source_check=source_check,
                    dedup_key=key,
                    tools=tools,
                    by=by,
                    data={**(data or {}), "dedup_key": key},
                )
        except IntegrityError:
            # Someone else opened it between our look and our insert: count on theirs.
            open_id = (
                Incident.objects.filter(dedup_key=key, state__in=OPEN_STATES)
                .values_list("pk", flat=True)
                .first()
            )
            if open_id is None:
                raise
            return _append_alert(
                incident_id=open_id, title=title, description=description, data=data, by=by
            ), False
    _schedule_escalation_on_commit(incident)
    return incident, True


def _schedule_escalation_on_commit(incident: Incident) -> None:
    """A SEV with an escalate-after of 0 minutes escalates at once, through the task."""
    if incident.next_escalation_at is not None and incident.next_escalation_at <= timezone.now():
        from ..tasks.incidents import escalate_incidents

        transaction.on_commit(escalate_incidents.delay)


def recover_alert(*, dedup_key: str, message: str) -> Incident | None:
    """The alert source says it is fine again: resolve the open incident for the key, if any."""
    key = (dedup_key or "").strip()
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update()
            .filter(dedup_key=key, state__in=OPEN_STATES)
            .first()
        )
        if incident is None:
            return None
        add_event(incident=incident, kind=EventKind.CHECK_RESULT, message=message)
        return transition(incident=incident, to=S.RESOLVED, by=None, note=message)


@transaction.atomic
def acknowledge(*, incident: Incident, by: Any, note: str = "") -> Incident:
    """Acknowledge; the acknowledging person becomes the assignee if nobody is."""
    transition(incident=incident, to=S.ACKNOWLEDGED, by=by, note=note)
    if by is not None and incident.assignee_id is None:
        assign(incident=incident, assignee=by, by=by)
    return incident


__all__ = [
    "ALLOWED_TRANSITIONS",
    "acknowledge",
    "add_event",
    "allowed_transitions",
    "assign",
    "comment",
    "create_incident",
    "first_escalation_at",
    "raise_alert",
    "recover_alert",
    "resolve",
    "severity_policy",
    "transition",
    "update_incident",
    "write_postmortem",
]
