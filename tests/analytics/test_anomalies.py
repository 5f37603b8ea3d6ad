"""The anomaly rule: weekday median/MAD over 8 weeks, |score| >= 4, collapse to zero, history."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from analytics.models import Anomaly, AnomalyDirection
from analytics.services.anomalies import detect_anomalies, score_days

from .kpi_helpers import make_campaign, put_facts

MONDAY = date(2026, 9, 7)
WOBBLE = [0, 6, -4, 3, -7, 5, -2, 4, -5, 1]  # deterministic noise around the level


def series(days: int, level=lambda day: 100.0) -> pd.Series:
    index = [MONDAY + timedelta(days=i) for i in range(days)]
    values = [level(day) + WOBBLE[i % len(WOBBLE)] for i, day in enumerate(index)]
    return pd.Series(values, index=pd.to_datetime(index), dtype=float)


def verdict(values: pd.Series, day: date) -> pd.Series:
    return score_days(values).loc[pd.Timestamp(day)]


def test_a_day_far_above_its_weekday_median_is_a_spike():
    values = series(8 * 7 + 1)
    last = MONDAY + timedelta(days=56)
    values[pd.Timestamp(last)] = 300
    row = verdict(values, last)
    assert row["anomaly"] and row["score"] >= 4
    assert row["expected"] == pytest.approx(100, abs=6)


def test_a_day_far_below_is_a_drop_and_ordinary_noise_is_not():
    values = series(8 * 7 + 2)
    day = MONDAY + timedelta(days=57)
    values[pd.Timestamp(day)] = 20
    scored = score_days(values)
    assert scored.loc[pd.Timestamp(day), "anomaly"]
    assert scored.loc[pd.Timestamp(day), "score"] <= -4
    assert scored["anomaly"].sum() == 1


def test_a_value_of_zero_where_the_weekday_median_is_at_least_10_is_a_collapse():
    values = pd.Series(12.0, index=pd.date_range(MONDAY, periods=57))
    last = pd.Timestamp(MONDAY + timedelta(days=56))
    values[last] = 0
    row = score_days(values).loc[last]
    assert abs(row["score"]) < 4  # the score alone would not flag it: √12 floor
    assert row["anomaly"]
    small = pd.Series(6.0, index=pd.date_range(MONDAY, periods=57))
    small[last] = 0
    assert not score_days(small).loc[last, "anomaly"]  # median below 10: not a collapse


def test_a_day_with_fewer_than_four_prior_weekday_points_is_not_judged():
    values = series(3 * 7 + 1)  # the last Monday has 3 prior Mondays
    last = pd.Timestamp(MONDAY + timedelta(days=21))
    values[last] = 10_000
    row = score_days(values).loc[last]
    assert row["history"] == 3 and not row["anomaly"]
    longer = series(4 * 7 + 1)
    longer[pd.Timestamp(MONDAY + timedelta(days=28))] = 10_000
    assert score_days(longer).loc[pd.Timestamp(MONDAY + timedelta(days=28)), "anomaly"]


def test_the_rule_compares_each_day_with_the_same_weekday():
    def weekly(day: date) -> float:
        return 100.0 if day.weekday() >= 5 else 1000.0  # quiet weekends

    values = series(9 * 7, weekly)
    saturday = pd.Timestamp(MONDAY + timedelta(days=8 * 7 + 5))
    monday = pd.Timestamp(MONDAY + timedelta(days=8 * 7))
    assert not score_days(values)["anomaly"].any()  # weekends are normal for weekends
    values[saturday] = 1000  # a weekday level on a Saturday
    values[monday] = 100  # a weekend level on a Monday
    scored = score_days(values)
    assert scored.loc[saturday, "anomaly"] and scored.loc[saturday, "score"] > 0
    assert scored.loc[monday, "anomaly"] and scored.loc[monday, "score"] < 0


@pytest.mark.django_db
def test_detection_writes_anomalies_idempotently_and_removes_those_that_no_longer_hold(teams):
    campaign = make_campaign(teams["digital-marketing"], "tagged")
    other = make_campaign(teams["digital-marketing"], "untouched")
    days = [MONDAY + timedelta(days=i) for i in range(9 * 7)]
    facts = [
        (c, d, "conversions", 40 + WOBBLE[i % 10])
        for c in (campaign, other)
        for i, d in enumerate(days)
    ]
    put_facts(facts)
    broken = days[-3:]
    put_facts([(campaign, d, "conversions", 0) for d in broken])
    result = detect_anomalies()
    rows = Anomaly.objects.filter(campaign=campaign).order_by("date")
    assert [a.date for a in rows] == broken
    assert {a.direction for a in rows} == {AnomalyDirection.DROP}
    assert not Anomaly.objects.filter(campaign=other).exists()
    assert result.created == 3
    stamps = list(rows.values_list("detected_at", flat=True))
    again = detect_anomalies(campaign_ids=[campaign.pk], date_from=days[0], date_to=days[-1])
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert list(rows.values_list("detected_at", flat=True)) == stamps
    put_facts([(campaign, d, "conversions", 41) for d in broken])  # the tag was fixed, backfilled
    fixed = detect_anomalies(campaign_ids=[campaign.pk], date_from=broken[0], date_to=broken[-1])
    assert fixed.deleted == 3 and not Anomaly.objects.exists()
