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
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from mops.registry import chart_annotations

from .formatting import format_money, format_value

logger = logging.getLogger(__name__)

FONT_FAMILY = '"Hiragino Sans", "Noto Sans JP", "Yu Gothic", Meiryo, system-ui, sans-serif'
# The status vocabulary's colours (static/css/portal.css).
GREEN, AMBER, RED, GREY, BLUE = "#1c7c3a", "#8a5a00", "#b3261e", "#5f6670", "#1a56b8"
ACTUAL = "#14213d"
# Metric series avoid the status colours' meanings (red is "down", not "cost").
METRIC_COLOURS = {
    "cost": "#1a56b8",
    "conversions": "#1c7c3a",
    "clicks": "#0f7c86",
    "revenue": "#6b3fa0",
    "impressions": "#7a8190",
}
SERIES_COLOURS = ["#1a56b8", "#1c7c3a", "#0f7c86", "#6b3fa0", "#7a8190", "#14213d"]
SPAN_COLOURS = {"incident": RED, "maintenance": GREY}
MONEY_METRICS = frozenset({"cost", "revenue"})


# --------------------------------------------------------------------------- helpers


def _get(item: Any, *names: str, default: Any = None) -> Any:
    """The first of ``names`` found on a mapping or an object (targets, points, spans …)."""
    for name in names:
        if isinstance(item, Mapping):
            if name in item and item[name] is not None:
                return item[name]
        elif getattr(item, name, None) is not None:
            return getattr(item, name)
    return default


def _pairs(points: Iterable[Any]) -> list[tuple[date, float | None]]:
    """(date, value) pairs from pairs, dicts or objects (``date``/``period_start``, ``value``)."""
    out = []
    for p in points:
        if isinstance(p, list | tuple):
            day, value = p[0], p[1]
        else:
            day, value = _get(p, "date", "period_start", "day"), _get(p, "value")
        out.append((day, None if value is None else float(value)))
    return sorted(out, key=lambda pair: pair[0])


def _iso(day: date | datetime | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def _nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to just above ``top`` (for axes whose labels we format)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _axis(values: Iterable[float | None], value_format: str, currency: str) -> dict[str, Any]:
    """A y-axis whose tick labels read like the tables: 1.2万円 / ¥12,000, 1.2%, 3.2×."""
    axis: dict[str, Any] = {"rangemode": "tozero", "gridcolor": "#e6e8ec", "zeroline": False}
    if value_format == "percent":
        return {**axis, "tickformat": ".1%"}
    if value_format == "ratio":
        return {**axis, "tickformat": ".2f", "ticksuffix": "×"}
    finite = [v for v in values if v is not None and math.isfinite(v)]
    ticks = _nice_ticks(max(finite, default=0.0))
    if len(ticks) > 1:
        labels = [format_value(t, value_format, currency=currency, compact=True) for t in ticks]
        axis.update(tickvals=ticks, ticktext=labels, range=[0, ticks[-1]])
    return axis


def _hover(values: Sequence[float | None], value_format: str, currency: str) -> list[str]:
    return [format_value(v, value_format, currency=currency) for v in values]


def _date_axis(days: Iterable[Any]) -> dict[str, Any]:
    """A date x-axis; over a short range one tick per day (not several ticks on one date)."""
    axis: dict[str, Any] = {"type": "date", "gridcolor": "#eef0f3", "tickformat": "%Y-%m-%d"}
    distinct = {str(d)[:10] for d in days if d is not None}
    if distinct and len(distinct) <= 14:
        axis["dtick"] = 86_400_000  # one day, in milliseconds
    return axis


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#1f2430"},
        "margin": {"l": 64, "r": 24, "t": 56, "b": 40},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.15},
        "xaxis": {"type": "date", "gridcolor": "#eef0f3", "tickformat": "%Y-%m-%d"},
        **extra,
    }


def _figure(data: list[Any], layout: dict[str, Any]) -> dict[str, Any]:
    """A plain dict of the figure (dates as ISO strings): what ``{% chart %}`` embeds."""
    return json.loads(go.Figure(data=data, layout=layout).to_json())


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def annotation_spans(*, start: date, end: date, scope: Any = None) -> list[dict[str, Any]]:
    """Incident and maintenance spans from every registered provider (none registered = [])."""
    spans: list[dict[str, Any]] = []
    for key, provider in chart_annotations.items():
        try:
            spans.extend(provider(start=start, end=end, scope=scope) or [])
        except Exception:  # one broken provider must not take the chart (or the page) down
            logger.exception("chart annotation provider %s failed", key)
    return spans


