"""Assemble a review's agenda: the figures each agenda item shows, computed now.

Sections, in order: every KPI in scope (actual vs target, change vs the previous period,
forecast, status, and the incidents that affected it), anomalies flagged by analytics, incidents
in the period with their impact, plan progress and budget burn, open and overdue actions.
Figures are plain JSON (numbers, strings, ISO dates) because they are stored as the snapshot.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from analytics.selectors import shared_reads

from .models import (
    OPEN_STATUSES,
    Action,
    AgendaKind,
    KpiProfile,
    Plan,
    PlanStatus,
    ReviewMeeting,
)
from .periods import previous_period
from .readings import actual, currency_of, read_kpi
from .selectors import plan_progress

MAX_ANOMALIES = 20


@dataclass
class Entry:
    kind: str
    ref: str
    title: str
    figures: dict[str, Any]


def _iso(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _change(current: float | None, previous: float | None) -> dict[str, float | None]:
    if current is None or previous is None:
        return {"change": None, "change_pct": None}
    pct = (current - previous) / abs(previous) if previous else None
    return {"change": current - previous, "change_pct": pct}


def as_of_for(review: ReviewMeeting, today: datetime.date | None = None) -> datetime.date:
    return min(review.period_end, today or timezone.localdate())


def kpis_in_scope(review: ReviewMeeting) -> list[KpiProfile]:
    """The KPIs owned by the review's team or scoped to it in analytics."""
    from django.db.models import Q

    return list(
        KpiProfile.objects.filter(Q(team=review.team) | Q(kpi__scope_team=review.team))
        .filter(kpi__is_active=True)
        .select_related("kpi", "owner")
        .prefetch_related("targets")
        .order_by("kpi__key")
    )


def incidents_in_period(*, user: Any, date_from: datetime.date, date_to: datetime.date) -> list:
    """Incidents open at any time in the period that ``user`` may see (operations' selector)."""
    from operations.selectors.incidents import incidents_in_period as find

    return list(find(user=user, date_from=date_from, date_to=date_to).order_by("triggered_at"))


def _incident_figures(incident: Any) -> dict[str, Any]:
    resolved = incident.resolved_at
    duration = (resolved - incident.triggered_at).total_seconds() / 60 if resolved else None
    return {
        "id": incident.pk,
        "title": incident.title,
        "severity": incident.severity,
        "state": incident.state,
        "triggered_at": _iso(incident.triggered_at),
        "resolved_at": _iso(resolved),
        "duration_minutes": round(duration) if duration is not None else None,
        "kpis": sorted(k.key for k in incident.affected_kpis.all()),
        "campaigns": sorted(c.name for c in incident.affected_campaigns.all()),
        "tools": sorted(t.name for t in incident.affected_tools.all()),
    }


def _kpi_entry(
    profile: KpiProfile, review: ReviewMeeting, as_of: datetime.date, incidents: list[dict]
) -> Entry:
    kpi = profile.kpi
    reading = read_kpi(profile=profile, as_of=as_of)
    currency = currency_of(kpi, reading.target)
    current = actual(kpi=kpi, date_from=review.period_start, date_to=as_of, currency=currency)
    prev_start, prev_end = previous_period(review.period_start, review.period_end)
    previous = actual(kpi=kpi, date_from=prev_start, date_to=prev_end, currency=currency)
    target = reading.target
    figures: dict[str, Any] = {
        "key": kpi.key,
        "name": kpi.name,
        "name_ja": kpi.name_ja,
        "unit": kpi.unit,
        "display_format": kpi.display_format,
        "direction": profile.direction,
        "currency": currency,
        "owner": profile.owner.get_full_name() or profile.owner.get_username(),
        "period_start": _iso(review.period_start),
        "period_end": _iso(as_of),
        "actual": current.value if current else None,
        "numerator": current.numerator if current else None,
        "denominator": current.denominator if current else None,
        "previous_start": _iso(prev_start),
        "previous_end": _iso(prev_end),
        "previous": previous.value if previous else None,
        **_change(current.value if current else None, previous.value if previous else None),
        "target_start": _iso(target.period_start) if target else None,
        "target_end": _iso(target.period_end) if target else None,
        "target": target.value if target else None,
        "target_low": target.low if target else None,
        "target_high": target.high if target else None,
        "target_actual": reading.actual.value if reading.actual else None,
        "forecast": reading.forecast,
        "forecast_low": reading.forecast_low,
        "forecast_high": reading.forecast_high,
        "forecast_method": reading.forecast_method,
        "status": reading.status.value,
        "incidents": [i["title"] for i in incidents if kpi.key in i["kpis"]],
    }
    return Entry(AgendaKind.KPI, kpi.key, f"{kpi.key} — {kpi.name}", figures)


