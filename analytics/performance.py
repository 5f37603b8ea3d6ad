"""Dashboard reads (selectors): campaign performance, channel mix and daily trends.

Every function takes the user and reads only campaigns the user may see (``campaigns_for``),
aggregating in SQL: one query for the performance table however many campaigns there are, one
for a daily trend. Money is never added across currencies: totals are kept per currency. Ratios
(CTR, CPC, CPA, CVR, ROAS) are ratios of sums over the period, ``None`` (shown "—") when the
denominator is zero.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from .models import Campaign, Channel
from .selectors import campaigns_for, facts_for

METRICS = ("impressions", "clicks", "cost", "conversions", "revenue")
PERIODS = {
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "last_30": _("Last 30 days"),
    "last_90": _("Last 90 days"),
    "custom": _("Custom range"),
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for "compare")."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def resolve_period(
    key: str, *, today: date, date_from: date | None = None, date_to: date | None = None
) -> Period:
    """This month (to today), last month, the last 30 / 90 days (to today) or a custom range."""
    if key == "custom" and date_from and date_to:
        return Period(min(date_from, date_to), max(date_from, date_to))
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if key == "last_30":
        return Period(today - timedelta(days=29), today)
    if key == "last_90":
        return Period(today - timedelta(days=89), today)
    last_day = calendar.monthrange(today.year, today.month)[1]
    return Period(today.replace(day=1), min(today, today.replace(day=last_day)))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """A ratio of sums; ``None`` (n/a) when the denominator is zero or either side has no data."""
    if not denominator or numerator is None:
        return None
    return numerator / denominator


def with_ratios(row: dict[str, Any]) -> dict[str, Any]:
    """Add CTR, CPC, CPA, CVR, ROAS and the share of budget spent to a row of sums."""
    row["ctr"] = ratio(row["clicks"], row["impressions"])
    row["cpc"] = ratio(row["cost"], row["clicks"])
    row["cpa"] = ratio(row["cost"], row["conversions"])
    row["cvr"] = ratio(row["conversions"], row["clicks"])
    row["roas"] = ratio(row["revenue"], row["cost"])
    row["budget_used"] = ratio(row["cost"], row.get("budget"))
    return row


def scoped_campaigns(
    *, user: Any, channel: str | None = None, plan: int | None = None, team: int | None = None
) -> QuerySet[Campaign]:
    qs = campaigns_for(user=user)
    if channel:
        qs = qs.filter(channel=channel)
    if plan:
        qs = qs.filter(plan_id=plan)
    if team:
        qs = qs.filter(team_id=team)
    return qs


@dataclass
class Performance:
    period: Period
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)  # one per currency

    def totals_by_currency(self) -> dict[str, dict[str, Any]]:
        return {t["currency"]: t for t in self.totals}

    def channel_mix(self) -> dict[str, list[dict[str, Any]]]:
        """Per currency: spend, conversions and revenue by channel (from the same rows)."""
        labels = dict(Channel.choices)
        mix: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for row in self.rows:
            entry = mix[row["currency"]].setdefault(
                row["channel"],
                {
                    "channel": row["channel"],
                    "label": str(labels.get(row["channel"], row["channel"])),
                    "currency": row["currency"],
                    **dict.fromkeys(METRICS),
                },
            )
            for key in METRICS:
                if row[key] is not None:
                    entry[key] = (entry[key] or 0.0) + row[key]
        return {
            currency: [
                with_ratios({**e, "budget": None})
                for e in sorted(channels.values(), key=lambda e: -e["cost"])
            ]
            for currency, channels in sorted(mix.items())
        }


def campaign_performance(
    *,
    user: Any,
    date_from: date,
    date_to: date,
    channel: str | None = None,
    plan: int | None = None,
    team: int | None = None,
) -> Performance:
    """Per campaign: spend vs budget, impressions, clicks, conversions, revenue and ratios.

    Lists the campaigns in scope that have facts in the period or run during it. One query.
    """
    in_period = Q(facts__date__gte=date_from, facts__date__lte=date_to)
    sums = {
        key: Sum("facts__value", filter=in_period & Q(facts__metric__key=key)) for key in METRICS
    }
    qs = (
        scoped_campaigns(user=user, channel=channel, plan=plan, team=team)
        .annotate(**sums)
        .values(
            "pk",
            "code",
            "name",
            "channel",
            "currency",
            "budget",
            "start_date",
            "end_date",
            "team__name",
            *METRICS,
        )
        .order_by("currency", "name", "code")
    )
    rows: list[dict[str, Any]] = []
    for row in qs:
        has_facts = any(row[key] is not None for key in METRICS)
        runs = (row["start_date"] is None or row["start_date"] <= date_to) and (
            row["end_date"] is None or row["end_date"] >= date_from
        )
        if not has_facts and not (runs and row["start_date"] is not None):
            continue
        row["budget"] = float(row["budget"]) if row["budget"] is not None else None
        row["channel_label"] = str(dict(Channel.choices).get(row["channel"], row["channel"]))
        rows.append(with_ratios(row))
    rows.sort(key=lambda r: (r["currency"], -(r["cost"] or 0), r["name"]))
    return Performance(period=Period(date_from, date_to), rows=rows, totals=_totals(rows))


def _totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_currency: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = by_currency.setdefault(
            row["currency"],
            {"currency": row["currency"], "campaigns": 0, "budget": None, **dict.fromkeys(METRICS)},
        )
        total["campaigns"] += 1
        for key in METRICS:
            if row[key] is not None:
                total[key] = (total[key] or 0.0) + row[key]
        if row["budget"] is not None:
            total["budget"] = (total["budget"] or 0.0) + row["budget"]
    return [with_ratios(by_currency[c]) for c in sorted(by_currency)]


def daily_totals(
    *,
    user: Any,
    date_from: date,
    date_to: date,
    channel: str | None = None,
    plan: int | None = None,
    team: int | None = None,
    metrics: tuple[str, ...] = METRICS,
) -> dict[str, dict[str, list[tuple[date, float]]]]:
    """Per currency, per metric: the daily sums over the campaigns in scope. One query."""
    campaigns = scoped_campaigns(user=user, channel=channel, plan=plan, team=team)
    qs = (
        facts_for(user=user)
        .filter(
            campaign__in=campaigns.values("pk"),
            date__gte=date_from,
            date__lte=date_to,
            metric__key__in=metrics,
        )
        .values("campaign__currency", "metric__key", "date")
        .annotate(total=Sum("value"))
        .order_by("campaign__currency", "metric__key", "date")
    )
    out: dict[str, dict[str, list[tuple[date, float]]]] = defaultdict(dict)
    for row in qs:
        series = out[row["campaign__currency"]].setdefault(row["metric__key"], [])
        series.append((row["date"], row["total"]))
    return {
        currency: {key: by_metric[key] for key in metrics if key in by_metric}
        for currency, by_metric in out.items()
    }


def campaign_daily(*, campaign: Campaign) -> dict[str, list[tuple[date, float]]]:
    """One campaign's daily sums per metric (all sources added). One query."""
    qs = (
        campaign.facts.values("metric__key", "date")
        .annotate(total=Sum("value"))
        .order_by("metric__key", "date")
    )
    out: dict[str, list[tuple[date, float]]] = {}
    for row in qs:
        out.setdefault(row["metric__key"], []).append((row["date"], row["total"]))
    order = {key: i for i, key in enumerate(METRICS)}
    return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))


def filter_choices(*, user: Any) -> dict[str, list[tuple[Any, str]]]:
    """The plans and teams of the campaigns the user may see (for the filter bar). Two queries."""
    campaigns = campaigns_for(user=user)
    plans = (
        campaigns.exclude(plan=None)
        .values_list("plan_id", "plan__title")
        .distinct()
        .order_by("plan__title")
    )
    teams = campaigns.values_list("team_id", "team__name").distinct().order_by("team__name")
    return {"plans": list(plans), "teams": list(teams)}