def _span_traces(spans: Iterable[Any]) -> list[go.Scatter]:
    traces = []
    shown: set[str] = set()
    for span in spans:
        kind = str(_get(span, "kind", default="incident"))
        start, end = _get(span, "start"), _get(span, "end")
        if start is None:
            continue
        end = end or start
        if isinstance(start, date) and not isinstance(start, datetime) and start == end:
            end = start + timedelta(days=1)  # a one-day span still has a visible width
        label = str(_get(span, "label", default=kind))
        colour = SPAN_COLOURS.get(kind, AMBER)
        kind_name = _("Incident") if kind == "incident" else _("Maintenance")
        traces.append(
            go.Scatter(
                x=[_iso(start), _iso(start), _iso(end), _iso(end), _iso(start)],
                y=[0, 1, 1, 0, 0],
                yaxis="y3",
                mode="lines",
                fill="toself",
                fillcolor=_rgba(colour, 0.14),
                line={"width": 0},
                hoveron="fills",
                hoverinfo="text",
                text=f"{kind_name}: {label}",
                name=kind_name if kind in ("incident", "maintenance") else kind,
                legendgroup=f"span-{kind}",
                showlegend=kind not in shown,
                meta={"role": "span", "kind": kind, "label": label},
            )
        )
        shown.add(kind)
    return traces


# --------------------------------------------------------------------------- KPI trend


