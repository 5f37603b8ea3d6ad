"""The KPI trend figure: actuals, target, forecast, anomalies and incident/maintenance spans."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..formatting import format_value
from .common import (
    ACTUAL,
    BLUE,
    GREEN,
    RED,
    _axis,
    _date_axis,
    _figure,
    _get,
    _hover,
    _iso,
    _layout,
    _pairs,
    _rgba,
    _span_traces,
    annotation_spans,
)


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
