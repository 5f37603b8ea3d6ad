"""Vision, strategies, plans and their monthly budgets."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from mops.models import Team
from mops.permissions import grant_team_access

from ..models import Plan, PlanBudget, Strategy, Vision


def _apply(obj: models.Model, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(obj, name, value)


def _check_period(start: Any, end: Any, start_field: str, end_field: str) -> None:
    if start and end and end < start:
        raise ValidationError(
            {
                end_field: _("End date must be on or after the start date (%(start)s).")
                % {"start": start}
            }
        )


@transaction.atomic
def save_vision(*, team: Team | None, vision: str, mission: str = "", by: Any = None) -> Vision:
    """The organisation's (``team=None``) or a team's vision; one row each, updated in place."""
    # order_by: the default ordering joins the team, and FOR UPDATE refuses outer joins.
    locked = Vision.objects.select_for_update().filter(team=team).order_by("pk")
    obj = locked.first() or Vision(team=team)
    obj.vision = vision.strip()
    obj.mission = mission.strip()
    obj.updated_by = by
    if not obj.vision:
        raise ValidationError({"vision": _("Write the vision: where the organisation is going.")})
    obj.full_clean()
    obj.save()
    if team is not None:
        grant_team_access(team, obj)
    return obj


STRATEGY_FIELDS = {
    "title",
    "description",
    "team",
    "owner",
    "status",
    "period_kind",
    "period_start",
    "period_end",
    "market",
    "competitors",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
}


@transaction.atomic
def create_strategy(**fields: Any) -> Strategy:
    """A strategy for a period; its team may see and edit it."""
    unknown = set(fields) - STRATEGY_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    _check_period(
        fields.get("period_start"), fields.get("period_end"), "period_start", "period_end"
    )
    strategy = Strategy(**fields)
    strategy.full_clean()
    strategy.save()
    grant_team_access(strategy.team, strategy)
    return strategy


@transaction.atomic
def update_strategy(*, strategy: Strategy, **fields: Any) -> Strategy:
    unknown = set(fields) - STRATEGY_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    old_team = strategy.team
    _apply(strategy, fields)
    _check_period(strategy.period_start, strategy.period_end, "period_start", "period_end")
    strategy.full_clean()
    strategy.save()
    if strategy.team_id != old_team.pk:
        grant_team_access(strategy.team, strategy)
    return strategy


PLAN_FIELDS = {
    "strategy",
    "title",
    "objective",
    "team",
    "owner",
    "status",
    "start_date",
    "end_date",
    "budget",
    "currency",
}


def _check_plan(plan: Plan) -> None:
    _check_period(plan.start_date, plan.end_date, "start_date", "end_date")
    strategy = plan.strategy
    if (
        plan.start_date
        and plan.end_date
        and (plan.start_date > strategy.period_end or plan.end_date < strategy.period_start)
    ):
        raise ValidationError(
            {
                "start_date": _(
                    "The plan must overlap its strategy's period (%(start)s – %(end)s)."
                )
                % {"start": strategy.period_start, "end": strategy.period_end}
            }
        )


@transaction.atomic
def create_plan(**fields: Any) -> Plan:
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    plan = Plan(**fields)
    _check_plan(plan)
    plan.full_clean()
    plan.save()
    grant_team_access(plan.team, plan)
    return plan


@transaction.atomic
def update_plan(*, plan: Plan, **fields: Any) -> Plan:
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    old_team = plan.team_id
    _apply(plan, fields)
    _check_plan(plan)
    plan.full_clean()
    plan.save()
    if plan.team_id != old_team:
        grant_team_access(plan.team, plan)
    return plan


def month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


@transaction.atomic
def set_plan_budget(*, plan: Plan, amounts: Iterable[tuple[datetime.date, Decimal]]) -> Plan:
    """Replace the plan's monthly budget rows; the plan's budget becomes their total.

    Months must fall within the plan's schedule; a month of zero removes that month's row.
    """
    valid = set(month_starts(plan.start_date, plan.end_date))
    rows: dict[datetime.date, Decimal] = {}
    for month, amount in amounts:
        month = month.replace(day=1)
        if month not in valid:
            raise ValidationError(
                {
                    "budget": _("%(month)s is outside the plan's schedule (%(start)s – %(end)s).")
                    % {
                        "month": month.strftime("%Y-%m"),
                        "start": plan.start_date,
                        "end": plan.end_date,
                    }
                }
            )
        if amount is None or amount < 0:
            raise ValidationError({"budget": _("A monthly budget cannot be negative.")})
        if amount:
            rows[month] = Decimal(amount)
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    plan.budget_rows.exclude(month__in=rows).delete()
    for month, amount in rows.items():
        PlanBudget.objects.update_or_create(plan=plan, month=month, defaults={"amount": amount})
    plan.budget = sum(rows.values(), Decimal(0))
    plan.save(update_fields=["budget", "updated_at"])
    return plan
