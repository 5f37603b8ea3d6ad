"""Tool inventory reads, scoped to the user, with the 運用 risk flags computed in the database.

Flags:
- ``single_owner``: at most one person is owner or backup owner (属人化 risk; none is worse).
- ``renewal_soon``: the contract renews within ``RENEWAL_WARNING_DAYS`` (or is already past).
- ``no_runbook``: no runbook covers the tool.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from mops.permissions import restrict

from ..models import (
    AssignmentRole,
    Check,
    CheckState,
    Integration,
    Tool,
    ToolAssignment,
)

RENEWAL_WARNING_DAYS = 60
OWNER_ROLES = (AssignmentRole.OWNER, AssignmentRole.BACKUP_OWNER)
FLAGS = ("single_owner", "renewal_soon", "no_runbook")
SORTS = {
    "name",
    "-name",
    "category",
    "-category",
    "lifecycle",
    "-lifecycle",
    "renewal_date",
    "-renewal_date",
    "monthly_cost",
    "-monthly_cost",
    "team__name",
    "-team__name",
}


def tools_for(*, user: Any, action: str = "view") -> QuerySet[Tool]:
    """The tools ``user`` may ``action`` (role model permission and team object permission)."""
    return restrict(Tool.objects.select_related("team"), user, action)


def with_flags(qs: QuerySet[Tool], *, today: datetime.date | None = None) -> QuerySet[Tool]:
    """Annotate ``owner_count``, ``down_checks`` and the three flags, in the same query."""
    from ..models import Runbook

    today = today or timezone.localdate()
    owners = (
        ToolAssignment.objects.filter(tool=OuterRef("pk"), role__in=OWNER_ROLES)
        .order_by()
        .values("tool")
        .annotate(n=Count("user", distinct=True))
        .values("n")
    )
    down = (
        Check.objects.filter(tool=OuterRef("pk"), state=CheckState.DOWN)
        .order_by()
        .values("tool")
        .annotate(n=Count("pk"))
        .values("n")
    )
    runbooks = Runbook.tools.through.objects.filter(tool_id=OuterRef("pk"))
    soon = today + datetime.timedelta(days=RENEWAL_WARNING_DAYS)
    return qs.annotate(
        owner_count=Coalesce(Subquery(owners, output_field=IntegerField()), Value(0)),
        down_checks=Coalesce(Subquery(down, output_field=IntegerField()), Value(0)),
        has_runbook=Exists(runbooks),
    ).annotate(
        single_owner=Case(
            When(owner_count__lte=1, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        renewal_soon=Case(
            When(renewal_date__isnull=False, renewal_date__lte=soon, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        no_runbook=Case(
            When(has_runbook=True, then=Value(False)),
            default=Value(True),
            output_field=BooleanField(),
        ),
    )


@dataclass
class ToolFilters:
    q: str = ""
    category: str = ""
    lifecycle: str = ""
    team: str = ""  # slug
    flags: list[str] = field(default_factory=list)
    sort: str = "name"


def tool_list(*, user: Any, filters: ToolFilters) -> QuerySet[Tool]:
    """The inventory list: filtered, flagged, sorted, with owners prefetched (flat queries)."""
    qs = with_flags(tools_for(user=user))
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(vendor__icontains=filters.q)
            | Q(description__icontains=filters.q)
        )
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.lifecycle:
        qs = qs.filter(lifecycle=filters.lifecycle)
    if filters.team:
        qs = qs.filter(team__slug=filters.team)
    for flag in filters.flags:
        if flag in FLAGS:
            qs = qs.filter(**{flag: True})
    owners = ToolAssignment.objects.filter(role__in=OWNER_ROLES).select_related("user")
    qs = qs.prefetch_related(Prefetch("assignments", queryset=owners, to_attr="owner_assignments"))
    sort = filters.sort if filters.sort in SORTS else "name"
    return qs.order_by(sort, "name", "pk")


def tool_detail(*, user: Any, tool: Tool) -> dict[str, Any]:
    """Everything linked to a tool that ``user`` may see: the detail page's sections."""
    from ..models import MaintenanceWindow
    from .maintenance import windows_for
    from .monitoring import checks_for

    flagged = with_flags(Tool.objects.filter(pk=tool.pk)).get()
    integrations = Integration.objects.select_related("source", "target")
    visible_tools = tools_for(user=user).values("pk")
    runbooks = restrict(tool.runbooks.select_related("owner", "team"), user, "view")
    incidents = restrict(
        tool.incidents.select_related("team", "assignee").order_by("-triggered_at"), user, "view"
    )
    windows: QuerySet[MaintenanceWindow] = windows_for(user=user).filter(tool=tool)
    return {
        "flags": flagged,
        "assignments": tool.assignments.select_related("user").order_by("role", "priority"),
        "incoming": integrations.filter(target=tool, source__in=visible_tools),
        "outgoing": integrations.filter(source=tool, target__in=visible_tools),
        "checks": checks_for(user=user).filter(tool=tool),
        "runbooks": runbooks,
        "incidents": incidents[:20],
        "maintenance": windows.order_by("-starts_at")[:20],
    }


def tools_without_runbook(*, user: Any) -> QuerySet[Tool]:
    return with_flags(tools_for(user=user).filter(runbooks__isnull=True))
