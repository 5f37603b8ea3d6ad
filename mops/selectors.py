"""Core reads: tokens a user may see, teams, the audit trail of an object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet

from .models import ApiToken, Team
from .permissions import is_admin


def tokens_for(*, user: Any) -> QuerySet[ApiToken]:
    """A user manages their own tokens; admins see every token."""
    qs = ApiToken.objects.select_related("owner")
    return qs if is_admin(user) else qs.filter(owner=user)


def teams_for(*, user: Any) -> QuerySet[Team]:
    return Team.objects.prefetch_related("memberships__user")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class AuditEntry:
    when: datetime
    who: Any
    action: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange]


def history_of(obj: Model, *, limit: int = 50) -> list[AuditEntry]:
    """Who changed what and when, newest first, with before/after values per field."""
    history = getattr(obj, "history", None)
    if history is None:
        return []
    records = list(history.select_related("history_user").order_by("-history_date")[: limit + 1])
    entries = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        changes: list[FieldChange] = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            changes = [FieldChange(c.field, c.old, c.new) for c in delta.changes]
        entries.append(
            AuditEntry(
                when=record.history_date,
                who=record.history_user,
                action=record.history_type,
                changes=changes,
            )
        )
    return entries
