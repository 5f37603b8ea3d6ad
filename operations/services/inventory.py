"""Tool inventory writes: tools, the people assigned to them and integrations between tools."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mops.permissions import grant_team_access

from ..models import Integration, Tool, ToolAssignment

TOOL_FIELDS = {
    "name",
    "category",
    "vendor",
    "url",
    "team",
    "lifecycle",
    "licence_seats",
    "monthly_cost",
    "currency",
    "renewal_date",
    "holds_personal_data",
    "description",
}


def _check_fields(fields: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")


def _unique_name(tool: Tool) -> None:
    clash = Tool.objects.filter(team=tool.team, name__iexact=tool.name.strip())
    if tool.pk:
        clash = clash.exclude(pk=tool.pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("The team already has a tool with this name; choose another name.")}
        )


@transaction.atomic
def create_tool(*, team: Any, name: str, **fields: Any) -> Tool:
    """A tool in the inventory; its team gets view/change/delete on it."""
    _check_fields(fields, TOOL_FIELDS)
    tool = Tool(team=team, name=name.strip(), **fields)
    tool.currency = (tool.currency or "JPY").upper()
    _unique_name(tool)
    tool.full_clean()
    tool.save()
    grant_team_access(team, tool)
    return tool


@transaction.atomic
def update_tool(*, tool: Tool, **fields: Any) -> Tool:
    """Change a tool's facts. Moving it to another team moves the team's access with it."""
    _check_fields(fields, TOOL_FIELDS)
    old_team = tool.team
    for key, value in fields.items():
        setattr(tool, key, value)
    tool.name = tool.name.strip()
    tool.currency = (tool.currency or "JPY").upper()
    _unique_name(tool)
    tool.full_clean()
    tool.save()
    if tool.team_id != old_team.pk:
        from mops.permissions import revoke_team_access

        revoke_team_access(old_team, tool)
        grant_team_access(tool.team, tool)
    return tool


@transaction.atomic
def assign_person(*, tool: Tool, user: Any, role: str, priority: int = 1) -> ToolAssignment:
    """Give a person a role on a tool (owner, backup owner, admin, user); re-assigning the same
    role only changes its priority."""
    assignment = ToolAssignment.objects.filter(tool=tool, user=user, role=role).first()
    if assignment is None:
        assignment = ToolAssignment(tool=tool, user=user, role=role, priority=priority)
    else:
        assignment.priority = priority
    assignment.full_clean(validate_constraints=False)
    assignment.save()
    return assignment


@transaction.atomic
def unassign_person(*, assignment: ToolAssignment) -> None:
    assignment.delete()


@transaction.atomic
def create_integration(
    *,
    source: Tool,
    target: Tool,
    data_flow: str,
    frequency: str = "daily",
    freshness_hours: int | None = None,
    description: str = "",
) -> Integration:
    """Data flowing from ``source`` to ``target``; a tool does not integrate with itself."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose a different tool: a tool cannot feed itself.")})
    integration = Integration(
        source=source,
        target=target,
        data_flow=data_flow.strip(),
        frequency=frequency,
        freshness_hours=freshness_hours,
        description=description,
    )
    integration.full_clean(validate_constraints=False)
    if Integration.objects.filter(
        source=source, target=target, data_flow=integration.data_flow
    ).exists():
        raise ValidationError(
            {"data_flow": _("This integration is already recorded for these two tools.")}
        )
    try:
        with transaction.atomic():
            integration.save()
    except IntegrityError as exc:  # a concurrent save of the same integration
        raise ValidationError(
            {"data_flow": _("This integration is already recorded for these two tools.")}
        ) from exc
    return integration


@transaction.atomic
def delete_integration(*, integration: Integration) -> None:
    integration.delete()
