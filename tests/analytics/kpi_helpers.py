"""Shared helpers for the KPI tests: campaigns, facts written through the loader's upsert, and an
independent pandas computation of what the summary table must hold."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd

from analytics.models import Metric, MetricFact
from analytics.services.campaigns import create_campaign
from analytics.services.facts import upsert_facts

METRICS = ["impressions", "clicks", "cost", "conversions", "revenue"]


def make_campaign(team, code, *, channel="search", currency="JPY", **fields):
    return create_campaign(
        team=team, name=code, code=code, channel=channel, currency=currency, **fields
    )


def put_facts(facts):
    """facts: iterable of (campaign, date, metric key, value[, source])."""
    ids = dict(Metric.objects.values_list("key", "id"))
    rows = []
    for fact in facts:
        campaign, day, key, value, *rest = fact
        rows.append((campaign.pk, day, ids[key], rest[0] if rest else "test", float(value)))
    return upsert_facts(rows, batch_id=None)


def random_facts(campaigns, *, start, days, seed=7):
    """Random facts over ``days`` days: two sources, many zeros in conversions, gaps."""
    rng = random.Random(seed)
    facts = []
    for campaign in campaigns:
        for offset in range(days):
            day = start + timedelta(days=offset)
            if rng.random() < 0.1:
                continue  # a day without data
            for key in METRICS:
                for source in ("google_ads", "yahoo_ads"):
                    if rng.random() < 0.3:
                        continue
                    if key == "conversions":
                        value = rng.choice([0, 0, 0, 1, 2, 5])
                    else:
                        value = round(rng.uniform(0, 1000), 2)
                    facts.append((campaign, day, key, value, source))
    return facts


def expected_values(kpi_numerator, kpi_denominator, granularity, campaign_filter=None):
    """What KpiValue must hold, computed with pandas from the facts (independently of the SQL)."""
    rows = MetricFact.objects.values_list(
        "campaign_id", "campaign__currency", "date", "metric__key", "value", "campaign__channel"
    )
    frame = pd.DataFrame(
        list(rows), columns=["campaign", "currency", "date", "metric", "value", "channel"]
    )
    if campaign_filter is not None:
        frame = frame[frame.apply(campaign_filter, axis=1)]
    frame = frame[frame["metric"].isin([*kpi_numerator, *kpi_denominator])]
    dates = pd.to_datetime(frame["date"])
    if granularity == "week":
        start = dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    elif granularity == "month":
        start = dates.dt.to_period("M").dt.start_time
    else:
        start = dates
    frame = frame.assign(
        period=start.dt.date,
        num=frame["value"].where(frame["metric"].isin(kpi_numerator), 0.0),
        den=frame["value"].where(frame["metric"].isin(kpi_denominator), 0.0),
    )
    sums = frame.groupby(["period", "currency"])[["num", "den"]].sum()
    result = {}
    for (period, currency), row in sums.iterrows():
        if kpi_denominator:
            value = row["num"] / row["den"] if row["den"] != 0 else None
            result[(period, currency)] = (row["num"], row["den"], value)
        else:
            result[(period, currency)] = (row["num"], None, row["num"])
    return result


def stored_values(kpi):
    return {
        (v.period_start, v.currency): (v.numerator, v.denominator, v.value)
        for v in kpi.values.all()
    }


def stored_days(kpi):
    """The KPI's stored days in the shape of ``expected_values(..., "day")``."""

    def value(num, den):
        if den is None:
            return num
        return num / den if den else None

    return {
        (d.date, d.currency): (d.numerator, d.denominator, value(d.numerator, d.denominator))
        for d in kpi.days.all()
    }


def assert_same(stored, expected):
    assert stored.keys() == expected.keys()
    for key, (num, den, value) in expected.items():
        got = stored[key]
        assert got[0] == pytest_approx(num), key
        assert (got[1] is None) == (den is None) and (den is None or got[1] == pytest_approx(den))
        assert (got[2] is None) == (value is None), key
        if value is not None:
            assert got[2] == pytest_approx(value), key


def pytest_approx(value):
    import pytest

    return pytest.approx(value, rel=1e-9, abs=1e-9)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
