"""KPI readings for governance pages: actual so far, forecast to period end, status.

Values come from analytics (``analytics.selectors.kpi_actual`` for arbitrary ranges and
``analytics.forecast.forecast_period``); governance adds the target and the status rule
(``governance.status``). Money and counts are read in one currency: the target's, else the
currency of most campaigns in the KPI's scope (sums in different currencies are never added).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from analytics.selectors import KpiReading as Sums  # numerator, denominator, value

from .models import KpiProfile, KpiTarget
from .status import STATUS_COLOUR, Status, TargetSpec, evaluate


@dataclass
class KpiReading:
    profile: KpiProfile
    target: KpiTarget | None
    currency: str
    period_start: datetime.date | None
    period_end: datetime.date | None
    as_of: datetime.date
    actual: Sums | None
    forecast: float | None
    forecast_low: float | None
    forecast_high: float | None
    forecast_method: str
    status: Status

    @property
    def colour(self) -> str:
        return STATUS_COLOUR[self.status]

    @property
    def kpi(self) -> Any:
        return self.profile.kpi

    @property
    def actual_value(self) -> float | None:
        """The actual so far (None before any fact of the period, or without a target)."""
        return self.actual.value if self.actual is not None else None


def target_spec(target: KpiTarget | None) -> TargetSpec | None:
    if target is None:
        return None
    return TargetSpec(value=target.value, low=target.low, high=target.high)


def currency_of(kpi: Any, target: KpiTarget | None = None) -> str:
    from analytics.forecast import default_currency

    return (target.currency if target and target.currency else "") or default_currency(kpi)


def actual(
    *, kpi: Any, date_from: datetime.date, date_to: datetime.date, currency: str
) -> Sums | None:
    """The KPI over ``date_from``..``date_to`` in ``currency`` (None: no facts in that range)."""
    from analytics.selectors import kpi_actual

    return kpi_actual(kpi=kpi, date_from=date_from, date_to=date_to).get(currency)


def target_for(profile: KpiProfile, day: datetime.date) -> KpiTarget | None:
    """The target whose period contains ``day`` (the shortest one when several do)."""
    candidates = [t for t in profile.targets.all() if t.period_start <= day <= t.period_end]
    candidates.sort(key=lambda t: (t.period_end - t.period_start, t.pk))
    return candidates[0] if candidates else None


def read_kpi(
    *, profile: KpiProfile, as_of: datetime.date | None = None, target: KpiTarget | None = None
) -> KpiReading:
    """Actual from the target period's start up to ``as_of``, the forecast to its end, status.

    ``as_of`` is the last day whose data counts (yesterday's data by default is today's page).
    """
    from analytics.forecast import forecast_with_actual

    as_of = as_of or timezone.localdate()
    target = target or target_for(profile, as_of)
    kpi = profile.kpi
    currency = currency_of(kpi, target)
    if target is None:
        return KpiReading(
            profile, None, currency, None, None, as_of, None, None, None, None, "", Status.UNKNOWN
        )
    # the actual so far comes from the forecast's own read of the KPI's days
    forecast, so_far = forecast_with_actual(
        kpi=kpi,
        period_start=target.period_start,
        period_end=target.period_end,
        as_of=as_of,
        currency=currency,
    )
    status = evaluate(profile.direction, target_spec(target), forecast.value)
    return KpiReading(
        profile=profile,
        target=target,
        currency=currency,
        period_start=target.period_start,
        period_end=target.period_end,
        as_of=as_of,
        actual=so_far,
        forecast=forecast.value,
        forecast_low=forecast.low,
        forecast_high=forecast.high,
        forecast_method=forecast.method,
        status=status,
    )


def kpi_board(*, user: Any, as_of: datetime.date | None = None) -> list[KpiReading]:
    """Every KPI the user may see with its current status, worst first."""
    from analytics.selectors import shared_reads

    from .selectors import kpi_profiles_for

    order = {Status.OFF_TRACK: 0, Status.AT_RISK: 1, Status.ON_TRACK: 2, Status.UNKNOWN: 3}
    as_of = as_of or timezone.localdate()
    current = KpiTarget.objects.filter(period_start__lte=as_of, period_end__gte=as_of)
    # what a board shows: the KPI, its owner and the targets of today (not a year of weeks)
    profiles = (
        kpi_profiles_for(user=user)
        .select_related(None)
        .select_related("kpi", "owner")
        .prefetch_related(Prefetch("targets", queryset=current))
    )
    with shared_reads():  # scopes and windows read once for the whole board
        readings = [read_kpi(profile=p, as_of=as_of) for p in profiles]
    readings.sort(key=lambda r: (order[r.status], r.profile.kpi.key))
    return readings
