"""Forecast a KPI to the end of its period, with an uncertainty band.

The rule (documented here because the review agenda and the KPI chart rely on it):

1. The **actual** part is the sum of the KPI's numerator (and denominator) metrics from the
   period start up to ``as_of`` (inclusive), over the campaigns of the KPI's scope, in one
   currency. ``as_of`` is the last day whose data counts as complete. The daily sums are the
   KPI's stored days (``KpiDay``), which ``recompute_kpis`` keeps after every load.
2. The **remaining** days (after ``as_of`` up to the period end) are projected from the daily
   totals of the **last 28 days** up to ``as_of`` (days without facts count as 0) by least
   squares on a weekday-aware linear model ``y = a[weekday] + b * t``: a level for each
   weekday plus one linear trend. Projected days are clipped at 0. With fewer than 14 days of
   history the model is the plain mean (``method="run-rate"``).
3. The **band** is ±1.96 × the residual standard deviation × √(remaining days) on each sum;
   for a ratio the relative errors of numerator and denominator are combined
   (√(rn² + rd²)). The band is clipped at 0.
4. A ratio whose denominator forecast is 0 has no value (``None``), as in the summary table.
   Once ``as_of`` is on or after the period end the forecast is the actual
   (``method="actual"``) and the band has zero width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from .models import KpiDay
from .selectors import KpiReading, in_shared_reads, read_once, scope_currencies

WINDOW_DAYS = 28
MIN_TREND_DAYS = 14
Z = 1.96

# ``Forecast.method`` is a stable identifier; these are its labels for pages.
METHOD_LABELS = {
    "actual": _("actual (period complete)"),
    "weekday trend": _("weekday levels and trend of the last 28 days"),
    "run-rate": _("average of the last days"),
    "no history": _("no recent data"),
}


@dataclass(frozen=True)
class Forecast:
    value: float | None
    low: float | None
    high: float | None
    method: str


@dataclass(frozen=True)
class Projection:
    total: float  # projected sum over the remaining days
    sd: float  # standard deviation of that sum
    method: str


def project(history: Sequence[float], first_day: date, future: Sequence[date]) -> Projection:
    """Project a daily series (``history[i]`` is the value on ``first_day + i``) onto ``future``
    days with the weekday-aware linear model. A pure function."""
    y = np.asarray(history, dtype=float)
    if not len(future):
        return Projection(0.0, 0.0, "actual")
    if len(y) == 0:
        return Projection(0.0, 0.0, "no history")
    if len(y) < MIN_TREND_DAYS:
        mean = float(y.mean())
        sd = float(y.std(ddof=1)) if len(y) > 1 else 0.0
        return Projection(max(mean, 0.0) * len(future), sd * math.sqrt(len(future)), "run-rate")

    def design(offsets: np.ndarray) -> np.ndarray:
        """One row per day: a 1 in its weekday's column, its offset from ``first_day`` last."""
        rows = np.zeros((len(offsets), 8))
        rows[np.arange(len(offsets)), (first_day.weekday() + offsets) % 7] = 1.0
        rows[:, 7] = offsets
        return rows

    x = design(np.arange(len(y)))
    coef, _sums, rank, _singular = np.linalg.lstsq(x, y, rcond=None)
    residuals = y - x @ coef
    dof = max(len(y) - int(rank), 1)
    sd = float(math.sqrt(float(residuals @ residuals) / dof))
    ahead = np.array([(day - first_day).days for day in future])
    projected = np.clip(design(ahead) @ coef, 0.0, None)
    return Projection(float(projected.sum()), sd * math.sqrt(len(future)), "weekday trend")


def default_currency(kpi: Any) -> str:
    """The currency of most campaigns in the KPI's scope (JPY when the scope is empty)."""
    counts = scope_currencies(kpi)
    return min(counts, key=lambda currency: (-counts[currency], currency)) if counts else "JPY"


