"""The analytics dashboard: figures from the facts, per currency, n/a, filters, exports, queries."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import Metric, MetricFact
from analytics.performance import campaign_performance, resolve_period
from analytics.services.campaigns import create_campaign

pytestmark = pytest.mark.django_db

NOV = "?period=custom&date_from=2026-11-01&date_to=2026-11-30"
METRICS = ("impressions", "clicks", "cost", "conversions", "revenue")


def add_facts(campaign, start, days, **per_day):
    metrics = {m.key: m for m in Metric.objects.all()}
    MetricFact.objects.bulk_create(
        MetricFact(
            campaign=campaign,
            date=start + timedelta(days=i),
            metric=metrics[key],
            source="google_ads",
            value=value * (1 + i % 3),
        )
        for i in range(days)
        for key, value in per_day.items()
    )


@pytest.fixture
def shop(teams):
    team = teams["digital-marketing"]
    search = create_campaign(
        team=team, name="Search brand", code="search", channel="search", budget=50000
    )
    social = create_campaign(team=team, name="冬のセール", code="social", channel="social")
    us = create_campaign(team=team, name="US launch", code="us", channel="search", currency="USD")
    hidden = create_campaign(team=teams["management"], name="IR", code="ir", channel="search")
    nov = date(2026, 11, 1)
    add_facts(search, nov, 30, impressions=1000, clicks=50, cost=2500, conversions=5, revenue=9000)
    add_facts(social, nov, 30, impressions=3000, clicks=0, cost=1200)  # no clicks: CPC is n/a
    add_facts(us, nov, 30, impressions=500, clicks=20, cost=40.5, conversions=2, revenue=120)
    add_facts(hidden, nov, 30, impressions=9, clicks=9, cost=99999)
    add_facts(search, date(2026, 10, 2), 30, cost=1000, conversions=1)  # the previous period
    return {"search": search, "social": social, "us": us, "hidden": hidden}


def independent_sums(codes, start, end):
    """Sums per campaign straight from the facts (not through the selector's SQL)."""
    sums = defaultdict(lambda: dict.fromkeys(METRICS, 0.0))
    for fact in MetricFact.objects.filter(
        campaign__code__in=codes, date__gte=start, date__lte=end
    ).select_related("campaign", "metric"):
        if fact.metric.key in METRICS:
            sums[fact.campaign.code][fact.metric.key] += fact.value
    return sums


def test_performance_figures_match_an_independent_computation(client, users, shop):
    client.force_login(users["marketer"])
    response = client.get("/analytics/" + NOV)
    assert response.status_code == 200
    table = response.context["tables"]["performance"]
    rows = {r["code"]: r for r in table.rows}
    assert set(rows) == {"search", "social", "us"}  # another team's campaign stays invisible
    expected = independent_sums(rows, date(2026, 11, 1), date(2026, 11, 30))
    for code, row in rows.items():
        for key in ("impressions", "clicks", "cost"):
            assert row[key] == pytest.approx(expected[code][key])
    s = expected["search"]
    assert rows["search"]["ctr"] == pytest.approx(s["clicks"] / s["impressions"])
    assert rows["search"]["cpa"] == pytest.approx(s["cost"] / s["conversions"])
    assert rows["search"]["roas"] == pytest.approx(s["revenue"] / s["cost"])
    assert rows["search"]["cvr"] == pytest.approx(s["conversions"] / s["clicks"])
    assert rows["search"]["budget_used"] == pytest.approx(s["cost"] / 50000)
    assert rows["search"]["budget_used"] > 1
    assert "Over budget" in response.content.decode()


def test_totals_are_per_currency_and_ratios_of_sums(client, users, shop):
    client.force_login(users["marketer"])
    performance = client.get("/analytics/" + NOV).context["performance"]
    totals = performance.totals_by_currency()
    assert set(totals) == {"JPY", "USD"}
    expected = independent_sums(["search", "social", "us"], date(2026, 11, 1), date(2026, 11, 30))
    jpy_cost = expected["search"]["cost"] + expected["social"]["cost"]
    assert totals["JPY"]["cost"] == pytest.approx(jpy_cost)
    assert totals["USD"]["cost"] == pytest.approx(expected["us"]["cost"])
    jpy_clicks = expected["search"]["clicks"] + expected["social"]["clicks"]
    assert totals["JPY"]["cpc"] == pytest.approx(jpy_cost / jpy_clicks)  # not a mean of CPCs
    mix = performance.channel_mix()
    assert {r["currency"] for r in mix["USD"]} == {"USD"}
    assert sum(r["cost"] for r in mix["JPY"]) == pytest.approx(jpy_cost)


def test_zero_denominator_is_na_never_zero(client, users, shop):
    client.force_login(users["marketer"])
    response = client.get("/analytics/" + NOV)
    social = next(
        r for r in response.context["tables"]["performance"].rows if r["code"] == "social"
    )
    assert social["clicks"] == 0 and social["cpc"] is None and social["ctr"] == 0
    assert social["cpa"] is None and social["roas"] is None  # no revenue data: n/a, not 0
    html = response.content.decode()
    row_html = html[html.index("冬のセール") :].split("</tr>", 1)[0]
    assert row_html.count("—") >= 3  # CPC, CPA and CVR


def test_filters_channel_team_and_period(client, users, teams, shop):
    client.force_login(users["marketer"])
    rows = client.get("/analytics/" + NOV + "&channel=social").context["tables"]["performance"].rows
    assert [r["code"] for r in rows] == ["social"]
    team = teams["digital-marketing"].pk
    rows = client.get(f"/analytics/{NOV}&team={team}").context["tables"]["performance"].rows
    assert {r["code"] for r in rows} == {"search", "social", "us"}
    response = client.get("/analytics/?period=custom&date_from=2026-11-01&date_to=2026-11-01")
    search = next(
        r for r in response.context["tables"]["performance"].rows if r["code"] == "search"
    )
    assert search["cost"] == 2500
    # a custom range without dates is a field error, and the page still answers
    response = client.get("/analytics/?period=custom")
    assert response.status_code == 200 and "date_from" in response.context["form"].errors


def test_compare_with_the_previous_period(client, users, shop):
    client.force_login(users["marketer"])
    response = client.get("/analytics/" + NOV + "&compare=on")
    rows = response.context["tables"]["compare"].rows
    spend = next(r for r in rows if r["currency"] == "JPY" and r["kind"] == "money")
    previous = independent_sums(["search", "social"], date(2026, 10, 2), date(2026, 10, 31))
    assert spend["previous"] == pytest.approx(previous["search"]["cost"])
    assert spend["change"] == pytest.approx(spend["current"] / spend["previous"] - 1)
    usd_spend = next(r for r in rows if r["currency"] == "USD" and r["kind"] == "money")
    assert usd_spend["previous"] is None and usd_spend["change"] is None
    trend = response.context["trend_figures"][0]
    assert any((t.get("meta") or {}).get("role") == "previous" for t in trend["data"])


def test_periods():
    today = date(2026, 11, 23)
    assert resolve_period("this_month", today=today) == resolve_period("", today=today)
    p = resolve_period("last_month", today=today)
    assert (p.start, p.end) == (date(2026, 10, 1), date(2026, 10, 31))
    p = resolve_period("last_30", today=today)
    assert (p.start, p.end, p.days) == (date(2026, 10, 25), today, 30)
    assert resolve_period("last_90", today=today).days == 90
    p = resolve_period(
        "custom", today=today, date_from=date(2026, 11, 10), date_to=date(2026, 11, 1)
    )
    assert (p.start, p.end) == (date(2026, 11, 1), date(2026, 11, 10))
    assert p.previous().end == date(2026, 10, 31) and p.previous().days == p.days


def cell(value):
    """A cell compared by value: numbers as floats (Excel keeps 150000.0 as 150000)."""
    if value in (None, ""):
        return ""
    try:
        return round(float(value), 9)
    except ValueError:
        return str(value)


@pytest.mark.parametrize("name", ["performance", "channels", "daily"])
def test_csv_and_excel_exports_hold_the_same_rows(client, users, shop, name):
    client.force_login(users["marketer"])
    table = client.get("/analytics/" + NOV).context["tables"][name]
    expected = [[cell(v) for v in row] for row in table.raw_rows()]
    assert len(expected) >= 3
    response = client.get(f"/analytics/{NOV}&export={name}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == table.header() and [[cell(v) for v in r] for r in lines[1:]] == expected
    response = client.get(f"/analytics/{NOV}&export={name}&format=xlsx")
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == table.header()
    assert [[cell(v) for v in r] for r in values[1:]] == expected


def test_performance_export_has_totals_per_currency(client, users, shop):
    client.force_login(users["marketer"])
    text = client.get(f"/analytics/{NOV}&export=performance&format=csv").content.decode("utf-8-sig")
    names = [line[0] for line in csv.reader(io.StringIO(text))]
    assert "Total (JPY)" in names and "Total (USD)" in names and "IR" not in names


def make_campaigns(team, n, first=0):
    nov = date(2026, 11, 1)
    for i in range(first, first + n):
        campaign = create_campaign(
            team=team,
            name=f"C{i}",
            code=f"c{i}",
            channel="search" if i % 2 else "social",
            currency="USD" if i % 5 == 0 else "JPY",
        )
        add_facts(campaign, nov, 3, impressions=100, clicks=10, cost=1000, conversions=1)


def test_dashboard_queries_do_not_grow_with_campaigns(
    client, users, teams, django_assert_max_num_queries
):
    """The same number of queries with 2 and with 30 campaigns (the other apps' overview panels
    on the page add their own few, also fixed)."""
    client.force_login(users["marketer"])
    url = "/analytics/" + NOV + "&compare=on"
    counts = []
    for first, n, total in ((0, 2, 2), (2, 28, 30)):
        make_campaigns(teams["digital-marketing"], n, first=first)
        client.get(url)  # warm caches (content types, permissions)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assert len(response.context["tables"]["performance"].rows) == total
    assert counts[0] == counts[1], counts


def test_selector_reads_only_what_the_user_may_see(users, shop):
    performance = campaign_performance(
        user=users["ops"], date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
    )
    assert "ir" not in {r["code"] for r in performance.rows}


def test_campaign_detail_shows_a_daily_trend_chart(client, users, shop):
    client.force_login(users["marketer"])
    response = client.get(shop["search"].get_absolute_url())
    html = response.content.decode()
    assert 'data-chart="chart-' in html and "plotly/plotly.min.js" in html
    figure = response.context["figure"]
    metrics = {t["meta"]["metric"] for t in figure["data"]}
    assert {"cost", "clicks", "conversions", "impressions", "revenue"} <= metrics


def test_plotly_js_is_served_from_the_package(client, users):
    from django.contrib.staticfiles import finders

    path = finders.find("plotly/plotly.min.js")
    assert path and path.endswith("package_data/plotly.min.js")
