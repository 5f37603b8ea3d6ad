"""Plotly figures built in Python, returned as plain JSON-able dicts.

Pages embed a figure with ``{% chart figure %}`` (``analytics_tags``): the dict goes into a
``<script type="application/json" data-chart>`` element and ``static/js/charts.js`` draws it with
the bundled plotly.js (no inline script, so the strict CSP holds). Only SVG traces are used
(WebGL would need eval).

Every trace carries ``meta={"role": …}`` (``actual``, ``target``, ``target_band``, ``forecast``,
``forecast_band``, ``anomaly``, ``span``, ``metric``, ``previous``, ``channel``) so tests and
scripts can find the parts of a figure without relying on colours or names.

Builders:

- :func:`kpi_trend_figure` — a KPI over time with its target, forecast, anomalies, and the
  incident / maintenance spans that explain it (governance's KPI page calls this one).
- :func:`campaign_trend_figure` — daily metric series (money on the left axis, counts on the
  right), optionally with the previous period for comparison.
- :func:`channel_mix_figure` — spend (and conversions) by channel, one currency.

The builders live in modules by figure (``kpi``, ``campaigns``) on shared helpers (``common``);
this package re-exports them, so ``analytics.charts`` stays the import path.
"""

from __future__ import annotations

from .campaigns import campaign_trend_figure, channel_mix_figure
from .common import (
    ACTUAL,
    AMBER,
    BLUE,
    FONT_FAMILY,
    GREEN,
    GREY,
    METRIC_COLOURS,
    MONEY_METRICS,
    RED,
    SERIES_COLOURS,
    SPAN_COLOURS,
    annotation_spans,
)
from .kpi import kpi_trend_figure

__all__ = [
    "ACTUAL",
    "AMBER",
    "BLUE",
    "FONT_FAMILY",
    "GREEN",
    "GREY",
    "METRIC_COLOURS",
    "MONEY_METRICS",
    "RED",
    "SERIES_COLOURS",
    "SPAN_COLOURS",
    "annotation_spans",
    "campaign_trend_figure",
    "channel_mix_figure",
    "kpi_trend_figure",
]
