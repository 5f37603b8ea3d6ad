"""KPI recompute: set-based, per day, period and currency, idempotent and safe to run concurrently.

For each KPI one ``INSERT … SELECT … GROUP BY`` sums the facts of the campaigns in its scope into
days and campaign currencies (never added across currencies) in ``KpiDay``: numerator and
denominator sums, replacing the days of the recomputed periods. One
``INSERT … SELECT … ON CONFLICT DO UPDATE`` then adds those days up into the KPI's periods (day;
ISO week starting Monday; calendar month) and writes numerator, denominator and value (NULL
when the denominator is zero) into ``KpiValue``. Period rows are rewritten only when a number
changed, so a repeated recompute rewrites no period. Periods that no longer have a day are
deleted. Pages read these two tables, never the facts behind a KPI.

Incremental recompute (after a load) covers only the periods containing the touched dates, for
the KPIs whose scope includes a touched campaign; each period is still summed over every campaign
of the scope, from the facts, so the result never depends on what ran before.

Concurrency: one call recomputes its KPIs in one transaction (one commit, not one per KPI: an
incremental recompute is a few small statements per KPI, and eight commits were a good part of
it); on PostgreSQL it takes ``pg_advisory_xact_lock`` on each KPI before writing its rows, in
primary-key order so two calls cannot deadlock. Two workers on overlapping work therefore run
one after the other per KPI, and the second recomputes from the committed facts: both end with
the same rows. SQLite serialises writers anyway.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ..models import Campaign, Granularity, Kpi, KpiDay, KpiValue, Metric, MetricFact
from .kpis import parse_expression, scope_filter

logger = logging.getLogger(__name__)

TOLERANCE = "1e-9"  # relative: rows are rewritten only when a number really changed
ADVISORY_LOCK_CLASS = 7311  # first key of pg_advisory_xact_lock(int, int): "KPI recompute"


@dataclass
class RecomputeResult:
    kpi: str
    period_from: date | None
    period_to: date | None
    written: int
    deleted: int

    def __str__(self) -> str:
        span = (
            f"{self.period_from or 'start'}..{self.period_to or 'end'}"
            if self.period_from or self.period_to
            else "all periods"
        )
        return f"{self.kpi}: {span}: {self.written} written, {self.deleted} deleted"


def period_start(day: date, granularity: str) -> date:
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    return day


def period_end(day: date, granularity: str) -> date:
    if granularity == Granularity.WEEK:
        return period_start(day, granularity) + timedelta(days=6)
    if granularity == Granularity.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def _bucket_sql(granularity: str, column: str) -> tuple[str, str]:
    """SQL for (period start, period end) of a date column, on PostgreSQL and SQLite."""
    if connection.vendor == "postgresql":
        if granularity == Granularity.WEEK:
            start = f"CAST(date_trunc('week', CAST({column} AS timestamp)) AS date)"
            return start, f"({start} + 6)"
        if granularity == Granularity.MONTH:
            return (
                f"CAST(date_trunc('month', CAST({column} AS timestamp)) AS date)",
                f"CAST(date_trunc('month', CAST({column} AS timestamp)) "
                f"+ interval '1 month - 1 day' AS date)",
            )
        return column, column
    if granularity == Granularity.WEEK:
        back = f"'-' || ((CAST(strftime('%%w', {column}) AS integer) + 6) %% 7) || ' days'"
        return f"date({column}, {back})", f"date({column}, {back}, '+6 days')"
    if granularity == Granularity.MONTH:
        return (
            f"date({column}, 'start of month')",
            f"date({column}, 'start of month', '+1 month', '-1 day')",
        )
    return column, column


def _date(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _scope_sql(kpi: Kpi) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for column, value in (
        ("c.channel", kpi.scope_channel or None),
        ("c.team_id", kpi.scope_team_id),
        ("c.plan_id", kpi.scope_plan_id),
    ):
        if value:
            clauses.append(f"{column} = %s")
            params.append(value)
    return "".join(f" AND {c}" for c in clauses), params


def _changed(table: str, column: str) -> str:
    """SQL: the stored number differs from the new one beyond float noise (a sum's last bits
    depend on the scan order), or exactly one of them is NULL."""
    old, new = f"{table}.{column}", f"excluded.{column}"
    same = (
        f"({old} IS NULL AND {new} IS NULL) "
        f"OR abs({old} - {new}) <= {TOLERANCE} * (abs({old}) + abs({new}))"
    )
    return f"NOT COALESCE({same}, false)"


def _in(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def _recompute_one(
    kpi: Kpi, date_from: date | None, date_to: date | None, metric_ids: dict[str, int]
) -> RecomputeResult:
    """One KPI's days and periods, inside the caller's transaction. ``metric_ids``: key -> id of
    every metric (read once per recompute, not once per KPI)."""
    expr = parse_expression(kpi.expression, known_keys=metric_ids)
    num_ids = [metric_ids[k] for k in expr.numerator]
    den_ids = [metric_ids[k] for k in expr.denominator]
    lo = period_start(date_from, kpi.granularity) if date_from else None
    hi = period_end(date_to, kpi.granularity) if date_to else None

    facts = MetricFact._meta.db_table
    campaigns = Campaign._meta.db_table
    days = KpiDay._meta.db_table
    values = KpiValue._meta.db_table
    scope_sql, scope_params = _scope_sql(kpi)
    bounds = [_date(d) for d in (lo, hi) if d]

    def within(column: str) -> str:
        return (f" AND {column} >= %s" if lo else "") + (f" AND {column} <= %s" if hi else "")

    postgres = connection.vendor == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    if den_ids:
        den_sql = f"SUM(CASE WHEN f.metric_id IN ({_in(den_ids)}) THEN f.value ELSE 0 END)"
        value_sql = "CASE WHEN s.den = 0 THEN NULL ELSE s.num / s.den END"
    else:
        den_sql, value_sql = "CAST(NULL AS double precision)", "s.num"
    # Interpolated: table names from model meta, integer ids, fixed fragments; values are params.
    # The days are derived data, small (days x currencies) and read only by this KPI's pages:
    # those of the recomputed periods are replaced rather than compared.
    clear_days = f"DELETE FROM {days} WHERE kpi_id = %s{within('date')}"  # noqa: S608
    sum_days = (
        f"INSERT INTO {days} (kpi_id, date, currency, numerator, denominator) "  # noqa: S608
        f"SELECT %s, f.date, c.currency, "
        f"SUM(CASE WHEN f.metric_id IN ({_in(num_ids)}) THEN f.value ELSE 0 END), {den_sql} "
        f"FROM {facts} f JOIN {campaigns} c ON c.id = f.campaign_id "
        f"WHERE f.metric_id IN ({_in([*num_ids, *den_ids])}){scope_sql}{within('f.date')} "
        f"GROUP BY f.date, c.currency"
    )
    start_sql, end_sql = _bucket_sql(kpi.granularity, "d.date")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    upsert = (
        f"INSERT INTO {values} (kpi_id, period_start, period_end, currency, numerator, "  # noqa: S608
        f"denominator, value, computed_at) "
        f"SELECT %s, s.ps, s.pe, s.currency, s.num, s.den, {value_sql}, %s FROM ("
        f"SELECT {start_sql} AS ps, {end_sql} AS pe, d.currency AS currency, "
        f"SUM(d.numerator) AS num, SUM(d.denominator) AS den "
        f"FROM {days} d WHERE d.kpi_id = %s{within('d.date')} "
        f"GROUP BY 1, 2, 3) s WHERE true "
        f"ON CONFLICT (kpi_id, period_start, currency) DO UPDATE SET "
        f"period_end = excluded.period_end, numerator = excluded.numerator, "
        f"denominator = excluded.denominator, value = excluded.value, "
        f"computed_at = excluded.computed_at "
        f"WHERE {_changed(values, 'numerator')} OR {_changed(values, 'denominator')} "
        f"OR {_changed(values, 'value')} OR {values}.period_end {distinct} excluded.period_end"
    )
    # A stored period is stale when no day of its currency falls inside it any more.
    prune = (
        f"DELETE FROM {values} WHERE kpi_id = %s{within('period_start')}"  # noqa: S608
        f" AND NOT EXISTS (SELECT 1 FROM {days} d WHERE d.kpi_id = {values}.kpi_id "
        f"AND d.currency = {values}.currency AND d.date >= {values}.period_start "
        f"AND d.date <= {values}.period_end)"
    )
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, kpi.pk])
        cursor.execute(clear_days, [kpi.pk, *bounds])
        cursor.execute(sum_days, [kpi.pk, *scope_params, *bounds])
        cursor.execute(upsert, [kpi.pk, now, kpi.pk, *bounds])
        written = max(cursor.rowcount, 0)
        cursor.execute(prune, [kpi.pk, *bounds])
        deleted = max(cursor.rowcount, 0)
    return RecomputeResult(kpi.key, lo, hi, written, deleted)


SCOPE_FIELDS = ("channel", "team_id", "plan_id")  # what a KPI's scope can name


def kpis_matching(campaigns: Iterable[dict[str, Any]], kpis: Iterable[Kpi]) -> list[Kpi]:
    """The KPIs whose scope includes at least one of the campaigns (``SCOPE_FIELDS`` each)."""
    rows = list(campaigns)
    return [
        kpi
        for kpi in kpis
        if any(all(c[name] == value for name, value in scope_filter(kpi).items()) for c in rows)
    ]


def kpis_touching(campaign_ids: Iterable[int], kpis: Iterable[Kpi]) -> list[Kpi]:
    """The KPIs whose scope includes at least one of the campaigns."""
    rows = Campaign.objects.filter(pk__in=list(campaign_ids)).values(*SCOPE_FIELDS)
    return kpis_matching(rows, kpis)


def recompute_kpis(
    *,
    kpis: Iterable[Kpi] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    campaign_ids: Iterable[int] | None = None,
) -> list[RecomputeResult]:
    """Recompute KPI values from the facts.

    ``kpis`` defaults to the active KPIs; with ``campaign_ids`` only those whose scope includes
    one of them. ``date_from``/``date_to`` limit the work to the periods containing those dates
    (open-ended when left out). Returns what was done per KPI.
    """
    chosen = list(kpis) if kpis is not None else list(Kpi.objects.filter(is_active=True))
    if campaign_ids is not None:
        chosen = kpis_touching(campaign_ids, chosen)
    metric_ids = dict(Metric.objects.values_list("key", "id"))
    results = []
    with transaction.atomic():
        for kpi in sorted(chosen, key=lambda k: k.pk):  # the advisory locks' order
            try:
                results.append(_recompute_one(kpi, date_from, date_to, metric_ids))
            except ValidationError as error:  # e.g. a metric of its formula was removed
                logger.warning("KPI %s not recomputed: %s", kpi.key, "; ".join(error.messages))
    return results
