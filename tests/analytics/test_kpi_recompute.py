"""KPI recompute: its days and periods correct against an independent pandas computation,
incremental, idempotent, and safe when two workers recompute overlapping work (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import Kpi, KpiValue, MetricFact
from analytics.services.kpis import create_kpi
from analytics.services.recompute import recompute_kpis

from .kpi_helpers import (
    assert_same,
    expected_values,
    make_campaign,
    put_facts,
    random_facts,
    stored_days,
    stored_values,
)

START = date(2025, 11, 20)  # spans a year end, month ends and ISO weeks across years

DEFINITIONS = [
    # key, expression, numerator, denominator, granularity, channel scope
    ("ctr-w", "clicks / impressions", ["clicks"], ["impressions"], "week", ""),
    ("cpa-m", "cost / conversions", ["cost"], ["conversions"], "month", ""),
    ("cv-d", "conversions", ["conversions"], [], "day", ""),
    (
        "mix-w",
        "(cost + revenue) / (clicks + conversions)",
        ["cost", "revenue"],
        ["clicks", "conversions"],
        "week",
        "",
    ),
    ("search-cost-m", "cost", ["cost"], [], "month", "search"),
]


@pytest.fixture
def campaigns(teams):
    team = teams["digital-marketing"]
    return [
        make_campaign(team, "jp-search", channel="search", currency="JPY"),
        make_campaign(team, "jp-social", channel="social", currency="JPY"),
        make_campaign(team, "us-search", channel="search", currency="USD"),
        make_campaign(team, "eu-display", channel="display", currency="EUR"),
    ]


def define_kpis():
    return {
        key: create_kpi(
            key=key,
            name=key,
            expression=expression,
            granularity=granularity,
            scope_channel=channel,
        )
        for key, expression, _n, _d, granularity, channel in DEFINITIONS
    }


def check_all(kpis):
    for key, _e, numerator, denominator, granularity, channel in DEFINITIONS:
        scope = (lambda row, ch=channel: row["channel"] == ch) if channel else None
        assert_same(
            stored_values(kpis[key]),
            expected_values(numerator, denominator, granularity, scope),
        )
        assert_same(stored_days(kpis[key]), expected_values(numerator, denominator, "day", scope))


@pytest.mark.django_db
def test_recompute_matches_pandas_for_every_granularity_and_currency(campaigns):
    put_facts(random_facts(campaigns, start=START, days=75))
    kpis = define_kpis()  # computed on creation
    KpiValue.objects.all().delete()
    results = recompute_kpis()
    assert {r.kpi for r in results} == set(kpis)
    check_all(kpis)
    currencies = set(KpiValue.objects.values_list("currency", flat=True))
    assert currencies == {"JPY", "USD", "EUR"}
    # Some periods have no conversions: their CPA is n/a (NULL), never 0 or infinity.
    cv_days = KpiValue.objects.filter(kpi=kpis["cv-d"], value=0).values_list(
        "period_start", "currency"
    )
    assert cv_days.exists()
    assert not KpiValue.objects.filter(kpi=kpis["search-cost-m"], currency="EUR").exists()


@pytest.mark.django_db
def test_recompute_twice_writes_nothing_the_second_time(campaigns):
    put_facts(random_facts(campaigns, start=START, days=40))
    kpis = define_kpis()
    before = dict(KpiValue.objects.values_list("pk", "computed_at"))
    results = recompute_kpis()
    assert sum(r.written for r in results) == 0 and sum(r.deleted for r in results) == 0
    assert dict(KpiValue.objects.values_list("pk", "computed_at")) == before
    check_all(kpis)


@pytest.mark.django_db
def test_incremental_recompute_touches_only_the_periods_and_kpis_of_the_change(campaigns):
    put_facts(random_facts(campaigns, start=START, days=75))
    kpis = define_kpis()
    before = {
        (v.kpi.key, v.period_start, v.currency): (v.computed_at, v.value)
        for v in KpiValue.objects.select_related("kpi")
    }
    social = campaigns[1]
    day = date(2025, 12, 10)  # a Wednesday: week of 2025-12-08, month of 2025-12
    put_facts([(social, day, "clicks", 99999), (social, day, "impressions", 123456)])
    results = recompute_kpis(campaign_ids=[social.pk], date_from=day, date_to=day)
    # The search-only KPI's scope does not include the social campaign.
    assert {r.kpi for r in results} == {"ctr-w", "cpa-m", "cv-d", "mix-w"}
    touched = {r.kpi: r for r in results}
    assert touched["ctr-w"].written == 1 and touched["ctr-w"].period_from == date(2025, 12, 8)
    assert touched["cpa-m"].written == 0  # cost and conversions did not change
    after = {
        (v.kpi.key, v.period_start, v.currency): (v.computed_at, v.value)
        for v in KpiValue.objects.select_related("kpi")
    }
    changed = {key for key in after if after[key] != before.get(key)}
    assert changed <= {
        ("ctr-w", date(2025, 12, 8), "JPY"),
        ("mix-w", date(2025, 12, 8), "JPY"),
    }
    assert ("ctr-w", date(2025, 12, 8), "JPY") in changed
    check_all(kpis)


@pytest.mark.django_db
def test_recompute_reads_the_metric_catalogue_once_whatever_the_number_of_kpis(campaigns):
    put_facts(random_facts(campaigns, start=START, days=20))
    kpis = define_kpis()
    day = START + timedelta(days=5)
    with CaptureQueriesContext(connection) as queries:
        results = recompute_kpis(campaign_ids=[c.pk for c in campaigns], date_from=day, date_to=day)
    assert len(results) == len(kpis)
    catalogue_reads = [q for q in queries if 'FROM "analytics_metric"' in q["sql"]]
    assert len(catalogue_reads) == 1, [q["sql"] for q in catalogue_reads]
    check_all(kpis)


@pytest.mark.django_db
def test_periods_that_lose_all_their_facts_are_deleted(campaigns):
    put_facts(random_facts(campaigns, start=START, days=30))
    kpis = define_kpis()
    usd = campaigns[2]
    week = date(2025, 12, 1)
    MetricFact.objects.filter(
        campaign=usd, date__gte=week, date__lte=week + timedelta(days=6)
    ).delete()
    results = recompute_kpis(
        campaign_ids=[usd.pk], date_from=week, date_to=week + timedelta(days=6)
    )
    assert not KpiValue.objects.filter(
        kpi=kpis["ctr-w"], period_start=week, currency="USD"
    ).exists()
    assert sum(r.deleted for r in results) >= 1
    check_all(kpis)


@pytest.mark.django_db
def test_inactive_kpis_are_left_alone_unless_named(campaigns):
    put_facts(random_facts(campaigns, start=START, days=10))
    kpi = create_kpi(key="cv", name="CV", expression="conversions")
    Kpi.objects.filter(pk=kpi.pk).update(is_active=False)
    KpiValue.objects.all().delete()
    assert recompute_kpis() == []
    assert recompute_kpis(kpis=[kpi])[0].written > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_recomputing_overlapping_work_end_with_the_same_rows(org):
    """Two threads (two PostgreSQL connections) recompute overlapping ranges at once, twice over,
    while the facts stay put: the rows equal one clean recompute from the facts."""
    from mops.models import Team

    team = Team.objects.get(slug="digital-marketing")
    campaigns = [
        make_campaign(team, "pg-jp", currency="JPY"),
        make_campaign(team, "pg-us", currency="USD"),
    ]
    put_facts(random_facts(campaigns, start=START, days=60, seed=3))
    kpis = define_kpis()
    KpiValue.objects.all().delete()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(date_from, date_to):
        try:
            barrier.wait(timeout=30)
            for _ in range(3):
                recompute_kpis(date_from=date_from, date_to=date_to)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(START, START + timedelta(days=45))),
        threading.Thread(target=worker, args=(START + timedelta(days=10), None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    check_all(kpis)
    concurrent = {k: stored_values(kpis[k]) for k in kpis}
    KpiValue.objects.all().delete()
    recompute_kpis()
    for key in kpis:
        assert_same(stored_values(kpis[key]), concurrent[key])


@pytest.mark.django_db
def test_a_campaign_changing_currency_or_scope_has_its_kpis_recomputed(
    campaigns, django_capture_on_commit_callbacks, monkeypatch
):
    from analytics import tasks
    from analytics.services.campaigns import update_campaign

    queued: list[list[int]] = []

    def run_here(ids):  # the task itself, in this test's transaction rather than on a worker
        queued.append(ids)
        return tasks.recompute_kpi_ids(ids)

    monkeypatch.setattr(tasks.recompute_kpi_ids, "delay", run_here)
    put_facts(random_facts(campaigns, start=START, days=30))
    kpis = define_kpis()
    with django_capture_on_commit_callbacks(execute=True):
        update_campaign(campaign=campaigns[0], name="renamed")  # no KPI counts a name
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        update_campaign(campaign=campaigns[2], currency="JPY")  # USD search: not social's KPIs
    assert queued == [sorted(k.pk for k in kpis.values())]
    assert not kpis["ctr-w"].days.filter(currency="USD").exists()
    with django_capture_on_commit_callbacks(execute=True):
        update_campaign(campaign=campaigns[1], channel="search")  # into the search-only scope
    assert kpis["search-cost-m"].pk in queued[-1]
    check_all(kpis)
