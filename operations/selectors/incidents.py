"""Incident reads, scoped to the user: lists, the triage board, the review agenda, MTTA/MTTR."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import can, restrict

from ..models import (
    OPEN_STATES,
    Check,
    CheckState,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentState,
    Severity,
    SeverityPolicy,
)

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


def severity_policies() -> dict[tuple[int | None, str], SeverityPolicy]:
    return {(p.team_id, p.severity): p for p in SeverityPolicy.objects.all()}


def ack_deadline(
    incident: Incident, policies: dict[tuple[int | None, str], SeverityPolicy]
) -> datetime | None:
    policy = policies.get((incident.team_id, incident.severity)) or policies.get(
        (None, incident.severity)
    )
    if policy is None:
        return None
    return incident.triggered_at + timedelta(minutes=policy.ack_minutes)


@dataclass
class TriageRow:
    incident: Incident
    ack_deadline: datetime | None
    overdue: bool
    can_manage: bool


def open_incidents(
    *, user: Any, team: Any = None, tool: Any = None, severity: str = ""
) -> QuerySet[Incident]:
    qs = incidents_for(user=user).filter(state__in=OPEN_STATES)
    if team:
        qs = qs.filter(team=team)
    if tool:
        qs = qs.filter(affected_tools=tool)
    if severity:
        qs = qs.filter(severity=severity)
    return qs


# The board lists the most urgent open incidents; the counts above it cover all of them.
TRIAGE_LIMIT = 100


def triage_rows(
    *,
    user: Any,
    team: Any = None,
    tool: Any = None,
    severity: str = "",
    now: datetime | None = None,
    limit: int = TRIAGE_LIMIT,
) -> list[TriageRow]:
    """The ``limit`` most urgent open incidents: unacknowledged first, then unassigned, then by
    severity (SEV1 first) and age (oldest first).

    A constant number of queries: the incidents (with tools prefetched), the severity policies
    and the ids the user may change, however many incidents are open.
    """
    now = now or timezone.now()
    urgent_first = open_incidents(user=user, team=team, tool=tool, severity=severity).order_by(
        Case(When(state=IncidentState.TRIGGERED, then=Value(0)), default=Value(1)),
        Case(When(assignee__isnull=True, then=Value(0)), default=Value(1)),
        "severity",  # sev1 < sev2 < sev3 < sev4
        "triggered_at",
    )
    incidents = list(urgent_first.prefetch_related("affected_tools")[:limit])
    policies = severity_policies()
    manageable = (
        set(
            restrict(
                Incident.objects.filter(pk__in=[i.pk for i in incidents]), user, "change"
            ).values_list("pk", flat=True)
        )
        if incidents
        else set()
    )
    rows = []
    for incident in incidents:
        deadline = ack_deadline(incident, policies)
        overdue = bool(deadline and incident.state == IncidentState.TRIGGERED and deadline < now)
        rows.append(TriageRow(incident, deadline, overdue, incident.pk in manageable))
    return rows


def triage_counts(
    *,
    user: Any,
    team: Any = None,
    tool: Any = None,
    severity: str = "",
    now: datetime | None = None,
) -> dict[str, int]:
    """Open, unacknowledged, unassigned and overdue counts over every open incident shown by
    the filters (two queries, whatever their number)."""
    now = now or timezone.now()
    qs = open_incidents(user=user, team=team, tool=tool, severity=severity).order_by()
    counts = qs.aggregate(
        open=Count("pk", distinct=True),
        unacknowledged=Count("pk", filter=Q(state=IncidentState.TRIGGERED), distinct=True),
        unassigned=Count("pk", filter=Q(assignee__isnull=True), distinct=True),
    )
    policies = severity_policies()
    overdue = 0
    triggered = qs.filter(state=IncidentState.TRIGGERED).distinct()
    for team_id, sev, triggered_at in triggered.values_list("team_id", "severity", "triggered_at"):
        policy = policies.get((team_id, sev)) or policies.get((None, sev))
        if policy and triggered_at + timedelta(minutes=policy.ack_minutes) < now:
            overdue += 1
    return {**counts, "overdue": overdue}


def check_grid(*, user: Any, team: Any = None, tool: Any = None) -> list[dict[str, Any]]:
    """Check states grouped by tool: one query (plus the permission filter)."""
    qs = restrict(Check.objects.all(), user, "view").filter(enabled=True)
    if team:
        qs = qs.filter(team=team)
    if tool:
        qs = qs.filter(tool=tool)
    grid: dict[Any, dict[str, Any]] = {}
    for pk, name, state, tool_id, tool_name in qs.order_by("tool__name", "name").values_list(
        "pk", "name", "state", "tool_id", "tool__name"
    ):
        entry = grid.setdefault(
            tool_id,
            {"tool_id": tool_id, "tool": tool_name or _("No tool"), "checks": [], "worst": ""},
        )
        entry["checks"].append({"pk": pk, "name": name, "state": state})
    order = [CheckState.DOWN, CheckState.LATE, CheckState.UNKNOWN, CheckState.NEW, CheckState.UP]
    for entry in grid.values():
        states = {c["state"] for c in entry["checks"]}
        entry["worst"] = next((s for s in order if s in states), CheckState.PAUSED)
        entry["counts"] = {s: sum(c["state"] == s for c in entry["checks"]) for s in states}
    return list(grid.values())


def recent_events(*, user: Any, limit: int = 15) -> list[IncidentEvent]:
    visible = incidents_for(user=user).values("pk")
    return list(
        IncidentEvent.objects.filter(incident_id__in=visible)
        .select_related("incident", "actor")
        .order_by("-at", "-pk")[:limit]
    )


def incident_counts(*, user: Any) -> dict[str, int]:
    """Open incidents per severity, for the overview panel (one grouped query)."""
    counts = {s: 0 for s in Severity.values}
    rows = (
        incidents_for(user=user)
        .filter(state__in=OPEN_STATES)
        .order_by()
        .values("severity")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["severity"]] = row["n"]
    return counts