def kpi_trend_figure(
    *,
    title: str,
    points: Iterable[Any],
    targets: Iterable[Any] = (),
    forecast: Any = None,
    anomalies: Iterable[Any] = (),
    spans: Iterable[Any] = (),
    value_format: str = "number",
    currency: str = "JPY",
    scope: Any = None,
    series_name: str | None = None,
) -> dict[str, Any]:
    """A KPI over time, annotated with what explains it.

    - ``points``: the KPI's values, ``(date, value)`` pairs (or dicts/objects with ``date`` or
      ``period_start`` and ``value``); ``None`` values (n/a: zero denominator) leave a gap.
    - ``targets``: per period, dicts/objects with ``start`` and ``end`` (or ``period_start`` /
      ``period_end``) and either ``value`` (drawn as a dashed step line) or ``low`` and ``high``
      (a shaded band; ``value`` is then drawn inside it when given).
    - ``forecast``: dict/object with ``points`` — ``(date, value)`` pairs up to the period end —
      and optionally ``low`` / ``high`` (or ``lower`` / ``upper``), pairs of the same dates:
      drawn dashed with its uncertainty band.
    - ``anomalies``: ``(date, value)`` pairs or dicts/objects with ``date``, ``value`` and
      optionally ``direction`` (``drop``/``spike``) and ``label``: red markers.
    - ``spans``: extra spans; the registered ``mops.registry.chart_annotations`` providers are
      asked for the rest with ``start``, ``end`` (the figure's date range) and ``scope``. Each
      span: ``start``, ``end``, ``label``, ``kind`` (``incident`` / ``maintenance``).
    - ``value_format``: ``number``, ``currency`` (with ``currency``), ``percent`` (values are
      shares: 0.012 = 1.2%) or ``ratio``.
    """
    actual = _pairs(points)
    forecast_points = _pairs(_get(forecast, "points", "values", default=[])) if forecast else []
    low = _pairs(_get(forecast, "low", "lower", default=[])) if forecast else []
    high = _pairs(_get(forecast, "high", "upper", default=[])) if forecast else []
    days = [d for d, _v in actual + forecast_points]
    target_list = list(targets)
    data: list[Any] = []
    all_values: list[float | None] = [v for _d, v in actual + forecast_points + high]

    band_x: list[str] = []
    band_low: list[float] = []
    band_high: list[float] = []
    line_x: list[str | None] = []
    line_y: list[float | None] = []
    for target in target_list:
        start = _get(target, "start", "period_start")
        end = _get(target, "end", "period_end", default=start)
        value, lo, hi = _get(target, "value", "target"), _get(target, "low"), _get(target, "high")
        if start is None:
            continue
        days += [start, end]
        if lo is not None and hi is not None:
            band_x += [_iso(start), _iso(end)]
            band_low += [float(lo), float(lo)]
            band_high += [float(hi), float(hi)]
            all_values.append(float(hi))
        if value is not None:
            line_x += [_iso(start), _iso(end), None]
            line_y += [float(value), float(value), None]
            all_values.append(float(value))
    if band_x:
        data.append(
            go.Scatter(
                x=band_x,
                y=band_low,
                mode="lines",
                line={"width": 0, "color": GREEN},
                hoverinfo="skip",
                showlegend=False,
                legendgroup="target",
                meta={"role": "target_band", "edge": "low"},
            )
        )
        data.append(
            go.Scatter(
                x=band_x,
                y=band_high,
                mode="lines",
                fill="tonexty",
                fillcolor=_rgba(GREEN, 0.15),
                line={"width": 0, "color": GREEN},
                name=_("Target range"),
                legendgroup="target",
                customdata=[
                    f"{format_value(lo_, value_format, currency=currency)} – "
                    f"{format_value(hi_, value_format, currency=currency)}"
                    for lo_, hi_ in zip(band_low, band_high, strict=True)
                ],
                hovertemplate="%{customdata}<extra>" + _("Target range") + "</extra>",
                meta={"role": "target_band", "edge": "high"},
            )
        )
    if line_x:
        data.append(
            go.Scatter(
                x=line_x,
                y=line_y,
                mode="lines",
                line={"color": GREEN, "dash": "dash", "width": 2},
                name=_("Target"),
                legendgroup="target",
                customdata=_hover(line_y, value_format, currency),
                hovertemplate="%{customdata}<extra>" + _("Target") + "</extra>",
                meta={"role": "target"},
            )
        )

    if forecast_points:
        if low and high:
            data.append(
                go.Scatter(
                    x=[_iso(d) for d, _v in high],
                    y=[v for _d, v in high],
                    mode="lines",
                    line={"width": 0, "color": BLUE},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup="forecast",
                    meta={"role": "forecast_band", "edge": "high"},
                )
            )
            data.append(
                go.Scatter(
                    x=[_iso(d) for d, _v in low],
                    y=[v for _d, v in low],
                    mode="lines",
                    fill="tonexty",
                    fillcolor=_rgba(BLUE, 0.15),
                    line={"width": 0, "color": BLUE},
                    name=_("Forecast range"),
                    legendgroup="forecast",
                    hoverinfo="skip",
                    meta={"role": "forecast_band", "edge": "low"},
                )
            )
        # Start the dashed line at the last actual value so the two read as one series.
        joined = ([actual[-1]] if actual and actual[-1][1] is not None else []) + forecast_points
        data.append(
            go.Scatter(
                x=[_iso(d) for d, _v in joined],
                y=[v for _d, v in joined],
                mode="lines",
                line={"color": BLUE, "dash": "dot", "width": 2},
                name=_("Forecast"),
                legendgroup="forecast",
                customdata=_hover([v for _d, v in joined], value_format, currency),
                hovertemplate="%{x|%Y-%m-%d}<br>%{customdata}<extra>" + _("Forecast") + "</extra>",
                meta={"role": "forecast"},
            )
        )

    data.append(
        go.Scatter(
            x=[_iso(d) for d, _v in actual],
            y=[v for _d, v in actual],
            mode="lines+markers",
            connectgaps=False,
            line={"color": ACTUAL, "width": 2.5},
            marker={"size": 5},
            name=series_name or _("Actual"),
            customdata=_hover([v for _d, v in actual], value_format, currency),
            hovertemplate="%{x|%Y-%m-%d}<br>%{customdata}<extra></extra>",
            meta={"role": "actual"},
        )
    )

    marks = []
    for a in anomalies:
        pair = _pairs([a])[0]
        direction = None if isinstance(a, list | tuple) else _get(a, "direction")
        label = None if isinstance(a, list | tuple) else _get(a, "label")
        marks.append((pair[0], pair[1], direction, label))
    if marks:
        data.append(
            go.Scatter(
                x=[_iso(d) for d, *_rest in marks],
                y=[v for _d, v, *_rest in marks],
                mode="markers",
                marker={
                    "color": RED,
                    "size": 12,
                    "symbol": [
                        "triangle-down" if m[2] == "drop" else "triangle-up" if m[2] else "x"
                        for m in marks
                    ],
                    "line": {"width": 1, "color": "#ffffff"},
                },
                name=_("Anomaly"),
                customdata=[
                    (m[3] or _("Anomaly"))
                    + ": "
                    + format_value(m[1], value_format, currency=currency)
                    for m in marks
                ],
                hovertemplate="%{x|%Y-%m-%d}<br>%{customdata}<extra></extra>",
                meta={"role": "anomaly"},
            )
        )

    span_list = list(spans)
    if days:
        span_list += annotation_spans(start=min(days), end=max(days), scope=scope)
    data = _span_traces(span_list) + data

    layout = _layout(
        title,
        xaxis=_date_axis(days),
        yaxis=_axis(all_values, value_format, currency),
        yaxis3={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
    )
    return _figure(data, layout)


# --------------------------------------------------------------------------- campaigns


def campaign_trend_figure(
    *,
    title: str,
    series: Mapping[str, Iterable[Any]],
    currency: str = "JPY",
    names: Mapping[str, str] | None = None,
    previous: Mapping[str, Iterable[Any]] | None = None,
    hidden: Iterable[str] = (),
) -> dict[str, Any]:
    """Daily metric series of one campaign or a filtered set of campaigns (one currency).

    ``series`` maps a metric key to ``(date, value)`` pairs. Money metrics (cost, revenue) use
    the left axis in ``currency``; counts use the right axis. ``previous`` holds the previous
    period's series, already shifted onto this period's dates, drawn dotted. Metrics in
    ``hidden`` start switched off in the legend (e.g. impressions, which dwarf the rest).
    """
    names = names or {}
    hidden = set(hidden)
    data: list[Any] = []
    money_values: list[float | None] = []
    all_days: list[Any] = []
    for i, (key, points) in enumerate(series.items()):
        pairs = _pairs(points)
        money = key in MONEY_METRICS
        values = [v for _d, v in pairs]
        all_days += [d for d, _v in pairs]
        if money:
            money_values.extend(values)
        fmt = "currency" if money else "number"
        colour = METRIC_COLOURS.get(key, SERIES_COLOURS[i % len(SERIES_COLOURS)])
        common = {
            "yaxis": "y" if money else "y2",
            "legendgroup": key,
            "visible": "legendonly" if key in hidden else True,
        }
        label = names.get(key, key)
        data.append(
            go.Scatter(
                x=[_iso(d) for d, _v in pairs],
                y=values,
                mode="lines",
                line={"color": colour, "width": 2},
                name=label,
                customdata=_hover(values, fmt, currency),
                hovertemplate="%{x|%Y-%m-%d}<br>%{customdata}<extra>" + label + "</extra>",
                meta={"role": "metric", "metric": key},
                **common,
            )
        )
        if previous and key in previous:
            prev = _pairs(previous[key])
            prev_values = [v for _d, v in prev]
            if money:
                money_values.extend(prev_values)
            prev_label = _("%(metric)s, previous period") % {"metric": label}
            data.append(
                go.Scatter(
                    x=[_iso(d) for d, _v in prev],
                    y=prev_values,
                    mode="lines",
                    line={"color": colour, "width": 1.5, "dash": "dot"},
                    name=prev_label,
                    customdata=_hover(prev_values, fmt, currency),
                    hovertemplate="%{customdata}<extra>" + prev_label + "</extra>",
                    meta={"role": "previous", "metric": key},
                    **common,
                )
            )
    money_axis = _axis(money_values, "currency", currency)
    # Counts scale themselves (a metric switched on in the legend must fit); plain thousands.
    count_axis = {
        "overlaying": "y",
        "side": "right",
        "showgrid": False,
        "rangemode": "tozero",
        "tickmode": "auto",  # its own round ticks, not synced to the money axis
        "nticks": 6,
        "tickformat": ",~f",
    }
    layout = _layout(
        title, xaxis=_date_axis(all_days), yaxis=money_axis, yaxis2=count_axis, hovermode="x"
    )
    return _figure(data, layout)


def channel_mix_figure(
    *, title: str, rows: Iterable[Mapping[str, Any]], currency: str = "JPY"
) -> dict[str, Any]:
    """Spend by channel (one currency) as horizontal bars, with conversions on hover.

    ``rows``: dicts with ``label`` (the channel's name), ``cost`` and optionally
    ``conversions`` and ``revenue``.
    """
    rows = sorted(rows, key=lambda r: r.get("cost") or 0)
    costs = [float(r.get("cost") or 0) for r in rows]
    total = sum(costs)
    hover = [
        f"{format_money(c, currency)} ({(c / total * 100 if total else 0):.1f}%)<br>"
        + _("Conversions")
        + f": {format_value(r.get('conversions'), 'number')}"
        for c, r in zip(costs, rows, strict=True)
    ]
    bar = go.Bar(
        x=costs,
        y=[str(r["label"]) for r in rows],
        orientation="h",
        marker={"color": BLUE},
        text=[format_money(c, currency, compact=True) for c in costs],
        textposition="auto",
        customdata=hover,
        hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        name=_("Spend"),
        meta={"role": "channel", "currency": currency},
    )
    xaxis = _axis(costs, "currency", currency)
    xaxis.pop("rangemode", None)
    layout = _layout(title, xaxis=xaxis, yaxis={"automargin": True}, showlegend=False)
    layout["margin"] = {"l": 16, "r": 24, "t": 56, "b": 40}
    return _figure([bar], layout)
