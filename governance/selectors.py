"""Governance reads, scoped to what the user may see (``restrict`` is the only door)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from mops.models import Team
from mops.permissions import is_admin, restrict

from .models import (
    CAPABLE,
    OPEN_STATUSES,
    Action,
    ActionQuerySet,
    ActionStatus,
    KpiProfile,
    Plan,
    ReviewMeeting,
    Skill,
    SkillRating,
    Strategy,
    Vision,
    at_risk,
)


def strategies_for(*, user: Any, action: str = "view") -> QuerySet[Strategy]:
    return restrict(Strategy.objects.select_related("team", "owner"), user, action)


def plans_for(*, user: Any, action: str = "view") -> QuerySet[Plan]:
    return restrict(Plan.objects.select_related("team", "owner", "strategy"), user, action)


def actions_for(*, user: Any, action: str = "view") -> ActionQuerySet:
    """Actions of the user's teams, plus the actions the user owns (personal permission)."""
    qs = restrict(Action.objects.select_related("owner", "team", "plan", "review"), user, action)
    return cast(ActionQuerySet, qs)


def my_actions(*, user: Any) -> ActionQuerySet:
    return actions_for(user=user).filter(owner=user)


def overdue_actions(*, user: Any, today: datetime.date | None = None) -> ActionQuerySet:
    return actions_for(user=user).overdue(today)


def reviews_for(*, user: Any, action: str = "view") -> QuerySet[ReviewMeeting]:
    return restrict(ReviewMeeting.objects.select_related("team", "created_by"), user, action)


def kpi_profiles_for(*, user: Any, action: str = "view") -> QuerySet[KpiProfile]:
    return restrict(
        KpiProfile.objects.select_related("kpi", "team", "owner", "strategy", "plan"),
        user,
        action,
    )


def visions_for(*, user: Any) -> list[Vision]:
    """The organisation's vision (everyone with the role permission) and their teams' own."""
    if not (is_admin(user) or user.has_perm("governance.view_vision")):
        return []
    teams = restrict(Vision.objects.filter(team__isnull=False), user, "view")
    org = Vision.objects.filter(team__isnull=True)
    return list((org | teams).select_related("team").order_by("team__name"))


@dataclass
class PlanProgress:
    """Where a plan stands: budget against spend (per currency), schedule, actions."""

    plan: Plan
    as_of: datetime.date
    budget_total: Decimal
    budget_to_date: Decimal
    spend: dict[str, float]
    spend_by_month: dict[datetime.date, dict[str, float]]
    budget_by_month: dict[datetime.date, Decimal]
    actions_total: int
    actions_done: int
    actions_overdue: int
    time_elapsed: float | None
    warnings: list[str] = field(default_factory=list)

    @property
    def spend_in_plan_currency(self) -> float:
        return self.spend.get(self.plan.currency, 0.0)

    @property
    def burn(self) -> float | None:
        """Spend in the plan's currency as a share of the whole budget."""
        if not self.budget_total:
            return None
        return self.spend_in_plan_currency / float(self.budget_total)

    @property
    def burn_to_date(self) -> float | None:
        if not self.budget_to_date:
            return None
        return self.spend_in_plan_currency / float(self.budget_to_date)

    @property
    def other_currencies(self) -> dict[str, float]:
        return {c: v for c, v in self.spend.items() if c != self.plan.currency}


