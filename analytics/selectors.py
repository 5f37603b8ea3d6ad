"""Analytics reads, scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum

from mops.permissions import among, restrict

from .models import (
    Anomaly,
    BatchStatus,
    Campaign,
    ImportBatch,
    Kpi,
    KpiDay,
    KpiValue,
    MetricFact,
)


def campaigns_for(*, user: Any, action: str = "view") -> QuerySet[Campaign]:
    return restrict(Campaign.objects.select_related("team"), user, action)


def facts_for(*, user: Any) -> QuerySet[MetricFact]:
    """Facts of the campaigns the user may see (metrics:read for tokens)."""
    return among(MetricFact.objects.all(), "campaign", campaigns_for(user=user))


def batches_for(*, user: Any) -> QuerySet[ImportBatch]:
    """Admins see every batch; others the batches they made and those of their teams."""
    from django.db.models import Q

    from mops.permissions import is_admin

    qs = ImportBatch.objects.select_related("created_by", "team")
    if is_admin(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(Q(created_by=user) | Q(team__in=user.teams.all()))


def batch_rows(batches: QuerySet[ImportBatch]) -> QuerySet[ImportBatch]:
    """The batches with what ``_batch_table.html`` shows of each: not their stored errors,
    options or file (a refused load keeps up to a few hundred errors)."""
    return (
        batches.select_related(None)
        .select_related("created_by")
        .only(
            "kind",
            "status",
            "filename",
            "source",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "started_at",
            "created_by__username",
        )
    )


# --- KPIs, anomalies, freshness -------------------------------------------------------------


@dataclass(frozen=True)
class KpiPoint:
    period_start: date
    period_end: date
    currency: str
    numerator: float
    denominator: float | None
    value: float | None  # None: the denominator is zero (n/a, shown as “—”)


@dataclass(frozen=True)
class KpiReading:
    numerator: float
    denominator: float | None
    value: float | None


@dataclass(frozen=True)
class DailyPoint:
    date: date
    value: float


def kpis_for(*, user: Any) -> QuerySet[Kpi]:
    """KPI definitions are organisation-wide: every role with ``view_kpi`` sees all of them."""
    from mops.permissions import is_admin

    qs = Kpi.objects.select_related("scope_team", "scope_plan")
    if is_admin(user) or (
        getattr(user, "is_authenticated", False) and user.has_perm("analytics.view_kpi")
    ):
        return qs
    return qs.none()


def kpi_series(
    *, kpi: Kpi, date_from: date, date_to: date, currency: str | None = None
) -> list[KpiPoint]:
    """Stored values of the periods overlapping [date_from, date_to], oldest first."""
    qs = KpiValue.objects.filter(kpi=kpi, period_end__gte=date_from, period_start__lte=date_to)
    if currency is not None:
        qs = qs.filter(currency=currency)
    return [
        KpiPoint(v.period_start, v.period_end, v.currency, v.numerator, v.denominator, v.value)
        for v in qs.order_by("period_start", "currency")
    ]


# A KPI's numbers are read from its stored days (``KpiDay``, kept by ``recompute_kpis``), never
# from the facts: a page of KPIs reads a few dozen rows per KPI whatever the number of facts.

_shared: ContextVar[dict[Any, Any] | None] = ContextVar("kpi_shared_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within the block, each scope's currencies, and the KPIs' days of each window, are read once:
    a board of many KPIs asks for the same ones again and again."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def in_shared_reads() -> bool:
    return _shared.get() is not None


def read_once(key: Any, read: Callable[[], Any]) -> Any:
    """``read()``, remembered under ``key`` for the rest of a ``shared_reads()`` block."""
    memo = _shared.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def scope_currencies(kpi: Kpi) -> dict[str, int]:
    """How many campaigns of the KPI's scope are in each currency."""
    from .services.kpis import scope_filter

    scope = scope_filter(kpi)
    return read_once(
        ("currencies", tuple(sorted(scope.items()))),
        lambda: dict(
            Campaign.objects.filter(**scope)
            .values_list("currency")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    )


def kpi_actual(*, kpi: Kpi, date_from: date, date_to: date) -> dict[str, KpiReading]:
    """The KPI over an arbitrary date range (e.g. a fiscal quarter): a ratio of sums per campaign
    currency, added up from its stored days. Currencies without facts are absent."""
    rows = (
        KpiDay.objects.filter(kpi_id=kpi.pk, date__gte=date_from, date__lte=date_to)
        .values("currency")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by()
    )
    readings = {}
    for row in rows:
        numerator = float(row["num"])
        if kpi.is_ratio:
            denominator: float | None = float(row["den"] or 0.0)
            value = numerator / denominator if denominator else None
        else:
            denominator, value = None, numerator
        readings[row["currency"]] = KpiReading(numerator, denominator, value)
    return readings


def anomalies_between(
    *, user: Any, date_from: date, date_to: date, campaign_ids: Iterable[int] | None = None
) -> QuerySet[Anomaly]:
    """Anomalies of the campaigns the user may see, newest first."""
    qs = Anomaly.objects.filter(
        campaign__in=campaigns_for(user=user).values("pk"), date__gte=date_from, date__lte=date_to
    ).select_related("campaign", "metric")
    if campaign_ids is not None:
        qs = qs.filter(campaign_id__in=list(campaign_ids))
    return qs.order_by("-date", "campaign__code", "metric__key")


def last_facts_arrival(*, source: str | None = None, campaign: Any = None) -> datetime | None:
    """When facts last arrived: the finish time of the last successful import batch, for a data
    source (the batch's source), a campaign (batches that wrote its facts), or both."""
    batches = ImportBatch.objects.filter(status=BatchStatus.SUCCEEDED, finished_at__isnull=False)
    if campaign is not None:
        facts = MetricFact.objects.filter(campaign=campaign)
        if source is not None:
            facts = facts.filter(source=source)
        batches = batches.filter(pk__in=facts.values("batch_id"))
    elif source is not None:
        batches = batches.filter(source=source)
    return batches.aggregate(last=Max("finished_at"))["last"]


def daily_metric_series(
    *,
    campaign: Any = None,
    metric_key: str,
    date_from: date,
    date_to: date,
    source: str | None = None,
) -> list[DailyPoint]:
    """Daily totals of one metric (over all campaigns unless one is given, over all sources
    unless one is given), oldest first; days without facts are absent, not zero."""
    facts = MetricFact.objects.filter(
        metric__key=metric_key, date__gte=date_from, date__lte=date_to
    )
    if campaign is not None:
        facts = facts.filter(campaign=campaign)
    if source is not None:
        facts = facts.filter(source=source)
    rows = facts.values("date").annotate(total=Sum("value")).order_by("date")
    return [DailyPoint(row["date"], float(row["total"])) for row in rows]