def _daily_sums(
    kpi: Any, currency: str, start: date, end: date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The KPI's numerator and denominator per day from ``start`` to ``end`` (0 where there are
    no facts) and which days have facts, from its stored days (``KpiDay``).

    Within ``shared_reads()`` (a board, an agenda) the days of every KPI in the currency and
    window are read at once, and the KPIs with that window (most of a board) share the read.
    """
    days = max((end - start).days + 1, 0)
    numerator, denominator, present = np.zeros(days), np.zeros(days), np.zeros(days, dtype=bool)
    if not days:
        return numerator, denominator, present
    if in_shared_reads():
        every = read_once(("days", currency, start, end), lambda: _read_days(currency, start, end))
        rows = every.get(kpi.pk, [])
    else:
        rows = _read_days(currency, start, end, kpi_id=kpi.pk).get(kpi.pk, [])
    for day, num, den in rows:
        i = (day - start).days
        numerator[i], denominator[i], present[i] = num, den or 0.0, True
    return numerator, denominator, present


def _read_days(
    currency: str, start: date, end: date, *, kpi_id: int | None = None
) -> dict[int, list[tuple[date, float, float | None]]]:
    """Per KPI (one, or every one): its stored days in the currency and window."""
    rows = KpiDay.objects.filter(currency=currency, date__gte=start, date__lte=end)
    if kpi_id is not None:
        rows = rows.filter(kpi_id=kpi_id)
    by_kpi: dict[int, list[tuple[date, float, float | None]]] = {}
    for pk, day, num, den in rows.values_list("kpi_id", "date", "numerator", "denominator"):
        by_kpi.setdefault(pk, []).append((day, num, den))
    return by_kpi


def forecast_period(
    *, kpi: Any, period_start: date, period_end: date, as_of: date, currency: str | None = None
) -> Forecast:
    """The KPI's value projected to ``period_end`` (see the module docstring for the rule).

    ``currency`` defaults to the currency of most campaigns in the KPI's scope.
    """
    forecast, _actual = forecast_with_actual(
        kpi=kpi, period_start=period_start, period_end=period_end, as_of=as_of, currency=currency
    )
    return forecast


def forecast_with_actual(
    *, kpi: Any, period_start: date, period_end: date, as_of: date, currency: str | None = None
) -> tuple[Forecast, KpiReading | None]:
    """``forecast_period`` and, from the same read, the actual so far (None: no facts in that
    currency from the period start to ``as_of``, or the period has not started)."""
    currency = currency or default_currency(kpi)
    cut = min(as_of, period_end)
    future_start = max(as_of + timedelta(days=1), period_start)
    future = [
        future_start + timedelta(days=i)
        for i in range(max((period_end - future_start).days + 1, 0))
    ]
    first = as_of - timedelta(days=WINDOW_DAYS - 1)
    # one read for the actual part and the history (contiguous whenever there is a future)
    start = min(period_start, first) if future else period_start
    end = as_of if future else cut
    num_daily, den_daily, present = _daily_sums(kpi, currency, start, end)
    so_far = slice((period_start - start).days, (cut - start).days + 1)
    started = cut >= period_start

    def sum_forecast(daily: np.ndarray) -> tuple[float, Projection]:
        actual = float(daily[so_far].sum()) if started else 0.0
        history = daily[(first - start).days :].tolist() if future else []
        return actual, project(history, first, future)

    num_actual, num = sum_forecast(num_daily)
    actual = None
    if started and present[so_far].any():
        actual = KpiReading(num_actual, None, num_actual)
    num_total = num_actual + num.total
    num_low = max(num_total - Z * num.sd, 0.0)
    num_high = num_total + Z * num.sd
    if not kpi.is_ratio:
        return Forecast(num_total, num_low, num_high, num.method), actual
    den_actual, den = sum_forecast(den_daily)
    if actual is not None:
        actual = KpiReading(num_actual, den_actual, num_actual / den_actual if den_actual else None)
    den_total = den_actual + den.total
    if den_total == 0:
        return Forecast(None, None, None, den.method), actual
    value = num_total / den_total
    rel_num = num.sd / num_total if num_total else 0.0
    rel_den = den.sd / den_total
    spread = Z * value * math.sqrt(rel_num**2 + rel_den**2)
    return Forecast(value, max(value - spread, 0.0), value + spread, num.method), actual
