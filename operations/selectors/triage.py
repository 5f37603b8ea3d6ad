"""The triage board's reads: the most urgent open incidents, their counts, checks by tool and
the recent events, each in a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import among, is_admin, restrict

from ..models import (
    OPEN_STATES,
    Check,
    CheckState,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentState,
    Severity,
    Tool,
)
from ..models.incidents import URGENT_FIRST
from .incidents import Policies, ack_deadline, incidents_for, overdue_filter, severity_policies


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """What the board and the overview panel show of an open incident, read as plain values: the
    board's 100 rows built as ``Incident`` models with their teams and assignees took 4 ms more
    than the same values (9 ms against 5), on a board each viewer redraws every 5 s."""

    pk: int
    title: str
    severity: str
    state: str
    triggered_at: datetime
    acknowledged_at: datetime | None
    alert_count: int
    team_id: int
    team_name: str
    assignee_id: int | None
    assignee_username: str | None
    assignee_first_name: str | None
    assignee_last_name: str | None

    @property
    def assignee_name(self) -> str:
        """The assignee's full name, else their username, as ``User.get_full_name()`` or
        ``get_username()`` would give it; empty when nobody is assigned."""
        full_name = f"{self.assignee_first_name or ''} {self.assignee_last_name or ''}".strip()
        return full_name or self.assignee_username or ""

    def get_absolute_url(self) -> str:
        return reverse("operations:incident_detail", args=[self.pk])

    def get_state_display(self) -> str:
        return str(IncidentState(self.state).label)


@dataclass
class TriageRow:
    incident: OpenIncident
    ack_deadline: datetime | None
    overdue: bool
    can_manage: bool
    tools: list[str] = field(default_factory=list)  # the affected tools' names


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
# OpenIncident's fields, in its order
OPEN_INCIDENT_VALUES = (
    "pk",
    "title",
    "severity",
    "state",
    "triggered_at",
    "acknowledged_at",
    "alert_count",
    "team_id",
    "team__name",
    "assignee_id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def triage_rows(
    *,
    user: Any,
    team: Any = None,
    tool: Any = None,
    severity: str = "",
    now: datetime | None = None,
    limit: int = TRIAGE_LIMIT,
    policies: Policies | None = None,
    for_board: bool = True,
) -> list[TriageRow]:
    """The ``limit`` most urgent open incidents: unacknowledged first, then unassigned, then by
    severity (SEV1 first) and age (oldest first), read in that order off a partial index.

    ``for_board`` adds what the board's rows show besides the incident: its tools' names and
    whether the user may act on it. A constant number of queries: the incidents, the severity
    policies (unless given), and for the board the tools and (unless the user is an admin, who
    may change every incident) the ids the user may change.
    """
    now = now or timezone.now()
    urgent_first = open_incidents(user=user, team=team, tool=tool, severity=severity).order_by(
        *URGENT_FIRST
    )
    incidents = [
        OpenIncident(*values) for values in urgent_first.values_list(*OPEN_INCIDENT_VALUES)[:limit]
    ]
    policies = severity_policies() if policies is None else policies
    manageable: set[int] = set()
    tools: dict[int, list[str]] = defaultdict(list)
    if for_board and incidents:
        shown = [i.pk for i in incidents]
        if is_admin(user):
            manageable = set(shown)
        else:
            changeable = restrict(Incident.objects.filter(pk__in=shown), user, "change")
            manageable = set(changeable.values_list("pk", flat=True))
        tools = tool_names(shown)
    rows = []
    for incident in incidents:
        deadline = ack_deadline(incident, policies)
        overdue = bool(deadline and incident.state == IncidentState.TRIGGERED and deadline < now)
        rows.append(
            TriageRow(incident, deadline, overdue, incident.pk in manageable, tools[incident.pk])
        )
    return rows


def tool_names(incident_ids: list[int]) -> defaultdict[int, list[str]]:
    """Each incident's affected tools' names, in name order (those without tools are absent).

    One query over the links, in SQL: a related manager per incident (a prefetch) cost more than
    the rest of the row, and through the ORM a filter on the board's 100 ids cost 0.5 ms more
    than on one (Django prepares each value of an ``IN`` list on its own), three times what the
    query takes. The ids are the board's own integers, passed as parameters."""
    names: defaultdict[int, list[str]] = defaultdict(list)
    if not incident_ids:
        return names
    links = Incident.affected_tools.through._meta.db_table
    id_params = ", ".join(["%s"] * len(incident_ids))  # one parameter per id
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT link.incident_id, tool.name FROM {links} AS link "  # noqa: S608 - table names
            f"JOIN {Tool._meta.db_table} AS tool ON tool.id = link.tool_id "
            f"WHERE link.incident_id IN ({id_params}) ORDER BY tool.name, tool.id",
            [int(pk) for pk in incident_ids],
        )
        for incident_id, tool_name in cursor.fetchall():
            names[incident_id].append(tool_name)
    return names


