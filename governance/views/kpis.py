"""KPI pages: the status board, a KPI's trend with target, forecast and what explains it,
definition (formula through analytics' services) and targets."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.forms import add_service_errors
from mops.permissions import can
from mops.selectors import history_of

from .. import selectors
from ..forms import KpiForm, TargetForm
from ..models import KpiProfile, KpiTarget
from ..readings import currency_of, kpi_board, read_kpi
from ..services.kpis import create_governed_kpi, delete_target, set_target, update_governed_kpi
from ..status import RULE_TEXT
from .common import form_page, require_perm

HISTORY = {"day": datetime.timedelta(days=60), "week": datetime.timedelta(weeks=26)}


def _crumbs(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        (_("Governance"), reverse("governance:index")),
        (_("KPIs"), reverse("governance:kpi_list")),
        *extra,
    ]


@login_required
def kpi_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_perm(request, "governance.view_kpiprofile")
    board = kpi_board(user=user)
    unadopted: list[Any] = []
    if user.has_perm("governance.add_kpiprofile"):
        from analytics.selectors import kpis_for

        unadopted = list(kpis_for(user=user).filter(profile__isnull=True, is_active=True))
    return render(
        request,
        "governance/kpi_list.html",
        {
            "board": board,
            "rule": RULE_TEXT,
            "unadopted": unadopted,
            "can_add": user.has_perm("governance.add_kpiprofile"),
        },
    )


def _period_of(granularity: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    from ..periods import review_period

    if granularity == "day":
        return day, day
    return review_period("monthly" if granularity == "month" else "weekly", day)


def _figure(user: Any, profile: KpiProfile, today: datetime.date) -> tuple[dict, list]:
    from analytics.charts import kpi_trend_figure
    from analytics.forecast import forecast_period
    from analytics.selectors import anomalies_between, kpi_series
    from analytics.services.kpis import parse_expression, scope_filter

    from ..agenda import incidents_in_period

    kpi = profile.kpi
    currency = currency_of(kpi, None)
    since = today - HISTORY.get(kpi.granularity, datetime.timedelta(days=365))
    points = kpi_series(kpi=kpi, date_from=since, date_to=today, currency=currency)
    current_start, current_end = _period_of(kpi.granularity, today)
    done = [p for p in points if p.period_start < current_start]
    forecast = forecast_period(
        kpi=kpi, period_start=current_start, period_end=current_end, as_of=today, currency=currency
    )
    forecast_data = None
    if forecast.value is not None:
        last = done[-1] if done else None
        xs = ([last.period_start] if last and last.value is not None else []) + [current_start]
        start_value = [last.value] if last and last.value is not None else []
        forecast_data = {
            "points": list(zip(xs, [*start_value, forecast.value], strict=True)),
            "low": list(zip(xs, [*start_value, forecast.low], strict=True)),
            "high": list(zip(xs, [*start_value, forecast.high], strict=True)),
        }
    targets = [
        t
        for t in profile.targets.all()
        if t.period_end >= since and (not t.currency or t.currency == currency)
    ]
    keys = set(parse_expression(kpi.expression).metric_keys)
    scope_ids = None
    scope = scope_filter(kpi)
    if scope:
        from analytics.models import Campaign

        scope_ids = list(Campaign.objects.filter(**scope).values_list("pk", flat=True))
    anomalies = [
        a
        for a in anomalies_between(
            user=user, date_from=since, date_to=today, campaign_ids=scope_ids
        )
        if a.metric.key in keys
    ]
    by_period = {p.period_start: p.value for p in points}
    marks = []
    for anomaly in anomalies:
        start, _end = _period_of(kpi.granularity, anomaly.date)
        if by_period.get(start) is not None:
            marks.append(
                {
                    "date": start,
                    "value": by_period[start],
                    "direction": anomaly.direction,
                    "label": f"{anomaly.campaign.name}: {anomaly.metric.key} {anomaly.date}",
                }
            )
    incidents = incidents_in_period(user=user, date_from=since, date_to=today)
    # Incident and maintenance spans come from the providers registered in
    # mops.registry.chart_annotations (operations), narrowed to this KPI and what the user sees.
    figure = kpi_trend_figure(
        title=f"{kpi.name} ({kpi.key})",
        points=[(p.period_start, p.value) for p in points],
        targets=[
            {
                "start": t.period_start,
                "end": t.period_end,
                "value": t.value,
                "low": t.low,
                "high": t.high,
            }
            for t in targets
        ],
        forecast=forecast_data,
        anomalies=marks,
        value_format=kpi.display_format,
        currency=currency,
        scope={"kpi": kpi, "user": user},
    )
    related = [i for i in incidents if kpi.pk in {k.pk for k in i.affected_kpis.all()}]
    return figure, [points, related, currency]


@login_required
def kpi_detail(request: HttpRequest, key: str) -> HttpResponse:
    user = request.user
    profile = get_object_or_404(
        selectors.kpi_profiles_for(user=user).prefetch_related("targets"), kpi__key=key
    )
    today = timezone.localdate()
    reading = read_kpi(profile=profile, as_of=today)
    figure, (points, incidents, currency) = _figure(user, profile, today)
    from analytics.services.kpis import kpi_warnings

    return render(
        request,
        "governance/kpi_detail.html",
        {
            "profile": profile,
            "kpi": profile.kpi,
            "reading": reading,
            "figure": figure,
            "points": list(reversed(points))[:12],
            "incidents": incidents,
            "currency": currency,
            "targets": profile.targets.order_by("-period_start"),
            "rule": RULE_TEXT,
            "warnings": kpi_warnings(kpi=profile.kpi),
            "can_change": can(user, "change", profile),
            "history": history_of(profile),
        },
    )


def _kpi_form(request: HttpRequest, profile: KpiProfile | None) -> KpiForm:
    user = request.user
    initial: dict[str, Any] = {}
    if profile is not None:
        kpi = profile.kpi
        initial = {
            name: getattr(kpi, name)
            for name in [
                "name",
                "name_ja",
                "expression",
                "unit",
                "display_format",
                "granularity",
                "scope_channel",
                "scope_team",
                "scope_plan",
            ]
        }
        initial.update(
            {
                name: getattr(profile, name)
                for name in ["direction", "team", "owner", "strategy", "plan", "description"]
            }
        )
    return KpiForm(
        request.POST or None,
        initial=initial,
        user=user,
        strategies=selectors.strategies_for(user=user),
        plans=selectors.plans_for(user=user),
        editing=profile is not None,
    )


@login_required
def kpi_form(request: HttpRequest, key: str | None = None) -> HttpResponse:
    user = request.user
    profile = None
    if key:
        profile = get_object_or_404(
            selectors.kpi_profiles_for(user=user, action="change"), kpi__key=key
        )
    require_perm(request, "governance.change_kpiprofile" if key else "governance.add_kpiprofile")
    form = _kpi_form(request, profile)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["scope_channel"] = data.get("scope_channel") or ""
        try:
            with transaction.atomic():
                if profile is None:
                    profile = create_governed_kpi(**data)
                else:
                    profile = update_governed_kpi(profile=profile, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            if key is None:
                profile = None
        else:
            messages.success(request, _("KPI “%(key)s” saved.") % {"key": profile.kpi.key})
            return redirect(profile)
    warnings = []
    if form.is_bound and form.data.get("expression"):
        from analytics.services.kpis import expression_warnings, parse_expression

        try:
            warnings = expression_warnings(parse_expression(form.data["expression"]))
        except ValidationError:
            warnings = []
    heading = _("Edit KPI %(key)s") % {"key": key} if key else _("New KPI")
    return form_page(
        request,
        form,
        heading=heading,
        crumbs=_crumbs(),
        warnings=warnings,
        extra={"rule": RULE_TEXT},
    )


@login_required
def kpi_adopt(request: HttpRequest, key: str) -> HttpResponse:
    """Give an analytics KPI its governance profile: same form, the formula already there."""
    from analytics.selectors import kpis_for

    user = request.user
    require_perm(request, "governance.add_kpiprofile")
    kpi = get_object_or_404(kpis_for(user=user).filter(profile__isnull=True), key=key)
    form = KpiForm(
        request.POST or None,
        initial={
            "key": kpi.key,
            "name": kpi.name,
            "name_ja": kpi.name_ja,
            "expression": kpi.expression,
            "unit": kpi.unit,
            "display_format": kpi.display_format,
            "granularity": kpi.granularity,
            "scope_channel": kpi.scope_channel,
            "scope_team": kpi.scope_team,
            "scope_plan": kpi.scope_plan,
        },
        user=user,
        strategies=selectors.strategies_for(user=user),
        plans=selectors.plans_for(user=user),
    )
    if request.method == "POST" and form.is_valid():
        from ..services.kpis import adopt_kpi

        data = dict(form.cleaned_data)
        data["scope_channel"] = data.get("scope_channel") or ""
        profile_fields = {k: data[k] for k in ["direction", "strategy", "plan", "description"]}
        kpi_fields = {
            k: data[k]
            for k in [
                "name",
                "name_ja",
                "expression",
                "unit",
                "display_format",
                "granularity",
                "scope_channel",
                "scope_team",
                "scope_plan",
            ]
        }
        try:
            with transaction.atomic():
                profile = adopt_kpi(
                    kpi=kpi, team=data["team"], owner=data["owner"], **profile_fields
                )
                profile = update_governed_kpi(profile=profile, **kpi_fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("KPI “%(key)s” saved.") % {"key": kpi.key})
            return redirect(profile)
    return form_page(
        request,
        form,
        heading=_("Set owner and direction of %(key)s") % {"key": key},
        crumbs=_crumbs(),
    )


@login_required
def target_form(request: HttpRequest, key: str, pk: int | None = None) -> HttpResponse:
    user = request.user
    profile = get_object_or_404(
        selectors.kpi_profiles_for(user=user, action="change"), kpi__key=key
    )
    require_perm(request, "governance.change_kpitarget" if pk else "governance.add_kpitarget")
    target = get_object_or_404(KpiTarget, pk=pk, profile=profile) if pk else None
    form = TargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        try:
            set_target(profile=profile, target=target, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Target saved."))
            return redirect(profile)
    heading = _("Target for %(key)s") % {"key": key}
    return form_page(
        request,
        form,
        heading=heading,
        crumbs=_crumbs((profile.kpi.key, profile.get_absolute_url())),
        extra={"rule": RULE_TEXT},
    )


@login_required
def target_delete(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        raise PermissionDenied
    profile = get_object_or_404(
        selectors.kpi_profiles_for(user=user, action="change"), kpi__key=key
    )
    require_perm(request, "governance.delete_kpitarget")
    delete_target(target=get_object_or_404(KpiTarget, pk=pk, profile=profile))
    messages.success(request, _("Target removed."))
    return redirect(profile)
