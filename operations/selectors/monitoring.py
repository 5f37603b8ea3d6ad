"""Monitoring reads: checks the user may see, their results, flips and downtime from flips."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mops.permissions import among, restrict

from ..models import Check, CheckResult, CheckState, Flip

DOWNTIME_DAYS = 30


def checks_for(*, user: Any, action: str = "view") -> QuerySet[Check]:
    return restrict(
        Check.objects.select_related("tool", "team", "integration__source", "metric", "campaign"),
        user,
        action,
    )


def results_for(*, user: Any) -> QuerySet[CheckResult]:
    """Results of the checks the user may see, newest first."""
    return among(CheckResult.objects.all(), "monitor", checks_for(user=user)).order_by("-at", "-pk")


def state_counts(*, user: Any) -> dict[str, int]:
    rows = checks_for(user=user).order_by().values("state").annotate(n=Count("pk"))
    counts = dict.fromkeys(CheckState.values, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def attention_checks(*, user: Any) -> QuerySet[Check]:
    """Checks that are down or late, worst first: what the 運用 landing page leads with."""
    return (
        checks_for(user=user)
        .filter(state__in=[CheckState.DOWN, CheckState.LATE])
        .order_by("-state", "name")
    )


@dataclass
class Downtime:
    """Time spent per state over a period, from the flips (``unknown`` is kept apart)."""

    start: datetime.datetime
    end: datetime.datetime
    down: datetime.timedelta = datetime.timedelta(0)
    unknown: datetime.timedelta = datetime.timedelta(0)
    down_spans: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)
    unknown_spans: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)

    @property
    def known(self) -> datetime.timedelta:
        return (self.end - self.start) - self.unknown

    @property
    def uptime_ratio(self) -> float | None:
        """Share of the known time not spent down; None when nothing is known."""
        known = self.known.total_seconds()
        if known <= 0:
            return None
        return max(0.0, 1 - self.down.total_seconds() / known)


def downtime(
    *, check: Check, end: datetime.datetime | None = None, days: int = DOWNTIME_DAYS
) -> Downtime:
    """Down and unknown time of ``check`` over the ``days`` before ``end``, from its flips.

    The state at the period's start is the last flip before it (``new`` when there is none, or
    when the check did not exist yet). Spans where the scheduler was not running are ``unknown``
    and counted neither as up nor as down.
    """
    end = end or timezone.now()
    start = end - datetime.timedelta(days=days)
    before = (
        Flip.objects.filter(monitor=check, at__lte=start).order_by("-at", "-pk").only("new_state")
    ).first()
    state = before.new_state if before else CheckState.NEW
    flips = Flip.objects.filter(monitor=check, at__gt=start, at__lte=end).order_by("at", "pk")
    result = Downtime(start=start, end=end)
    cursor = start
    for flip in [*flips, None]:
        until = flip.at if flip is not None else end
        if state == CheckState.DOWN and until > cursor:
            result.down += until - cursor
            result.down_spans.append((cursor, until))
        elif state == CheckState.UNKNOWN and until > cursor:
            result.unknown += until - cursor
            result.unknown_spans.append((cursor, until))
        if flip is not None:
            state, cursor = flip.new_state, flip.at
    return result


def check_detail(*, check: Check, results: int = 50, flips: int = 50) -> dict[str, Any]:
    """The detail page's sections: recent results and flips, downtime over 30 days."""
    return {
        "results": list(check.results.order_by("-at", "-pk")[:results]),
        "flips": list(check.flips.order_by("-at", "-pk")[:flips]),
        "pings": list(check.pings.order_by("-at", "-pk")[:20]),
        "downtime": downtime(check=check),
    }


def upstream_down_check(check: Check) -> Check | None:
    """A check of the tool upstream of ``check`` (its integration's source) that is down."""
    if check.integration_id is None:
        return None
    source_id = (
        Check.objects.filter(pk=check.pk).values_list("integration__source_id", flat=True).first()
    )
    if source_id is None:
        return None
    return (
        Check.objects.filter(tool_id=source_id, state=CheckState.DOWN)
        .exclude(pk=check.pk)
        .order_by("pk")
        .first()
    )


def due_checks(*, now: datetime.datetime) -> QuerySet[Check]:
    """Enabled, unpaused checks whose next evaluation is due (or that were never scheduled)."""
    return (
        Check.objects.filter(enabled=True)
        .exclude(state=CheckState.PAUSED)
        .filter(Q(next_due_at__lte=now) | Q(next_due_at__isnull=True))
        .order_by("next_due_at", "pk")
    )
