"""Reads that other apps call: KPI series and actuals, anomalies, freshness, daily series, roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics.models import Anomaly, BatchKind, BatchStatus, ImportBatch, Metric
from analytics.selectors import (
    KpiReading,
    anomalies_between,
    daily_metric_series,
    kpi_actual,
    kpi_series,
    kpis_for,
    last_facts_arrival,
)
from analytics.services.facts import Point, load_points
from analytics.services.kpis import create_kpi

from .kpi_helpers import make_campaign, put_facts

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 5)  # a Monday


@pytest.fixture
def two_currencies(teams):
    jp = make_campaign(teams["digital-marketing"], "jp", currency="JPY")
    us = make_campaign(teams["management"], "us", currency="USD", channel="social")
    facts = []
    for i in range(14):
        day = DAY + timedelta(days=i)
        facts += [(jp, day, "cost", 1000), (jp, day, "conversions", 4)]
        facts += [(us, day, "cost", 10), (us, day, "conversions", 0 if i < 7 else 1)]
    put_facts(facts)
    return jp, us


def test_kpi_actual_is_a_ratio_of_sums_per_currency_for_any_range(two_currencies):
    kpi = create_kpi(key="cpa", name="CPA", expression="cost / conversions")
    readings = kpi_actual(
        kpi=kpi, date_from=DAY + timedelta(days=3), date_to=DAY + timedelta(days=9)
    )
    assert readings["JPY"] == KpiReading(7000.0, 28.0, 250.0)
    assert readings["USD"] == KpiReading(70.0, 3.0, pytest.approx(70 / 3))
    first_week = kpi_actual(kpi=kpi, date_from=DAY, date_to=DAY + timedelta(days=6))
    assert first_week["USD"].value is None  # no conversions: n/a, not 0 or infinity
    cv = create_kpi(key="cv", name="CV", expression="conversions", scope_channel="search")
    assert kpi_actual(kpi=cv, date_from=DAY, date_to=DAY) == {"JPY": KpiReading(4.0, None, 4.0)}


def test_kpi_series_reads_the_summary_table(two_currencies):
    kpi = create_kpi(key="cpa", name="CPA", expression="cost / conversions", granularity="week")
    points = kpi_series(kpi=kpi, date_from=DAY, date_to=DAY + timedelta(days=13))
    assert [(p.period_start, p.currency, p.value) for p in points] == [
        (DAY, "JPY", 250.0),
        (DAY, "USD", None),
        (DAY + timedelta(days=7), "JPY", 250.0),
        (DAY + timedelta(days=7), "USD", 10.0),
    ]
    usd = kpi_series(
        kpi=kpi, date_from=DAY + timedelta(days=8), date_to=DAY + timedelta(days=8), currency="USD"
    )
    assert [(p.period_start, p.value) for p in usd] == [(DAY + timedelta(days=7), 10.0)]


def test_anomalies_between_shows_only_campaigns_the_user_may_see(users, two_currencies):
    jp, us = two_currencies
    metric = Metric.objects.get(key="conversions")
    for campaign in (jp, us):
        Anomaly.objects.create(
            campaign=campaign,
            metric=metric,
            date=DAY,
            value=0,
            expected=4,
            score=-9,
            direction="drop",
        )
    assert [
        a.campaign for a in anomalies_between(user=users["marketer"], date_from=DAY, date_to=DAY)
    ] == [jp]
    assert anomalies_between(user=users["admin"], date_from=DAY, date_to=DAY).count() == 2
    assert not anomalies_between(
        user=users["admin"], date_from=DAY, date_to=DAY, campaign_ids=[]
    ).exists()


def test_last_facts_arrival_is_the_finish_time_of_the_last_batch(teams):
    campaign = make_campaign(teams["digital-marketing"], "fresh")
    assert last_facts_arrival(source="api") is None
    batch = ImportBatch.objects.create(kind=BatchKind.API, source="api")
    load_points([Point("fresh", DAY, "clicks", 5, "api", 0)], batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED
    assert last_facts_arrival(source="api") == batch.finished_at
    assert last_facts_arrival(campaign=campaign) == batch.finished_at
    assert last_facts_arrival(campaign=campaign, source="meta") is None
    ImportBatch.objects.create(
        kind=BatchKind.API,
        source="api",
        status=BatchStatus.REFUSED,
        finished_at=timezone.now() + timedelta(hours=1),
    )
    assert last_facts_arrival(source="api") == batch.finished_at  # refused loads bring nothing


def test_daily_metric_series_sums_over_sources_and_campaigns(teams):
    a = make_campaign(teams["digital-marketing"], "a")
    b = make_campaign(teams["digital-marketing"], "b")
    put_facts(
        [
            (a, DAY, "clicks", 5, "google_ads"),
            (a, DAY, "clicks", 7, "yahoo_ads"),
            (b, DAY, "clicks", 1),
            (a, DAY + timedelta(days=2), "clicks", 3, "google_ads"),
        ]
    )
    everything = daily_metric_series(
        metric_key="clicks", date_from=DAY, date_to=DAY + timedelta(days=5)
    )
    assert [(p.date, p.value) for p in everything] == [(DAY, 13.0), (DAY + timedelta(days=2), 3.0)]
    one = daily_metric_series(
        campaign=a, metric_key="clicks", date_from=DAY, date_to=DAY, source="yahoo_ads"
    )
    assert [(p.date, p.value) for p in one] == [(DAY, 7.0)]


def test_kpis_for_and_the_kpi_role_matrix(users, two_currencies):
    create_kpi(key="cv", name="CV", expression="conversions")
    for role in ("marketer", "ops", "manager"):
        assert kpis_for(user=users[role]).count() == 1
        assert users[role].has_perm("analytics.view_kpivalue")
        assert users[role].has_perm("analytics.view_anomaly")
    assert users["manager"].has_perm("analytics.change_kpi")
    assert not users["marketer"].has_perm("analytics.add_kpi")
    assert users["marketer"].has_perm("analytics.change_columnmap")
    assert not users["ops"].has_perm("analytics.add_columnmap")
    assert Group.objects.get(name="manager").permissions.filter(codename="add_kpi").exists()


def test_the_nightly_reconcile_is_scheduled():
    task = PeriodicTask.objects.get(task="analytics.tasks.reconcile_kpis")
    assert task.enabled and task.crontab is not None