def triage_counts(
    *,
    user: Any,
    team: Any = None,
    tool: Any = None,
    severity: str = "",
    now: datetime | None = None,
    policies: Policies | None = None,
) -> dict[str, Any]:
    """Open, unacknowledged, unassigned and overdue counts, and open ones per severity
    (``by_severity``), over every open incident the filters show: one query, whatever their
    number (plus the severity policies unless given).

    The database counts per state and severity, and the sums are made here: a count per figure,
    each with its own filter, took Django 1.0 ms more to build than the query took to run."""
    now = now or timezone.now()
    policies = severity_policies() if policies is None else policies
    qs = open_incidents(user=user, team=team, tool=tool, severity=severity).order_by()
    distinct = bool(tool)  # only the tool filter joins rows that repeat an incident
    counts: dict[str, Any] = {
        "n": Count("pk", distinct=distinct),
        "unassigned": Count("pk", filter=Q(assignee__isnull=True), distinct=distinct),
    }
    late = overdue_filter(policies, now)
    if late is not None:
        counts["overdue"] = Count("pk", filter=late, distinct=distinct)
    totals = {"open": 0, "unacknowledged": 0, "unassigned": 0, "overdue": 0}
    by_severity = dict.fromkeys(Severity.values, 0)
    for state, level, n, unassigned, *overdue in qs.values_list("state", "severity").annotate(
        **counts
    ):
        totals["open"] += n
        totals["unacknowledged"] += n if state == IncidentState.TRIGGERED else 0
        totals["unassigned"] += unassigned
        totals["overdue"] += sum(overdue)
        by_severity[level] += n
    return {**totals, "by_severity": by_severity}


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


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """A line of the board's recent events: what happened to which incident, when, by whom."""

    incident_id: int
    at: datetime
    kind_label: str
    to_state_label: str  # empty unless the event changed the state
    message: str
    actor_username: str  # empty for the system's own events


def recent_events(*, user: Any, limit: int = 15) -> list[FeedEvent]:
    """The newest events of the incidents the user may see, as plain values with their kinds'
    and states' labels, each translated once per feed. (As models, each line's
    ``get_kind_display`` and ``get_to_state_display`` translated every label of both choices
    again to look its own up: 12 translations a line, 6-7 ms of the board's 15 lines.)"""
    kinds = {value: str(label) for value, label in EventKind.choices}
    states = {value: str(label) for value, label in IncidentState.choices}
    lines = (
        among(IncidentEvent.objects.all(), "incident", incidents_for(user=user))
        .order_by("-at", "-pk")
        .values_list("incident_id", "at", "kind", "to_state", "message", "actor__username")
    )
    return [
        FeedEvent(
            incident_id,
            at,
            kinds.get(kind, kind),
            states.get(to_state, to_state),
            message,
            actor or "",
        )
        for incident_id, at, kind, to_state, message, actor in lines[:limit]
    ]
