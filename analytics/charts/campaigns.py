"""Campaign figures: daily metric series and the channel mix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..formatting import format_money, format_value
from .common import (
    BLUE,
    METRIC_COLOURS,
    MONEY_METRICS,
    SERIES_COLOURS,
    _axis,
    _date_axis,
    _figure,
    _hover,
    _iso,
    _layout,
    _pairs,
)


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
