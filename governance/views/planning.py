"""Strategies and plans: lists, detail pages, create/edit, monthly budgets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mops.forms import add_service_errors
from mops.permissions import can
from mops.selectors import history_of

from .. import selectors
from ..forms import BudgetForm, PlanForm, StrategyForm
from ..models import PlanStatus, StrategyStatus
from ..periods import fiscal_period_of
from ..services.planning import (
    create_plan,
    create_strategy,
    month_starts,
    set_plan_budget,
    update_plan,
    update_strategy,
)
from .common import form_page, require_perm


def _crumbs(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Governance"), reverse("governance:index")), *extra]


@login_required
def strategy_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.strategies_for(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if request.GET.get("status") in StrategyStatus.values:
        qs = qs.filter(status=request.GET["status"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/strategy_list.html",
        {"page": page, "statuses": StrategyStatus.choices, "query": request.GET},
    )


@login_required
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = get_object_or_404(selectors.strategies_for(user=request.user), pk=pk)
    plans = selectors.plans_for(user=request.user).filter(strategy=strategy)
    kpis = selectors.kpi_profiles_for(user=request.user).filter(strategy=strategy)
    return render(
        request,
        "governance/strategy_detail.html",
        {
            "strategy": strategy,
            "plans": plans,
            "kpis": kpis,
            "fiscal": fiscal_period_of(strategy.period_kind, strategy.period_start),
            "can_change": can(request.user, "change", strategy),
            "can_add_plan": request.user.has_perm("governance.add_plan"),
            "history": history_of(strategy),
        },
    )


@login_required
def strategy_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk:
        instance = get_object_or_404(
            selectors.strategies_for(user=request.user, action="change"), pk=pk
        )
    require_perm(request, "governance.change_strategy" if pk else "governance.add_strategy")
    form = StrategyForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {
            k: v for k, v in form.cleaned_data.items() if k not in {"fiscal_year", "period_index"}
        }
        try:
            strategy = (
                update_strategy(strategy=instance, **data) if instance else create_strategy(**data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Strategy “%(title)s” saved.") % {"title": strategy.title})
            return redirect(strategy)
    crumbs = _crumbs((_("Strategies"), reverse("governance:strategy_list")))
    heading = _("Edit strategy") if instance else _("New strategy")
    return form_page(request, form, heading=heading, crumbs=crumbs)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.plans_for(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(objective__icontains=q))
    if request.GET.get("status") in PlanStatus.values:
        qs = qs.filter(status=request.GET["status"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/plan_list.html",
        {"page": page, "statuses": PlanStatus.choices, "query": request.GET},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = get_object_or_404(selectors.plans_for(user=user), pk=pk)
    from analytics.selectors import campaigns_for

    progress = selectors.plan_progress(user=user, plan=plan)
    months = []
    for month in month_starts(plan.start_date, plan.end_date):
        months.append(
            {
                "month": month,
                "budget": progress.budget_by_month.get(month),
                "spend": progress.spend_by_month.get(month, {}).get(plan.currency),
            }
        )
    return render(
        request,
        "governance/plan_detail.html",
        {
            "plan": plan,
            "progress": progress,
            "months": months,
            "campaigns": campaigns_for(user=user).filter(plan=plan).order_by("name"),
            "kpis": selectors.kpi_profiles_for(user=user).filter(
                Q(plan=plan) | Q(kpi__scope_plan=plan)
            ),
            "actions": selectors.actions_for(user=user).filter(plan=plan),
            "can_change": can(user, "change", plan),
            "can_add_action": user.has_perm("governance.add_action"),
            "history": history_of(plan),
        },
    )


@login_required
def plan_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk:
        instance = get_object_or_404(selectors.plans_for(user=request.user, action="change"), pk=pk)
    require_perm(request, "governance.change_plan" if pk else "governance.add_plan")
    strategies = selectors.strategies_for(user=request.user)
    initial = {}
    if not instance and request.GET.get("strategy"):
        initial["strategy"] = strategies.filter(pk=request.GET["strategy"]).first()
    form = PlanForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        user=request.user,
        strategies=strategies,
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = (
                update_plan(plan=instance, **form.cleaned_data)
                if instance
                else create_plan(**form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Plan “%(title)s” saved.") % {"title": plan.title})
            return redirect(plan)
    crumbs = _crumbs((_("Plans"), reverse("governance:plan_list")))
    return form_page(
        request, form, heading=_("Edit plan") if instance else _("New plan"), crumbs=crumbs
    )


@login_required
def plan_budget(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_for(user=request.user, action="change"), pk=pk)
    require_perm(request, "governance.change_planbudget")
    months = month_starts(plan.start_date, plan.end_date)
    form = BudgetForm(request.POST or None, plan=plan, months=months)
    if request.method == "POST" and form.is_valid():
        try:
            set_plan_budget(plan=plan, amounts=form.amounts())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Monthly budget saved."))
            return redirect(plan)
    crumbs = _crumbs(
        (_("Plans"), reverse("governance:plan_list")), (plan.title, plan.get_absolute_url())
    )
    return form_page(
        request,
        form,
        heading=_("Monthly budget: %(title)s (%(currency)s)")
        % {"title": plan.title, "currency": plan.currency},
        crumbs=crumbs,
    )
