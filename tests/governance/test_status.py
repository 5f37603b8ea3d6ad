"""KPI status against targets: the rule at its boundaries, n/a values, period boundaries."""

import datetime as dt

import pytest

from governance.models import Direction
from governance.readings import read_kpi
from governance.services.kpis import set_target
from governance.status import Status, TargetSpec, evaluate

from .conftest import TODAY, WEEK, make_kpi, put_facts

ON, RISK, OFF, NA = Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.UNKNOWN


@pytest.mark.parametrize(
    ("forecast", "expected"),
    [(120, ON), (100, ON), (99.99, RISK), (90, RISK), (89.99, OFF), (0, OFF), (None, NA)],
)
def test_higher_is_better(forecast, expected):
    assert evaluate(Direction.HIGHER, TargetSpec(value=100), forecast) == expected


@pytest.mark.parametrize(
    ("forecast", "expected"),
    [(800, ON), (1000, ON), (1000.01, RISK), (1100, RISK), (1100.01, OFF), (None, NA)],
)
def test_lower_is_better(forecast, expected):
    assert evaluate(Direction.LOWER, TargetSpec(value=1000), forecast) == expected


@pytest.mark.parametrize(
    ("forecast", "expected"),
    [
        (0.02, ON),
        (0.01, ON),
        (0.03, ON),
        (0.0095, RISK),
        (0.009, RISK),
        (0.0089, OFF),
        (0.033, RISK),
        (0.0331, OFF),
        (None, NA),
    ],
)
def test_band(forecast, expected):
    assert evaluate(Direction.BAND, TargetSpec(low=0.01, high=0.03), forecast) == expected


def test_float_noise_on_the_boundary_counts_as_the_boundary():
    # 30 × 0.9 is 26.999999999999996 in floating point: 27 is exactly 10 % short.
    assert evaluate(Direction.HIGHER, TargetSpec(value=30), 27) == RISK
    assert evaluate(Direction.LOWER, TargetSpec(value=30), 33) == RISK


def test_no_target_is_not_on_track():
    assert evaluate(Direction.HIGHER, None, 5) == NA
    assert evaluate(Direction.BAND, TargetSpec(value=1), 5) == NA


# --- readings over real facts ---------------------------------------------------------------


pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org, today):
    from analytics.services.campaigns import create_campaign

    team = org["teams"]["digital-marketing"]
    campaign = create_campaign(team=team, name="C", code="c", channel="search")
    return {"team": team, "owner": org["users"]["manager"], "campaign": campaign}


def test_actual_and_forecast_come_from_the_target_period(setup):
    profile = make_kpi("cv", "conversions", team=setup["team"], owner=setup["owner"])
    # 10 a day for 60 days up to today
    put_facts(setup["campaign"], TODAY - dt.timedelta(days=59), 60, {"conversions": 10})
    target = set_target(profile=profile, period_start=WEEK[0], period_end=WEEK[1], value=70)
    reading = read_kpi(profile=profile, as_of=TODAY)
    assert reading.target == target
    assert reading.actual.value == 30  # Monday..Wednesday
    assert reading.forecast == pytest.approx(70, rel=0.02)  # 4 more days at 10 a day
    assert reading.status == ON


def test_after_the_period_the_forecast_is_the_final_actual(setup):
    profile = make_kpi("cv", "conversions", team=setup["team"], owner=setup["owner"])
    put_facts(setup["campaign"], WEEK[0], 7, {"conversions": 9})  # 63 in the week
    target = set_target(profile=profile, period_start=WEEK[0], period_end=WEEK[1], value=70)
    reading = read_kpi(profile=profile, as_of=WEEK[1], target=target)
    assert reading.actual.value == 63
    assert reading.forecast == 63  # 10 % short: at risk, exactly on the boundary
    assert reading.status == RISK
    reading = read_kpi(profile=profile, as_of=WEEK[1] + dt.timedelta(days=3), target=target)
    assert reading.forecast == 63 and reading.status == RISK


def test_a_day_is_in_the_target_period_of_its_own_week(setup):
    profile = make_kpi("cv", "conversions", team=setup["team"], owner=setup["owner"])
    last_week = set_target(
        profile=profile,
        period_start=WEEK[0] - dt.timedelta(days=7),
        period_end=WEEK[0] - dt.timedelta(days=1),
        value=1,
    )
    this_week = set_target(profile=profile, period_start=WEEK[0], period_end=WEEK[1], value=2)
    assert read_kpi(profile=profile, as_of=WEEK[0] - dt.timedelta(days=1)).target == last_week
    assert read_kpi(profile=profile, as_of=WEEK[0]).target == this_week
    assert read_kpi(profile=profile, as_of=WEEK[1]).target == this_week
    assert read_kpi(profile=profile, as_of=WEEK[1] + dt.timedelta(days=1)).status == NA


def test_a_ratio_with_a_zero_denominator_is_na_not_on_track(setup):
    profile = make_kpi(
        "cpa",
        "cost / conversions",
        team=setup["team"],
        owner=setup["owner"],
        direction=Direction.LOWER,
    )
    put_facts(
        setup["campaign"], WEEK[0] - dt.timedelta(days=40), 43, {"cost": 1000, "conversions": 0}
    )
    set_target(profile=profile, period_start=WEEK[0], period_end=WEEK[1], value=500)
    reading = read_kpi(profile=profile, as_of=TODAY)
    assert reading.actual.denominator == 0
    assert reading.actual.value is None
    assert reading.forecast is None
    assert reading.status == NA


def test_band_targets_need_both_ends(setup):
    from django.core.exceptions import ValidationError

    profile = make_kpi(
        "ctr",
        "clicks / impressions",
        team=setup["team"],
        owner=setup["owner"],
        direction=Direction.BAND,
    )
    with pytest.raises(ValidationError) as err:
        set_target(profile=profile, period_start=WEEK[0], period_end=WEEK[1], low=0.01)
    assert "low" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        set_target(profile=profile, period_start=WEEK[0], period_end=WEEK[1], low=0.03, high=0.01)
    assert "high" in err.value.message_dict


@pytest.mark.django_db
def test_the_board_reads_each_kpi_as_it_reads_alone(world, django_assert_max_num_queries):
    """The board shares its reads (each scope's campaigns, the stored days of every KPI per
    currency and window) and never reads the facts; each reading must be the one ``read_kpi``
    makes on its own."""
    from governance.readings import kpi_board
    from governance.selectors import kpi_profiles_for

    manager = world["users"]["manager"]
    ctr = make_kpi("ctr", "clicks / impressions", team=world["team"], owner=manager)
    set_target(profile=ctr, period_start=WEEK[0], period_end=WEEK[1], value=0.1)
    monthly = make_kpi("cost_m", "cost", team=world["team"], owner=manager, granularity="month")
    set_target(
        profile=monthly,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        value=1,
    )
    alone = {
        p.kpi.key: read_kpi(profile=p, as_of=TODAY)
        for p in kpi_profiles_for(user=manager).prefetch_related("targets")
    }
    with django_assert_max_num_queries(6) as queries:  # profiles, targets, campaigns, 2 windows…
        board = kpi_board(user=manager, as_of=TODAY)
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "analytics_kpiday" in tables and "analytics_metricfact" not in tables
    assert len(board) == len(alone) == 4
    for reading in board:
        expected = alone[reading.kpi.key]
        assert reading.status == expected.status
        assert reading.actual == expected.actual
        assert (reading.forecast, reading.forecast_low, reading.forecast_high) == (
            expected.forecast,
            expected.forecast_low,
            expected.forecast_high,
        )
