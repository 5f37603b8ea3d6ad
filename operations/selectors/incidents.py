"""Incident reads, scoped to the user: lists, the review agenda, MTTA/MTTR, the severity
policies. The triage board's reads are in ``triage``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import can, restrict

from ..models import (
    EventKind,
    Incident,
    IncidentEvent,
    IncidentState,
    Severity,
    SeverityPolicy,
)

if TYPE_CHECKING:
    from .triage import OpenIncident

SEVERITY_RANK = {value: i for i, value in enumerate(Severity.values)}


def incidents_for(*, user: Any) -> QuerySet[Incident]:
    """The incidents ``user`` may see (their teams' incidents; admins all)."""
    return restrict(Incident.objects.select_related("team", "assignee"), user, "view")


def can_manage(*, user: Any, incident: Incident) -> bool:
    """Ops staff of the incident's team (and admins) manage it; others read and comment."""
    return can(user, "change", incident)


def _day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def incidents_in_period(*, user: Any, date_from: date, date_to: date) -> QuerySet[Incident]:
    """Incidents open at any time between the two dates (inclusive), worst first.

    Each has ``duration`` (triggered → resolved, or until now while unresolved) and its
    affected tools, campaigns and KPIs prefetched; the review agenda reads this.
    """
    start, end = _day_bounds(date_from, date_to)
    return (
        incidents_for(user=user)
        .filter(triggered_at__lt=end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
        .annotate(
            duration=ExpressionWrapper(
                Coalesce(F("resolved_at"), Now()) - F("triggered_at"),
                output_field=DurationField(),
            )
        )
        .prefetch_related("affected_tools", "affected_campaigns", "affected_kpis")
        .order_by("severity", "triggered_at")
    )


def timeline(*, incident: Incident) -> QuerySet[IncidentEvent]:
    return incident.events.select_related("actor").order_by("at", "pk")


# --- MTTA / MTTR -----------------------------------------------------------------------------


def format_duration(value: timedelta | None) -> str:
    """A short human duration: "—", "45 s", "12 min", "3 h 05 min", "2 d 4 h"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 60:
        return _("%(n)s s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)s d %(h)s h") % {"d": days, "h": hours}


@dataclass
class ResponseTimes:
    key: str
    label: str
    incidents: int = 0
    acknowledged: int = 0
    resolved: int = 0
    ack_total: timedelta = field(default_factory=timedelta)
    resolve_total: timedelta = field(default_factory=timedelta)

    @property
    def mtta(self) -> timedelta | None:
        return self.ack_total / self.acknowledged if self.acknowledged else None

    @property
    def mttr(self) -> timedelta | None:
        return self.resolve_total / self.resolved if self.resolved else None

    @property
    def mtta_text(self) -> str:
        return format_duration(self.mtta)

    @property
    def mttr_text(self) -> str:
        return format_duration(self.mttr)


def response_times(events: Iterable[tuple[str, str, datetime]], triggered_at: datetime) -> dict:
    """Time to acknowledge and to resolve, read from one incident's state changes.

    Acknowledged = the first time it left *triggered* (acknowledge, mitigate or a direct resolve
    all mean someone responded). Resolved = the last time it became *resolved* (a reopened
    incident counts until its final resolution).
    """
    ack_at = resolved_at = None
    for from_state, to_state, at in events:
        if from_state == IncidentState.TRIGGERED and ack_at is None:
            ack_at = at
        if to_state == IncidentState.RESOLVED:
            resolved_at = at
        if to_state == IncidentState.TRIGGERED and from_state == IncidentState.RESOLVED:
            resolved_at = None
    return {
        "tta": ack_at - triggered_at if ack_at else None,
        "ttr": resolved_at - triggered_at if resolved_at else None,
    }


def mtta_mttr(
    *, user: Any, date_from: date, date_to: date, group_by: str = "tool"
) -> dict[str, Any]:
    """Mean time to acknowledge and to resolve of incidents triggered in the period.

    Grouped by ``tool`` (an incident counts for each affected tool; none = "No tool"), ``team``
    or ``severity``. Returns ``{"rows": [ResponseTimes…], "total": ResponseTimes}``. Three
    queries, whatever the number of incidents.
    """
    if group_by not in ("tool", "team", "severity"):
        raise ValueError(f"unknown group_by {group_by!r}")
    start, end = _day_bounds(date_from, date_to)
    incidents = list(
        incidents_for(user=user)
        .filter(triggered_at__gte=start, triggered_at__lt=end)
        .values_list("pk", "triggered_at", "severity", "team_id", "team__name")
    )
    ids = [row[0] for row in incidents]
    events: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    for incident_id, from_state, to_state, at in (
        IncidentEvent.objects.filter(incident_id__in=ids, kind=EventKind.STATE_CHANGE)
        .order_by("at", "pk")
        .values_list("incident_id", "from_state", "to_state", "at")
    ):
        events[incident_id].append((from_state, to_state, at))
    tools: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if group_by == "tool":
        through = Incident.affected_tools.through
        for incident_id, tool_id, tool_name in through.objects.filter(
            incident_id__in=ids
        ).values_list("incident_id", "tool_id", "tool__name"):
            tools[incident_id].append((tool_id, tool_name))
    groups: dict[str, ResponseTimes] = {}
    total = ResponseTimes(key="", label=_("All incidents"))
    for pk, triggered_at, severity, team_id, team_name in incidents:
        times = response_times(events[pk], triggered_at)
        if group_by == "tool":
            keys = [(str(t), name) for t, name in tools[pk]] or [("", _("No tool"))]
        elif group_by == "team":
            keys = [(str(team_id), team_name)]
        else:
            keys = [(severity, str(Severity(severity).label))]
        for row in [total] + [groups.setdefault(k, ResponseTimes(key=k, label=n)) for k, n in keys]:
            row.incidents += 1
            if times["tta"] is not None:
                row.acknowledged += 1
                row.ack_total += times["tta"]
            if times["ttr"] is not None:
                row.resolved += 1
                row.resolve_total += times["ttr"]
    rows = sorted(
        groups.values(),
        key=lambda r: (
            (SEVERITY_RANK.get(r.key, 0), r.label)
            if group_by == "severity"
            else (r.label == _("No tool"), r.label)
        ),
    )
    return {"rows": rows, "total": total}


# --- Triage board ----------------------------------------------------------------------------

Policies = dict[tuple[int | None, str], SeverityPolicy]


def severity_policies() -> Policies:
    return {(p.team_id, p.severity): p for p in SeverityPolicy.objects.order_by()}


def ack_deadline(incident: Incident | OpenIncident, policies: Policies) -> datetime | None:
    policy = policies.get((incident.team_id, incident.severity)) or policies.get(
        (None, incident.severity)
    )
    if policy is None:
        return None
    return incident.triggered_at + timedelta(minutes=policy.ack_minutes)


def overdue_filter(policies: Policies, now: datetime) -> Q | None:
    """Unacknowledged incidents past their acknowledge target (the team's policy for the
    severity, else the default one): ``ack_deadline`` as a filter, so the database counts them.
    None when there is no policy, so nothing can be overdue."""
    own_policy: dict[str, list[int]] = defaultdict(list)
    for team_id, severity in policies:
        if team_id is not None:
            own_policy[severity].append(team_id)
    late = []
    for (team_id, severity), policy in policies.items():
        past = Q(severity=severity, triggered_at__lt=now - timedelta(minutes=policy.ack_minutes))
        if team_id is not None:
            late.append(past & Q(team_id=team_id))
        elif own_policy[severity]:
            late.append(past & ~Q(team_id__in=own_policy[severity]))
        else:
            late.append(past)
    if not late:
        return None
    return Q(state=IncidentState.TRIGGERED) & reduce(or_, late)
