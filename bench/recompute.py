"""recompute_full / recompute_incremental against the hand-written SQL GROUP BY."""

from __future__ import annotations

from typing import Any

from bench import env


def available() -> bool:
    try:
        from analytics.services.recompute import recompute_kpis  # noqa: F401
    except ImportError:
        return False
    return True


def seed_kpis() -> int:
    """The demo's KPI definitions (seed_demo's), created through the service if missing."""
    from analytics.demo import KPIS
    from analytics.models import Kpi
    from analytics.services.kpis import create_kpi

    for key, name, name_ja, expression, unit, display_format, granularity in KPIS:
        if not Kpi.objects.filter(key=key).exists():
            create_kpi(
                key=key,
                name=name,
                name_ja=name_ja,
                expression=expression,
                unit=unit,
                display_format=display_format,
                granularity=granularity,
            )
    return Kpi.objects.filter(is_active=True).count()


def group_by_sql() -> list[tuple[str, list[Any]]]:
    """Per active KPI, the SELECT that sums its numerator and denominator per period and
    currency: what one would write by hand, with nothing stored."""
    from analytics.models import Campaign, Kpi, Metric, MetricFact
    from analytics.services.kpis import parse_expression
    from analytics.services.recompute import _bucket_sql

    ids = dict(Metric.objects.values_list("key", "id"))
    facts, campaigns = MetricFact._meta.db_table, Campaign._meta.db_table
    queries: list[tuple[str, list[Any]]] = []
    for kpi in Kpi.objects.filter(is_active=True):
        expr = parse_expression(kpi.expression)
        num = [ids[k] for k in expr.numerator]
        den = [ids[k] for k in expr.denominator]
        start, end = _bucket_sql(kpi.granularity, "f.date")
        den_sql = (
            f"SUM(CASE WHEN f.metric_id IN ({', '.join(map(str, den))}) THEN f.value ELSE 0 END)"
            if den
            else "NULL"
        )
        sql = (
            f"SELECT {start}, {end}, c.currency, "  # noqa: S608
            f"SUM(CASE WHEN f.metric_id IN ({', '.join(map(str, num))}) THEN f.value ELSE 0 END), "
            f"{den_sql} FROM {facts} f JOIN {campaigns} c ON c.id = f.campaign_id "
            f"WHERE f.metric_id IN ({', '.join(map(str, num + den))}) GROUP BY 1, 2, 3"
        )
        queries.append((sql, []))
    return queries


def run_group_by() -> int:
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        for sql, params in group_by_sql():
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


def clear_values() -> None:
    from analytics.models import KpiValue

    env.execute(f"TRUNCATE {KpiValue._meta.db_table}")


def recompute_full() -> None:
    from analytics.services.recompute import recompute_kpis

    recompute_kpis()


def recompute_day(day: Any, campaign_ids: list[int]) -> None:
    from analytics.services.recompute import recompute_kpis

    recompute_kpis(date_from=day, date_to=day, campaign_ids=campaign_ids)
