"""The incident state machine and the timeline every change is written to.

State machine (the one table every state change goes through, ``ALLOWED_TRANSITIONS``)::

    triggered    -> acknowledged | mitigated | resolved
    acknowledged -> mitigated | resolved
    mitigated    -> resolved
    resolved     -> closed (only once the postmortem is written) | triggered (reopen)
    closed       -> (terminal)

Reopening a resolved incident is allowed because an alert that comes back minutes after a
resolve belongs to the same story; it is refused when another incident with the same dedup key
is already open (the database's open-key constraint is the judge). A closed incident stays
closed: its postmortem has been written, a recurrence is a new incident.

``operations.services.incidents`` re-exports the public names of this module.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import can

from ..models import (
    EventKind,
    Incident,
    IncidentEvent,
    IncidentState,
    Postmortem,
    Severity,
    SeverityPolicy,
)

S = IncidentState

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.TRIGGERED: frozenset({S.ACKNOWLEDGED, S.MITIGATED, S.RESOLVED}),
    S.ACKNOWLEDGED: frozenset({S.MITIGATED, S.RESOLVED}),
    S.MITIGATED: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.TRIGGERED}),
    S.CLOSED: frozenset(),
}

# Which timestamp a state sets when it is entered (the first time for acknowledge/mitigate).
_STATE_TIMESTAMP: dict[str, str] = {
    S.ACKNOWLEDGED: "acknowledged_at",
    S.MITIGATED: "mitigated_at",
    S.RESOLVED: "resolved_at",
    S.CLOSED: "closed_at",
}


def allowed_transitions(state: str) -> frozenset[str]:
    return ALLOWED_TRANSITIONS.get(state, frozenset())


def _require(user: Any, action: str, incident: Incident) -> None:
    """``user=None`` is the system (a check, a task); people need the object permission."""
    if user is not None and not can(user, action, incident):
        raise PermissionDenied(_("You may not change this incident."))


def _validate_severity(severity: str) -> None:
    if severity not in Severity.values:
        raise ValidationError(
            {
                "severity": _("Unknown severity %(value)s; choose one of %(choices)s.")
                % {"value": severity, "choices": ", ".join(Severity.values)}
            }
        )


def severity_policy(team: Any, severity: str) -> SeverityPolicy | None:
    """The team's own policy for the severity, else the default one (team NULL)."""
    policies = SeverityPolicy.objects.filter(severity=severity).filter(
        team__isnull=True
    ) | SeverityPolicy.objects.filter(severity=severity, team=team)
    best = None
    for policy in policies:
        if policy.team_id is not None:
            return policy
        best = policy
    return best


def first_escalation_at(incident: Incident) -> datetime | None:
    policy = severity_policy(incident.team, incident.severity)
    if policy is None:
        return None
    return incident.triggered_at + timedelta(minutes=policy.escalate_after_minutes)


def add_event(
    *,
    incident: Incident,
    kind: str,
    message: str = "",
    actor: Any = None,
    data: dict[str, Any] | None = None,
    from_state: str = "",
    to_state: str = "",
    at: datetime | None = None,
) -> IncidentEvent:
    """Append one line to the timeline (the timeline is append-only)."""
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Unknown event kind %(kind)s.") % {"kind": kind}})
    return IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        message=message,
        actor=actor,
        data=data or {},
        from_state=from_state,
        to_state=to_state,
        at=at or timezone.now(),
    )


@transaction.atomic
def transition(*, incident: Incident, to: str, by: Any, note: str = "") -> Incident:
    """Move the incident to ``to`` if the table allows it, under a row lock.

    The row is locked and re-read, so a concurrent acknowledge and resolve run one after the
    other and the second sees the first's state (and is refused if it no longer applies).
    """
    if to not in S.values:
        raise ValidationError({"state": _("Unknown state %(state)s.") % {"state": to}})
    _require(by, "change", incident)
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    current = locked.state
    if to not in allowed_transitions(current):
        raise ValidationError(
            {
                "state": _("An incident cannot go from %(from)s to %(to)s.")
                % {"from": S(current).label, "to": S(to).label}
            }
        )
    now = timezone.now()
    if to == S.CLOSED and not Postmortem.objects.filter(incident=locked).exists():
        raise ValidationError({"state": _("Write the postmortem before closing the incident.")})
    fields = ["state", "updated_at"]
    locked.state = to
    stamp = _STATE_TIMESTAMP.get(to)
    if stamp and (getattr(locked, stamp) is None or to in (S.RESOLVED, S.CLOSED)):
        setattr(locked, stamp, now)
        fields.append(stamp)
    if to != S.TRIGGERED and locked.next_escalation_at is not None:
        # Anyone responding (or the incident ending) stops the escalation.
        locked.next_escalation_at = None
        fields.append("next_escalation_at")
    if to == S.TRIGGERED:  # reopen: a fresh escalation and a fresh resolution
        locked.resolved_at = None
        locked.escalation_snapshot = {}
        locked.escalation_step = 0
        locked.escalation_round = 0
        policy = severity_policy(locked.team, locked.severity)
        locked.next_escalation_at = (
            now + timedelta(minutes=policy.escalate_after_minutes) if policy else None
        )
        fields += [
            "resolved_at",
            "escalation_snapshot",
            "escalation_step",
            "escalation_round",
            "next_escalation_at",
        ]
    try:
        with transaction.atomic():
            locked.save(update_fields=list(dict.fromkeys(fields)))
    except IntegrityError as exc:
        raise ValidationError(
            {"state": _("Another incident with the same dedup key is already open.")}
        ) from exc
    add_event(
        incident=locked,
        kind=EventKind.STATE_CHANGE,
        from_state=current,
        to_state=to,
        actor=by,
        message=note,
        at=now,
    )
    # Hand the caller the fresh state on the object it holds.
    for name in (
        "state",
        "acknowledged_at",
        "mitigated_at",
        "resolved_at",
        "closed_at",
        "next_escalation_at",
        "escalation_snapshot",
        "escalation_step",
        "escalation_round",
        "assignee_id",
        "updated_at",
    ):
        setattr(incident, name, getattr(locked, name))
    return incident


def resolve(*, incident: Incident, by: Any, note: str = "") -> Incident:
    return transition(incident=incident, to=S.RESOLVED, by=by, note=note)


__all__ = [
    "ALLOWED_TRANSITIONS",
    "add_event",
    "allowed_transitions",
    "first_escalation_at",
    "resolve",
    "severity_policy",
    "transition",
]
