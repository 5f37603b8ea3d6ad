"""Forecast to period end: weekday-aware linear run-rate, band from the residual spread."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics.forecast import forecast_period, project
from analytics.services.kpis import create_kpi

from .kpi_helpers import make_campaign, put_facts

FIRST = date(2026, 9, 1)


def test_projection_of_a_linear_series_is_exact_with_no_spread():
    history = [10 + 2 * i for i in range(28)]
    future = [FIRST + timedelta(days=28 + i) for i in range(5)]
    result = project(history, FIRST, future)
    assert result.total == pytest.approx(sum(10 + 2 * (28 + i) for i in range(5)))
    assert result.sd == pytest.approx(0, abs=1e-6)
    assert result.method == "weekday trend"


def test_projection_keeps_weekday_levels_and_widens_with_noise():
    history = [(50 if (FIRST + timedelta(days=i)).weekday() >= 5 else 100) for i in range(28)]
    saturday = next(
        FIRST + timedelta(days=28 + i)
        for i in range(7)
        if (FIRST + timedelta(days=28 + i)).weekday() == 5
    )
    assert project(history, FIRST, [saturday]).total == pytest.approx(50)
    noisy = [h + (7 if i % 3 else -9) for i, h in enumerate(history)]
    assert project(noisy, FIRST, [saturday]).sd > 0
    assert project([5, 7, 6], FIRST, [saturday]).method == "run-rate"


@pytest.fixture
def linear_campaign(teams):
    campaign = make_campaign(teams["digital-marketing"], "linear")
    facts = []
    for i in range(90):
        day = FIRST + timedelta(days=i)
        facts += [(campaign, day, "conversions", 10 + i), (campaign, day, "cost", 3 * (10 + i))]
    put_facts(facts)
    return campaign


@pytest.mark.django_db
def test_forecast_of_a_linear_series_to_month_end(linear_campaign):
    kpi = create_kpi(key="cv", name="CV", expression="conversions", granularity="month")
    start, end, as_of = date(2026, 10, 1), date(2026, 10, 31), date(2026, 10, 15)
    forecast = forecast_period(kpi=kpi, period_start=start, period_end=end, as_of=as_of)
    truth = sum(10 + (start - FIRST).days + i for i in range(31))
    assert forecast.value == pytest.approx(truth)
    assert forecast.low == pytest.approx(truth, rel=1e-6)
    assert forecast.high == pytest.approx(truth, rel=1e-6)


@pytest.mark.django_db
def test_ratio_forecast_and_a_finished_period_is_its_actual(linear_campaign):
    kpi = create_kpi(key="cpa", name="CPA", expression="cost / conversions", granularity="month")
    october = {"period_start": date(2026, 10, 1), "period_end": date(2026, 10, 31)}
    assert forecast_period(kpi=kpi, as_of=date(2026, 10, 10), **october).value == pytest.approx(3)
    done = forecast_period(kpi=kpi, as_of=date(2026, 11, 5), **october)
    assert done.method == "actual" and done.value == pytest.approx(3) == done.low == done.high


@pytest.mark.django_db
def test_ratio_with_a_zero_denominator_forecast_has_no_value(teams):
    campaign = make_campaign(teams["digital-marketing"], "no-cv")
    put_facts(
        [(campaign, FIRST + timedelta(days=i), "cost", 100) for i in range(30)]
        + [(campaign, FIRST + timedelta(days=i), "conversions", 0) for i in range(30)]
    )
    kpi = create_kpi(key="cpa", name="CPA", expression="cost / conversions", granularity="month")
    forecast = forecast_period(
        kpi=kpi,
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        as_of=date(2026, 9, 20),
    )
    assert forecast.value is None and forecast.low is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("period", "as_of"),
    [
        ((date(2026, 10, 1), date(2026, 10, 31)), date(2026, 10, 15)),  # in progress
        ((date(2026, 10, 1), date(2026, 10, 31)), date(2026, 11, 20)),  # finished
        ((date(2026, 12, 1), date(2026, 12, 31)), date(2026, 11, 20)),  # not started
        ((date(2027, 1, 1), date(2027, 1, 31)), date(2027, 1, 20)),  # no facts yet
    ],
)
@pytest.mark.parametrize("expression", ["conversions", "cost / conversions"])
def test_the_actual_read_with_the_forecast_is_kpi_actual(
    linear_campaign, teams, period, as_of, expression
):
    """The KPI board takes the actual so far from the forecast's read: it must be what
    ``kpi_actual`` reads on its own, in the forecast's currency, or None where it has none."""
    from analytics.forecast import forecast_with_actual
    from analytics.selectors import kpi_actual

    usd = make_campaign(teams["digital-marketing"], "usd", currency="USD")
    put_facts([(usd, date(2026, 10, 5), "conversions", 7), (usd, date(2026, 10, 5), "cost", 70)])
    kpi = create_kpi(key="k", name="K", expression=expression, granularity="month")
    start, end = period
    forecast, actual = forecast_with_actual(
        kpi=kpi, period_start=start, period_end=end, as_of=as_of, currency="JPY"
    )
    assert forecast == forecast_period(
        kpi=kpi, period_start=start, period_end=end, as_of=as_of, currency="JPY"
    )
    cut = min(as_of, end)
    expected = (
        kpi_actual(kpi=kpi, date_from=start, date_to=cut).get("JPY") if cut >= start else None
    )
    if expected is None:
        assert actual is None
    else:
        assert actual is not None
        assert (actual.numerator, actual.denominator) == pytest.approx(
            (expected.numerator, expected.denominator)
        )
        assert actual.value == pytest.approx(expected.value)
