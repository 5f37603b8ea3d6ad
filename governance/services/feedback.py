"""Feedback items: requests from management to operations and escalations the other way."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mops.models import Team
from mops.permissions import grant_team_access, grant_user_access

from ..models import FeedbackDirection, FeedbackItem, FeedbackStatus

LINKS = {"review", "plan", "kpi", "tool", "runbook", "monitoring_check", "incident"}
EDITABLE = {"title", "body", "status", "owner", "resolution", *LINKS}


def _check(item: FeedbackItem) -> None:
    errors: dict[str, str] = {}
    if not item.title.strip():
        errors["title"] = _("Say in one line what is asked.")
    if item.from_team_id == item.to_team_id:
        errors["to_team"] = _("Feedback goes to another team than the one it comes from.")
    if item.status in (FeedbackStatus.DECLINED,) and not item.resolution.strip():
        errors["resolution"] = _("Say why the request is declined.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_feedback(
    *,
    direction: str,
    title: str,
    from_team: Team,
    to_team: Team,
    by: Any,
    body: str = "",
    owner: Any = None,
    **links: Any,
) -> FeedbackItem:
    """A feedback item both teams see; its owner (on the receiving side) may update it."""
    unknown = set(links) - LINKS
    if unknown:
        raise TypeError(f"unknown links: {sorted(unknown)}")
    if direction not in FeedbackDirection.values:
        raise ValidationError({"direction": _("Choose a direction.")})
    item = FeedbackItem(
        direction=direction,
        title=title.strip(),
        body=body,
        from_team=from_team,
        to_team=to_team,
        owner=owner,
        created_by=by,
        **links,
    )
    _check(item)
    item.full_clean()
    item.save()
    for team in (from_team, to_team):
        grant_team_access(team, item, ["view", "change"])
    if owner is not None:
        grant_user_access(owner, item, ["view", "change"])
    return item


@transaction.atomic
def update_feedback(*, item: FeedbackItem, **fields: Any) -> FeedbackItem:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    old_owner = item.owner_id
    for name, value in fields.items():
        setattr(item, name, value)
    _check(item)
    item.full_clean()
    item.save()
    if item.owner_id and item.owner_id != old_owner:
        grant_user_access(item.owner, item, ["view", "change"])
    return item
