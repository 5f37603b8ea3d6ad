"""The chart builder: target band, forecast band, anomaly markers, spans from the registry."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from analytics.charts import (
    FONT_FAMILY,
    campaign_trend_figure,
    channel_mix_figure,
    kpi_trend_figure,
)
from analytics.formatting import format_money
from mops.registry import chart_annotations

START = date(2026, 11, 2)
POINTS = [(START + timedelta(days=i), 100.0 + i) for i in range(10)]


def traces(figure, role):
    return [t for t in figure["data"] if (t.get("meta") or {}).get("role") == role]


@pytest.fixture
def provider():
    """A registered annotation provider (operations registers the real one)."""
    calls = []

    def spans(*, start, end, scope):
        calls.append((start, end, scope))
        return [
            {
                "start": START + timedelta(days=3),
                "end": START + timedelta(days=4),
                "label": "Tag down",
                "kind": "incident",
            },
            {
                "start": START + timedelta(days=6),
                "end": START + timedelta(days=6),
                "label": "CRM upgrade",
                "kind": "maintenance",
            },
        ]

    chart_annotations.register("test.spans", spans)
    yield calls
    chart_annotations.entries.pop("test.spans", None)


def test_kpi_trend_has_target_band_forecast_band_anomalies_and_registered_spans(provider):
    end = START + timedelta(days=14)
    figure = kpi_trend_figure(
        title="Conversions",
        points=POINTS,
        targets=[{"start": START, "end": end, "low": 90, "high": 120, "value": 105}],
        forecast={
            "points": [(START + timedelta(days=d), 110.0) for d in range(10, 15)],
            "low": [(START + timedelta(days=d), 95.0) for d in range(10, 15)],
            "high": [(START + timedelta(days=d), 125.0) for d in range(10, 15)],
        },
        anomalies=[{"date": START + timedelta(days=3), "value": 10.0, "direction": "drop"}],
        value_format="number",
        scope={"kpi": "conversions"},
    )
    band = traces(figure, "target_band")
    assert [t["meta"]["edge"] for t in band] == ["low", "high"]
    assert band[1]["fill"] == "tonexty" and band[0]["y"] == [90, 90] and band[1]["y"] == [120, 120]
    assert traces(figure, "target")[0]["y"][:2] == [105, 105]
    fband = traces(figure, "forecast_band")
    assert {t["meta"]["edge"] for t in fband} == {"low", "high"}
    assert any(t.get("fill") == "tonexty" for t in fband)
    forecast = traces(figure, "forecast")[0]
    assert forecast["line"]["dash"] == "dot"
    # the dashed line starts at the last actual point, then runs to the period end
    assert forecast["x"][0] == POINTS[-1][0].isoformat() and forecast["x"][-1] == end.isoformat()
    anomaly = traces(figure, "anomaly")[0]
    assert anomaly["x"] == [(START + timedelta(days=3)).isoformat()] and anomaly["y"] == [10.0]
    assert anomaly["marker"]["symbol"] == ["triangle-down"]
    spans = traces(figure, "span")
    assert [(s["meta"]["kind"], s["meta"]["label"]) for s in spans] == [
        ("incident", "Tag down"),
        ("maintenance", "CRM upgrade"),
    ]
    assert "Tag down" in spans[0]["text"]
    # a one-day span still has a width; the provider was asked for the figure's whole range
    assert spans[1]["x"][0] != spans[1]["x"][2]
    assert provider == [(START, end, {"kpi": "conversions"})]
    assert FONT_FAMILY in figure["layout"]["font"]["family"] and "Noto Sans JP" in FONT_FAMILY


def test_without_providers_or_extras_the_figure_is_just_the_line():
    figure = kpi_trend_figure(title="CPA", points=POINTS, value_format="currency")
    assert [t["meta"]["role"] for t in figure["data"]] == ["actual"]
    json.dumps(figure)  # plain JSON


def test_a_failing_provider_does_not_break_the_chart():
    def broken(*, start, end, scope):
        raise RuntimeError("operations is down")

    chart_annotations.register("test.broken", broken)
    try:
        figure = kpi_trend_figure(title="x", points=POINTS, value_format="number")
    finally:
        chart_annotations.entries.pop("test.broken", None)
    assert traces(figure, "span") == []


def test_none_values_leave_gaps_and_value_only_targets_are_lines():
    figure = kpi_trend_figure(
        title="ROAS",
        points=[(START, 2.0), (START + timedelta(days=1), None), (START + timedelta(days=2), 3.0)],
        targets=[{"period_start": START, "period_end": START + timedelta(days=6), "value": 2.5}],
        value_format="ratio",
    )
    assert traces(figure, "actual")[0]["y"] == [2.0, None, 3.0]
    assert traces(figure, "target_band") == [] and traces(figure, "target")


def test_yen_axis_and_hover_read_in_man_in_japanese():
    with translation.override("ja"):
        figure = kpi_trend_figure(
            title="費用",
            points=[(START, 12000.0), (START + timedelta(days=1), 48000.0)],
            value_format="currency",
        )
        assert "万円" in "".join(figure["layout"]["yaxis"]["ticktext"])
        assert traces(figure, "actual")[0]["customdata"] == ["12,000円", "48,000円"]
    with translation.override("en"):
        figure = kpi_trend_figure(title="Cost", points=[(START, 12000.0)], value_format="currency")
        assert traces(figure, "actual")[0]["customdata"] == ["¥12,000"]


def test_money_formatting_helper():
    with translation.override("ja"):
        assert format_money(12000, "JPY", compact=True) == "1.2万円"
        assert format_money(12_345_678, "JPY", compact=True) == "1,235万円"
        assert format_money(250_000_000, "JPY", compact=True) == "2.5億円"
        assert format_money(12000, "JPY") == "12,000円"
    with translation.override("en"):
        assert format_money(12000, "JPY") == "¥12,000"
        assert format_money(1234.5, "USD") == "$1,234.50"
    assert format_money(None) == "—"


def test_campaign_trend_puts_money_left_counts_right_and_previous_dotted():
    figure = campaign_trend_figure(
        title="t",
        series={"cost": POINTS, "conversions": [(d, 3.0) for d, _ in POINTS]},
        previous={"cost": [(d, 50.0) for d, _ in POINTS]},
        hidden=["conversions"],
    )
    metrics = traces(figure, "metric")
    assert [(t["meta"]["metric"], t["yaxis"]) for t in metrics] == [
        ("cost", "y"),
        ("conversions", "y2"),
    ]
    assert metrics[1]["visible"] == "legendonly"
    assert traces(figure, "previous")[0]["line"]["dash"] == "dot"


def test_channel_mix_is_one_currency_of_spend_by_channel():
    figure = channel_mix_figure(
        title="mix",
        rows=[
            {"label": "Search", "cost": 300.0, "conversions": 3},
            {"label": "Social", "cost": 100.0},
        ],
        currency="JPY",
    )
    bar = traces(figure, "channel")[0]
    assert bar["y"] == ["Social", "Search"] and bar["x"] == [100.0, 300.0]
    assert bar["meta"]["currency"] == "JPY"


def test_chart_tag_embeds_json_data_not_script():
    figure = kpi_trend_figure(title="</script><b>x</b>", points=POINTS, value_format="number")
    html = Template("{% load analytics_tags %}{% chart figure %}").render(
        Context({"figure": figure})
    )
    assert '<script type="application/json" data-chart="chart-' in html
    assert "</script><b>" not in html and "\\u003C/script\\u003E" in html
    payload = re.search(r'data-chart="[^"]+">(.*?)</script>', html, re.S).group(1)
    assert json.loads(payload)["layout"]["title"]["text"] == "</script><b>x</b>"