def plan_spend(
    *, user: Any, plan: Plan, date_to: datetime.date | None = None
) -> dict[datetime.date, dict[str, float]]:
    """The cost facts of the plan's campaigns, by month and currency (never added across)."""
    from analytics.selectors import facts_for

    end = min(plan.end_date, date_to) if date_to else plan.end_date
    rows = (
        facts_for(user=user)
        .filter(
            campaign__plan=plan,
            metric__key="cost",
            date__gte=plan.start_date,
            date__lte=end,
        )
        .annotate(month=TruncMonth("date"))
        .values("month", "campaign__currency")
        .annotate(total=Sum("value"))
        .order_by("month")
    )
    by_month: dict[datetime.date, dict[str, float]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        by_month[month][row["campaign__currency"]] = float(row["total"] or 0)
    return dict(by_month)


def plan_progress(*, user: Any, plan: Plan, as_of: datetime.date | None = None) -> PlanProgress:
    as_of = as_of or timezone.localdate()
    budget_by_month = {row.month: row.amount for row in plan.budget_rows.all()}
    budget_total = sum(budget_by_month.values(), Decimal(0)) or plan.budget
    budget_to_date = sum(
        (amount for month, amount in budget_by_month.items() if month <= as_of), Decimal(0)
    )
    spend_by_month = plan_spend(user=user, plan=plan, date_to=as_of)
    spend: dict[str, float] = defaultdict(float)
    for per_currency in spend_by_month.values():
        for currency, value in per_currency.items():
            spend[currency] += value
    counts = Action.objects.filter(plan=plan).aggregate(
        total=Count("pk", filter=~Q(status=ActionStatus.CANCELLED)),
        done=Count("pk", filter=Q(status=ActionStatus.DONE)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=as_of)),
    )
    days = (plan.end_date - plan.start_date).days + 1
    elapsed = min(max((as_of - plan.start_date).days + 1, 0), days)
    return PlanProgress(
        plan=plan,
        as_of=as_of,
        budget_total=budget_total,
        budget_to_date=budget_to_date,
        spend=dict(spend),
        spend_by_month=spend_by_month,
        budget_by_month=budget_by_month,
        actions_total=counts["total"],
        actions_done=counts["done"],
        actions_overdue=counts["overdue"],
        time_elapsed=elapsed / days if days else None,
    )


def feedback_for(*, user: Any, action: str = "view") -> QuerySet[Any]:
    from .models import FeedbackItem

    return restrict(
        FeedbackItem.objects.select_related("from_team", "to_team", "owner", "created_by"),
        user,
        action,
    )


def skills_for(*, user: Any, action: str = "view") -> QuerySet[Skill]:
    return restrict(Skill.objects.select_related("team", "tool"), user, action)


def capable_members() -> Count:
    """Per skill: its team's current members who can do it alone (level 3 or more)."""
    return Count(
        "ratings",
        filter=Q(ratings__level__gte=CAPABLE, ratings__user__team_memberships__team=F("team")),
        distinct=True,
    )


def skills_of_tool(*, user: Any, tool: Any) -> QuerySet[Skill]:
    """The skills (of the teams the user may see) that name ``tool``, each with ``capable``."""
    return skills_for(user=user).filter(tool=tool).annotate(capable=capable_members())


@dataclass
class MatrixRow:
    member: Any
    cells: list[tuple[Skill, int | None]]


@dataclass
class SkillMatrix:
    """A team's skills (columns) and members (rows); ``capable`` counts, per skill, the current
    members who can do it alone (level 3 or more): one is a 属人化 risk, none a gap."""

    team: Team
    skills: list[Skill]
    rows: list[MatrixRow]
    capable: dict[int, int]

    @property
    def at_risk(self) -> list[Skill]:
        return [s for s in self.skills if at_risk(self.capable[s.pk])]


def skill_matrix(*, user: Any, team: Team) -> SkillMatrix:
    """Three queries: the team's skills the user may see, its members, their ratings."""
    # the team is known: only the tool is joined
    skills = list(
        skills_for(user=user).filter(team=team).select_related(None).select_related("tool")
    )
    members = [
        m.user
        for m in team.memberships.select_related("user").order_by(
            "user__last_name", "user__first_name", "user__username"
        )
    ]
    levels = {
        (user_id, skill_id): level
        for user_id, skill_id, level in SkillRating.objects.filter(
            skill__in=skills, user__in=members
        ).values_list("user_id", "skill_id", "level")
    }
    rows = [
        MatrixRow(member, [(skill, levels.get((member.pk, skill.pk))) for skill in skills])
        for member in members
    ]
    capable = {
        skill.pk: sum(1 for row in rows if (levels.get((row.member.pk, skill.pk)) or 0) >= CAPABLE)
        for skill in skills
    }
    return SkillMatrix(team, skills, rows, capable)
