"""Governance demo: KPI owners and targets derived from the demo facts."""

from __future__ import annotations

import datetime
from typing import Any

from mops.models import Team

from ..models import (
    Direction,
    KpiProfile,
    Plan,
    Strategy,
)
from ..periods import review_period, week_of
from ..services.kpis import adopt_kpi, set_target

KPI_TARGETS = {
    "cpa": (Direction.LOWER, 0.95),
    "conversions": (Direction.HIGHER, 1.05),
    "ctr": (Direction.BAND, None),
    "roas": (Direction.HIGHER, 1.05),
    "cpc": (Direction.LOWER, 0.97),
    "mql": (Direction.HIGHER, 1.05),
    "sessions": (Direction.HIGHER, 1.02),
    "revenue": (Direction.HIGHER, 1.05),
}
WEEKS_OF_TARGETS = 16
MONTHS_OF_TARGETS = 6


def _recent_average(kpi: Any, granularity: str, today: datetime.date) -> float | None:
    from analytics.selectors import kpi_series

    since = today - datetime.timedelta(days=120)
    points = [
        p.value
        for p in kpi_series(kpi=kpi, date_from=since, date_to=today, currency="JPY")
        if p.value is not None and p.period_end < today
    ]
    recent = points[-8:] if granularity == "week" else points[-3:]
    return sum(recent) / len(recent) if recent else None


def _periods(granularity: str, today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    if granularity == "month":
        first = today.replace(day=1)
        periods = []
        for offset in range(-MONTHS_OF_TARGETS + 1, 3):
            month = first.month - 1 + offset
            start = first.replace(year=first.year + month // 12, month=month % 12 + 1)
            periods.append(review_period("monthly", start))
        return periods
    monday, _sunday = week_of(today)
    return [
        week_of(monday + datetime.timedelta(weeks=offset))
        for offset in range(-WEEKS_OF_TARGETS + 1, 5)
    ]


def _kpis(
    team: Team, strategy: Strategy, plans: list[Plan], owner: Any, today: datetime.date
) -> int:
    from analytics.models import Kpi

    made = 0
    for key, (direction, factor) in KPI_TARGETS.items():
        kpi = Kpi.objects.filter(key=key).first()
        if kpi is None:
            continue
        profile = KpiProfile.objects.filter(kpi=kpi).first()
        if profile is None:
            profile = adopt_kpi(
                kpi=kpi,
                team=team,
                owner=owner,
                direction=direction,
                strategy=strategy,
                plan=plans[0] if key in {"cpa", "cpc"} else None,
            )
            made += 1
        if profile.targets.exists():
            continue
        average = _recent_average(kpi, kpi.granularity, today)
        if average is None:
            continue
        for start, end in _periods(kpi.granularity, today):
            if direction == Direction.BAND:
                set_target(
                    profile=profile,
                    period_start=start,
                    period_end=end,
                    low=round(average * 0.9, 5),
                    high=round(average * 1.2, 5),
                )
            else:
                value = average * (factor or 1.0)
                set_target(
                    profile=profile,
                    period_start=start,
                    period_end=end,
                    value=round(value, 4) if value < 100 else round(value),
                )
    return made
