"""Actions: created by managers or from a review's decisions; owners update their own."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.models import Team
from mops.permissions import grant_team_access, grant_user_access

from ..models import Action, ActionStatus, AgendaItem, Plan, ReviewMeeting
from .errors import refuse_if_closed

ACTION_FIELDS = {"title", "description", "owner", "due_date", "status", "plan"}


def _check(action: Action) -> None:
    errors: dict[str, str] = {}
    if not (action.title or "").strip():
        errors["title"] = _("Say what has to be done.")
    if action.due_date is None:
        errors["due_date"] = _("Give the action a due date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_action(
    *,
    title: str,
    owner: Any,
    due_date: datetime.date,
    team: Team | None = None,
    description: str = "",
    status: str = ActionStatus.OPEN,
    plan: Plan | None = None,
    review: ReviewMeeting | None = None,
    agenda_item: AgendaItem | None = None,
    by: Any = None,
) -> Action:
    """An action with an owner; the team sees it and the owner may update it (any team).

    An action created in a review is the review's "Act" and is refused once the review closed.
    """
    if review is not None:
        refuse_if_closed(review)
    team = team or (plan.team if plan else None) or (review.team if review else None)
    if team is None:
        raise ValidationError({"team": _("Choose the team the action belongs to.")})
    action = Action(
        title=title.strip(),
        description=description,
        owner=owner,
        due_date=due_date,
        status=status,
        plan=plan,
        review=review,
        agenda_item=agenda_item,
        team=team,
        created_by=by,
    )
    _check(action)
    action.full_clean()
    action.save()
    grant_team_access(team, action)
    grant_user_access(owner, action, ["view", "change"])
    return action


@transaction.atomic
def update_action(*, action: Action, **fields: Any) -> Action:
    """Change an action; reassigning it gives the new owner the right to update it."""
    unknown = set(fields) - ACTION_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    action = Action.objects.select_for_update().get(pk=action.pk)
    old_owner = action.owner_id
    for name, value in fields.items():
        setattr(action, name, value)
    _check(action)
    if action.status == ActionStatus.DONE and action.completed_at is None:
        action.completed_at = timezone.now()
    elif action.status != ActionStatus.DONE:
        action.completed_at = None
    action.full_clean()
    action.save()
    if action.owner_id != old_owner:
        grant_user_access(action.owner, action, ["view", "change"])
    return action
