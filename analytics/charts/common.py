"""Colours, layout and axis helpers shared by the figure builders, and the annotation spans."""

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

from ..formatting import format_value

# The logger keeps the name it had before ``analytics.charts`` became a package.
logger = logging.getLogger("analytics.charts")

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
