"""Maintenance window reads: occurrences of one-off and recurring windows, and whether a tool is
in maintenance at a moment (the monitoring engine asks before opening an incident).

A recurring window stores its first occurrence (``starts_at``/``ends_at``) and an RFC 5545 RRULE;
occurrences are computed with dateutil in the portal's time zone, so ``BYDAY=TU`` means Tuesday in
Tokyo, not in UTC.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.rrule import rrulestr
from django.db.models import Q, QuerySet
from django.utils import timezone

from mops.permissions import restrict

from ..models import MaintenanceStatus, MaintenanceWindow, Tool

# Occurrences listed per window at most (a FREQ=MINUTELY rule must not flood a page).
MAX_OCCURRENCES = 500


@dataclass(frozen=True)
class Occurrence:
    window: MaintenanceWindow
    start: datetime.datetime
    end: datetime.datetime

    @property
    def tool(self) -> Tool:
        return self.window.tool


def windows_for(*, user: Any, action: str = "view") -> QuerySet[MaintenanceWindow]:
    return restrict(
        MaintenanceWindow.objects.select_related("tool", "team", "created_by"), user, action
    )


def parse_rule(window: MaintenanceWindow) -> Any:
    """The window's dateutil rule, starting at its first occurrence in local time."""
    return rrulestr(window.recurrence, dtstart=timezone.localtime(window.starts_at))


def occurrences(
    window: MaintenanceWindow, *, start: datetime.datetime, end: datetime.datetime
) -> list[Occurrence]:
    """Occurrences of ``window`` that overlap [start, end)."""
    duration = window.ends_at - window.starts_at
    if not window.recurrence:
        if window.starts_at < end and window.ends_at > start:
            return [Occurrence(window, window.starts_at, window.ends_at)]
        return []
    rule = parse_rule(window)
    found: list[Occurrence] = []
    for begin in rule.xafter(timezone.localtime(start - duration), inc=True):
        if begin >= end or len(found) >= MAX_OCCURRENCES:
            break
        if begin + duration > start:
            found.append(Occurrence(window, begin, begin + duration))
    return found


def _candidates(
    qs: QuerySet[MaintenanceWindow], start: datetime.datetime, end: datetime.datetime
) -> QuerySet[MaintenanceWindow]:
    """Windows that may have an occurrence in [start, end): one-offs overlapping it, and
    recurring ones that started before its end."""
    return qs.exclude(status=MaintenanceStatus.CANCELLED).filter(
        Q(recurrence="", starts_at__lt=end, ends_at__gt=start)
        | (~Q(recurrence="") & Q(starts_at__lt=end))
    )


def maintenance_between(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    tools: Iterable[Tool] | None = None,
    user: Any = None,
    shown: Sequence[str] = (),
) -> list[Occurrence]:
    """Occurrences of non-cancelled windows overlapping [start, end), oldest first.

    Without ``user`` every window counts (the engine's view); with it only the user's windows.
    ``shown`` reads only those fields of each window (``tool__name``…), besides what its
    occurrences are worked out from.
    """
    qs = (
        windows_for(user=user)
        if user is not None
        else MaintenanceWindow.objects.select_related("tool", "team")
    )
    if shown:
        related = {name.split("__")[0] for name in shown if "__" in name}
        qs = qs.select_related(None).select_related(*related)
        qs = qs.only("starts_at", "ends_at", "recurrence", *shown)
    if tools is not None:
        qs = qs.filter(tool__in=[t.pk for t in tools])
    found: list[Occurrence] = []
    for window in _candidates(qs, start, end):
        found.extend(occurrences(window, start=start, end=end))
    return sorted(found, key=lambda o: (o.start, o.window.pk))


def tool_in_maintenance(*, tool: Tool | None, at: datetime.datetime) -> bool:
    return current_maintenance(tool=tool, at=at) is not None


def current_maintenance(*, tool: Tool | None, at: datetime.datetime) -> Occurrence | None:
    """The maintenance occurrence covering ``at`` for ``tool``, if any."""
    if tool is None:
        return None
    hits = maintenance_between(start=at, end=at + datetime.timedelta(microseconds=1), tools=[tool])
    return hits[0] if hits else None


def next_occurrence(window: MaintenanceWindow, *, after: datetime.datetime) -> Occurrence | None:
    """The occurrence in progress at ``after`` or the next one to start; None when none is left."""
    if not window.recurrence:
        return (
            Occurrence(window, window.starts_at, window.ends_at) if window.ends_at > after else None
        )
    duration = window.ends_at - window.starts_at
    rule = parse_rule(window)
    begin = rule.after(timezone.localtime(after - duration), inc=False)
    while begin is not None and begin + duration <= after:
        begin = rule.after(begin, inc=False)
    return Occurrence(window, begin, begin + duration) if begin is not None else None


def maintenance_annotations(
    *, start: datetime.date, end: datetime.date, scope: Any = None
) -> list[dict[str, Any]]:
    """Chart annotation provider: maintenance occurrences as spans of local dates.

    ``scope`` may be a dict with ``tools`` (tool ids or tools) to limit the spans; anything else
    shows every window (charts are organisation-wide reading aids).
    """
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    finish = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    tools = None
    if isinstance(scope, dict) and scope.get("tools") is not None:
        ids = [getattr(t, "pk", t) for t in scope["tools"]]
        tools = list(Tool.objects.filter(pk__in=ids))
    return [
        {
            "start": timezone.localtime(o.start).date(),
            "end": timezone.localtime(o.end).date(),
            "label": f"{o.window.tool.name}: {o.window.title}",
            "kind": "maintenance",
        }
        for o in maintenance_between(start=begin, end=finish, tools=tools)
    ]


def register_annotations() -> None:
    """Register the provider in ``mops.registry.chart_annotations``.

    Called from ``operations.api.inventory.register()``, which runs in ``AppConfig.ready()``:
    this area owns no ``apps.py`` hook of its own, and registries must be filled at ready time.
    """
    from mops.registry import chart_annotations

    chart_annotations.register("operations.maintenance", maintenance_annotations)
