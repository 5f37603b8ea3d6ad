"""The analytics section's landing page: campaign performance, channel mix and daily trend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.registry import panels_on

from ..charts import campaign_trend_figure, channel_mix_figure
from ..forms import DashboardFilterForm
from ..models import Channel
from ..performance import (
    METRICS,
    PERIODS,
    Performance,
    campaign_performance,
    daily_totals,
    filter_choices,
    ratio,
    resolve_period,
)
from ..tables import (
    CHANNEL_COLUMNS,
    COMPARE_COLUMNS,
    DAILY_COLUMNS,
    PERFORMANCE_COLUMNS,
    Table,
    export,
)

TREND_METRICS = ("cost", "conversions", "clicks", "revenue")


def _metric_names() -> dict[str, str]:
    return {
        "impressions": _("Impressions"),
        "clicks": _("Clicks"),
        "cost": _("Spend"),
        "conversions": _("Conversions"),
        "revenue": _("Revenue"),
    }


def _performance_table(performance: Performance) -> Table:
    rows = [
        {**row, "url": reverse("analytics:campaign_detail", args=[row["code"]])}
        for row in performance.rows
    ]
    totals = [
        {**total, "name": _("Total (%(currency)s)") % {"currency": total["currency"]}}
        for total in performance.totals
    ]
    return Table("performance", _("Campaign performance"), PERFORMANCE_COLUMNS, rows, totals)


def _channel_table(performance: Performance) -> Table:
    rows = [row for rows in performance.channel_mix().values() for row in rows]
    return Table("channels", _("Channel mix"), CHANNEL_COLUMNS, rows)


def _daily_table(daily: dict[str, dict[str, list[Any]]]) -> Table:
    rows: dict[tuple[Any, str], dict[str, Any]] = {}
    for currency, by_metric in daily.items():
        for key, points in by_metric.items():
            for day, value in points:
                row = rows.setdefault(
                    (day, currency),
                    {"date": day.isoformat(), "currency": currency, **dict.fromkeys(METRICS)},
                )
                row[key] = value
    return Table("daily", _("Daily totals"), DAILY_COLUMNS, [rows[k] for k in sorted(rows)])


def _compare_table(current: Performance, previous: Performance) -> Table:
    """This period against the previous one, per currency (money never added across them)."""
    figures = [
        ("cost", _("Spend"), "money"),
        ("impressions", _("Impressions"), "number"),
        ("clicks", _("Clicks"), "number"),
        ("conversions", _("Conversions"), "number"),
        ("revenue", _("Revenue"), "money"),
        ("ctr", _("CTR"), "percent"),
        ("cpa", _("CPA"), "money"),
        ("cvr", _("CVR"), "percent"),
        ("roas", _("ROAS"), "ratio"),
    ]
    before = previous.totals_by_currency()
    rows = []
    for total in current.totals:
        prev = before.get(total["currency"], {})
        for key, label, kind in figures:
            now, then = total.get(key), prev.get(key)
            change = ratio((now or 0) - (then or 0), then) if now is not None else None
            rows.append(
                {
                    "currency": total["currency"],
                    "label": label,
                    "kind": kind,
                    "current": now,
                    "previous": then,
                    "change": change,
                }
            )
    return Table("compare", _("Compared with the previous period"), COMPARE_COLUMNS, rows)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Filters: period (this month, last month, last 30/90 days, custom), channel, plan, team,
    compare with the previous period. Every table exports as CSV or Excel (``?export=<table>&
    format=csv|xlsx``) with the same rows as on the page."""
    user = request.user
    choices = filter_choices(user=user)
    form = DashboardFilterForm(
        request.GET or None,
        periods=[(k, str(v)) for k, v in PERIODS.items()],
        channels=Channel.choices,
        plans=choices["plans"],
        teams=choices["teams"],
    )
    data: dict[str, Any] = form.cleaned_data if request.GET and form.is_valid() else {}
    today = timezone.localdate()
    period = resolve_period(
        data.get("period") or "this_month",
        today=today,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    filters: dict[str, Any] = {
        "channel": data.get("channel") or None,
        "plan": data.get("plan"),
        "team": data.get("team"),
    }
    performance = campaign_performance(
        user=user, date_from=period.start, date_to=period.end, **filters
    )
    daily = daily_totals(user=user, date_from=period.start, date_to=period.end, **filters)
    tables = {
        "performance": _performance_table(performance),
        "channels": _channel_table(performance),
        "daily": _daily_table(daily),
    }
    previous_daily: dict[str, dict[str, list[Any]]] = {}
    if data.get("compare"):
        before = period.previous()
        previous = campaign_performance(
            user=user, date_from=before.start, date_to=before.end, **filters
        )
        tables["compare"] = _compare_table(performance, previous)
        shift = timedelta(days=period.days)
        previous_daily = {
            currency: {k: [(d + shift, v) for d, v in pts] for k, pts in by_metric.items()}
            for currency, by_metric in daily_totals(
                user=user, date_from=before.start, date_to=before.end, **filters
            ).items()
        }

    wanted = request.GET.get("export")
    if wanted in tables:
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        name = f"{wanted}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
        return export(tables[wanted], fmt, name)

    names = _metric_names()
    mix_figures = [
        channel_mix_figure(
            title=_("Spend by channel (%(currency)s)") % {"currency": currency},
            rows=rows,
            currency=currency,
        )
        for currency, rows in performance.channel_mix().items()
        if any(r["cost"] for r in rows)
    ]
    trend_figures = [
        campaign_trend_figure(
            title=_("Daily spend and results (%(currency)s)") % {"currency": currency},
            series={k: by_metric[k] for k in TREND_METRICS if k in by_metric},
            currency=currency,
            names=names,
            previous=previous_daily.get(currency),
            hidden=["clicks"],
        )
        for currency, by_metric in daily.items()
    ]
    panels = panels_on("analytics", request)
    over_budget = [
        r for r in performance.rows if r["budget_used"] is not None and r["budget_used"] > 1
    ]
    query = request.GET.copy()
    for key in ("export", "format"):
        query.pop(key, None)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "period": period,
            "performance": performance,
            "tables": tables,
            "mix_figures": mix_figures,
            "trend_figures": trend_figures,
            "panels": panels,
            "over_budget": over_budget,
            "query": query.urlencode(),
        },
    )
