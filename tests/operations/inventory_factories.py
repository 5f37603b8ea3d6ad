"""Builders for inventory, check and maintenance tests (through the services, as the app does)."""

from __future__ import annotations

import datetime
from typing import Any

from operations.models import Check, MaintenanceWindow, Tool
from operations.services.inventory import assign_person, create_tool
from operations.services.maintenance import create_window
from operations.services.monitoring import create_check


def make_tool(team: Any, name: str = "Salesforce", **fields: Any) -> Tool:
    fields.setdefault("category", "crm")
    return create_tool(team=team, name=name, **fields)


def make_check(
    team: Any, name: str = "Nightly load", kind: str = "heartbeat", **fields: Any
) -> Check:
    if kind == "heartbeat":
        fields.setdefault("period_seconds", 3600)
        fields.setdefault("grace_seconds", 600)
    return create_check(team=team, name=name, kind=kind, **fields)


def make_window(
    tool: Tool, start: datetime.datetime, hours: float = 2, **fields: Any
) -> MaintenanceWindow:
    return create_window(
        tool=tool,
        title=fields.pop("title", "Upgrade"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours),
        **fields,
    )


def owners(tool: Tool, *users: Any) -> None:
    for i, user in enumerate(users):
        assign_person(tool=tool, user=user, role="owner" if i == 0 else "backup_owner")