def _anomaly_entries(user: Any, review: ReviewMeeting, as_of: datetime.date) -> list[Entry]:
    from analytics.selectors import anomalies_between

    anomalies = list(anomalies_between(user=user, date_from=review.period_start, date_to=as_of))
    anomalies.sort(key=lambda a: -abs(a.score))
    entries = []
    for anomaly in anomalies[:MAX_ANOMALIES]:
        campaign = anomaly.campaign
        metric = getattr(anomaly.metric, "key", anomaly.metric_id)
        entries.append(
            Entry(
                AgendaKind.ANOMALY,
                f"{anomaly.campaign_id}:{metric}:{anomaly.date.isoformat()}",
                f"{campaign.name}: {metric} {anomaly.get_direction_display()} "
                f"({anomaly.date.isoformat()})",
                {
                    "campaign": campaign.name,
                    "campaign_code": campaign.code,
                    "metric": metric,
                    "date": _iso(anomaly.date),
                    "value": anomaly.value,
                    "expected": anomaly.expected,
                    "score": anomaly.score,
                    "direction": anomaly.direction,
                },
            )
        )
    return entries


def _plan_entries(user: Any, review: ReviewMeeting, as_of: datetime.date) -> list[Entry]:
    plans = Plan.objects.filter(
        team=review.team,
        start_date__lte=review.period_end,
        end_date__gte=review.period_start,
        status__in=[PlanStatus.PLANNED, PlanStatus.IN_PROGRESS],
    ).prefetch_related("budget_rows")
    entries = []
    for plan in plans.order_by("start_date", "pk"):
        progress = plan_progress(user=user, plan=plan, as_of=as_of)
        entries.append(
            Entry(
                AgendaKind.PLAN,
                str(plan.pk),
                plan.title,
                {
                    "id": plan.pk,
                    "status": plan.status,
                    "currency": plan.currency,
                    "budget": float(progress.budget_total),
                    "budget_to_date": float(progress.budget_to_date),
                    "spend": progress.spend_in_plan_currency,
                    "spend_other_currencies": progress.other_currencies,
                    "burn": progress.burn,
                    "burn_to_date": progress.burn_to_date,
                    "time_elapsed": progress.time_elapsed,
                    "actions_total": progress.actions_total,
                    "actions_done": progress.actions_done,
                    "actions_overdue": progress.actions_overdue,
                },
            )
        )
    return entries


def _action_entries(review: ReviewMeeting, as_of: datetime.date) -> list[Entry]:
    actions = (
        Action.objects.filter(team=review.team, status__in=OPEN_STATUSES)
        .exclude(review=review)
        .select_related("owner", "plan")
        .order_by("due_date", "pk")
    )
    return [
        Entry(
            AgendaKind.ACTION,
            str(a.pk),
            a.title,
            {
                "id": a.pk,
                "owner": a.owner.get_full_name() or a.owner.get_username(),
                "due_date": _iso(a.due_date),
                "status": a.status,
                "overdue": a.due_date < as_of,
                "plan": a.plan.title if a.plan else None,
            },
        )
        for a in actions
    ]


def build_agenda(
    *, review: ReviewMeeting, user: Any, today: datetime.date | None = None
) -> list[Entry]:
    """Every agenda entry of ``review`` with figures computed as of today (or the period end)."""
    as_of = as_of_for(review, today)
    incidents = [
        _incident_figures(i)
        for i in incidents_in_period(user=user, date_from=review.period_start, date_to=as_of)
    ]
    with shared_reads():  # scopes and windows read once for every KPI
        entries = [_kpi_entry(p, review, as_of, incidents) for p in kpis_in_scope(review)]
    entries += _anomaly_entries(user, review, as_of)
    entries += [Entry(AgendaKind.INCIDENT, str(i["id"]), i["title"], i) for i in incidents]
    entries += _plan_entries(user, review, as_of)
    entries += _action_entries(review, as_of)
    return entries
