"""Governance test data: a campaign with daily facts, KPIs with owners and targets, plans."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from analytics.models import Metric, MetricFact
from analytics.services.campaigns import create_campaign
from analytics.services.recompute import recompute_kpis
from governance.models import Direction
from governance.services.kpis import adopt_kpi, set_target
from governance.services.planning import create_plan, create_strategy, set_plan_budget

# A fixed Wednesday: its week runs Monday 2026-11-16 … Sunday 2026-11-22.
TODAY = datetime.date(2026, 11, 18)
WEEK = (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))
PREVIOUS_WEEK = (datetime.date(2026, 11, 9), datetime.date(2026, 11, 15))


def put_facts(campaign, start, days, values, source="test"):
    """Daily facts: ``values`` maps metric key -> value per day (or a function of the day), and
    the recompute of the KPIs they touch, as after a load."""
    ids = dict(Metric.objects.values_list("key", "id"))
    rows = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        for key, value in values.items():
            v = value(day) if callable(value) else value
            rows.append(
                MetricFact(campaign=campaign, date=day, metric_id=ids[key], source=source, value=v)
            )
    MetricFact.objects.bulk_create(rows)
    recompute_kpis(campaign_ids=[campaign.pk])


def make_kpi(key, expression, *, team, owner, direction=Direction.HIGHER, **fields):
    from analytics.services.kpis import create_kpi

    kpi = create_kpi(key=key, name=key.upper(), expression=expression, **fields)
    return adopt_kpi(kpi=kpi, team=team, owner=owner, direction=direction)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.UTC), tick=False)
    return TODAY


@pytest.fixture
def world(org, today):
    """digital-marketing owns a strategy, a plan with a budget, a campaign in that plan with
    90 days of facts, and two KPIs with weekly targets (conversions higher, CPA lower)."""
    users, teams = org["users"], org["teams"]
    team = teams["digital-marketing"]
    strategy = create_strategy(
        title="FY2026 growth",
        team=team,
        owner=users["manager"],
        status="active",
        period_kind="fy",
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2027, 3, 31),
    )
    plan = create_plan(
        strategy=strategy,
        title="Search CPA",
        team=team,
        owner=users["manager"],
        status="in_progress",
        start_date=datetime.date(2026, 10, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    set_plan_budget(
        plan=plan,
        amounts=[
            (datetime.date(2026, 10, 1), Decimal(300_000)),
            (datetime.date(2026, 11, 1), Decimal(300_000)),
            (datetime.date(2026, 12, 1), Decimal(300_000)),
        ],
    )
    campaign = create_campaign(team=team, name="Search", code="search", channel="search", plan=plan)
    start = datetime.date(2026, 8, 20)
    put_facts(
        campaign,
        start,
        (TODAY - start).days + 1,
        {
            "cost": 10_000,
            "clicks": 100,
            "impressions": 1_000,
            # conversions drop to zero from Monday 16 November (the broken tag)
            "conversions": lambda d: 0 if d >= WEEK[0] else 10,
        },
    )
    conversions = make_kpi("conversions", "conversions", team=team, owner=users["manager"])
    cpa = make_kpi(
        "cpa",
        "cost / conversions",
        team=team,
        owner=users["manager"],
        direction=Direction.LOWER,
        display_format="currency",
    )
    for weeks_back in range(0, 4):
        start_w = WEEK[0] - datetime.timedelta(weeks=weeks_back)
        end_w = start_w + datetime.timedelta(days=6)
        set_target(profile=conversions, period_start=start_w, period_end=end_w, value=70)
        set_target(profile=cpa, period_start=start_w, period_end=end_w, value=1_000)
    return {
        "users": users,
        "teams": teams,
        "team": team,
        "strategy": strategy,
        "plan": plan,
        "campaign": campaign,
        "conversions": conversions,
        "cpa": cpa,
    }
