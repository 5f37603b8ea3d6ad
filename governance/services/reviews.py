"""PDCA reviews: create with a prepared agenda, take notes, decide, act, close.

States go draft → in meeting → closed through ``transition_review`` only (row-locked, logged).
A closed review is read-only: every service here refuses to change it, and its agenda keeps the
figures as they were computed when it closed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.models import Team
from mops.permissions import grant_team_access

from ..agenda import build_agenda
from ..models import (
    Action,
    AgendaItem,
    Cadence,
    ReviewCadence,
    ReviewMeeting,
    ReviewState,
    ReviewTransition,
)
from ..periods import review_period
from .actions import create_action
from .errors import ReviewClosed, refuse_if_closed

TRANSITIONS: dict[str, set[str]] = {
    ReviewState.DRAFT: {ReviewState.IN_MEETING},
    ReviewState.IN_MEETING: {ReviewState.CLOSED, ReviewState.DRAFT},
    ReviewState.CLOSED: set(),
}


def cadence_of(team: Team) -> str:
    row = ReviewCadence.objects.filter(team=team).first()
    return row.cadence if row else Cadence.WEEKLY


@transaction.atomic
def set_cadence(*, team: Team, cadence: str) -> ReviewCadence:
    if cadence not in Cadence.values:
        raise ValidationError({"cadence": _("Choose weekly, every two weeks or monthly.")})
    row, _created = ReviewCadence.objects.update_or_create(team=team, defaults={"cadence": cadence})
    return row


def default_title(team: Team, start: datetime.date, end: datetime.date) -> str:
    return _("%(team)s review %(start)s – %(end)s") % {
        "team": team.name,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


@transaction.atomic
def create_review(
    *,
    team: Team,
    by: Any,
    meeting_date: datetime.date | None = None,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    participants: Iterable[Any] = (),
    title: str = "",
) -> ReviewMeeting:
    """A review of ``team`` for the period of its cadence that contains the meeting date, with
    its agenda prepared at once. One review per team and period."""
    meeting_date = meeting_date or timezone.localdate()
    cadence = cadence_of(team)
    if period_start is None or period_end is None:
        period_start, period_end = review_period(cadence, meeting_date)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period must end on or after its start.")})
    if ReviewMeeting.objects.filter(
        team=team, period_start=period_start, period_end=period_end
    ).exists():
        raise ValidationError(
            {
                "period_start": _("%(team)s already has a review for %(start)s – %(end)s.")
                % {"team": team.name, "start": period_start, "end": period_end}
            }
        )
    review = ReviewMeeting(
        team=team,
        cadence=cadence,
        period_start=period_start,
        period_end=period_end,
        meeting_date=meeting_date,
        title=title.strip() or default_title(team, period_start, period_end),
        created_by=by,
    )
    review.full_clean()
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:
        raise ValidationError({"period_start": _("This period already has a review.")}) from exc
    review.participants.set(list(participants) or [by])
    grant_team_access(team, review)
    _write_agenda(review, by)
    return review


def _write_agenda(review: ReviewMeeting, user: Any) -> None:
    entries = build_agenda(review=review, user=user)
    existing = {(i.kind, i.ref): i for i in review.items.all()}
    seen = set()
    for position, entry in enumerate(entries):
        key = (entry.kind, entry.ref)
        seen.add(key)
        item = existing.get(key) or AgendaItem(review=review, kind=entry.kind, ref=entry.ref)
        item.position = position
        item.title = entry.title[:300]
        item.figures = entry.figures
        item.save()
    # Items that no longer apply go, unless someone already wrote on them.
    for key, item in existing.items():
        if key not in seen:
            if item.notes or item.root_cause or item.decision or item.actions.exists():
                item.figures = {**item.figures, "stale": True}
                item.save(update_fields=["figures"])
            else:
                item.delete()
    review.agenda_prepared_at = timezone.now()
    review.save(update_fields=["agenda_prepared_at"])


def _locked(review: ReviewMeeting) -> ReviewMeeting:
    return ReviewMeeting.objects.select_for_update().get(pk=review.pk)


@transaction.atomic
def refresh_agenda(*, review: ReviewMeeting, by: Any) -> ReviewMeeting:
    """Recompute the figures (keeping notes and decisions); refused once the review is closed."""
    review = _locked(review)
    refuse_if_closed(review)
    _write_agenda(review, by)
    return review


@transaction.atomic
def transition_review(*, review: ReviewMeeting, to: str, by: Any) -> ReviewMeeting:
    """Move a review to state ``to``. Closing freezes the agenda: the figures are recomputed
    one last time and never again."""
    locked = _locked(review)
    if locked.state == ReviewState.CLOSED:
        raise ReviewClosed(
            _("This review is closed: its agenda, notes and decisions are read-only.")
        )
    if to not in TRANSITIONS[locked.state]:
        raise ValidationError(
            {
                "state": _("A review cannot go from “%(from)s” to “%(to)s”.")
                % {"from": locked.get_state_display(), "to": to}
            }
        )
    if to == ReviewState.CLOSED:
        _write_agenda(locked, by)
        locked.closed_at = timezone.now()
    previous = locked.state
    locked.state = to
    locked.save(update_fields=["state", "closed_at"])
    ReviewTransition.objects.create(review=locked, from_state=previous, to_state=to, by=by)
    review.state, review.closed_at = locked.state, locked.closed_at
    return locked


@transaction.atomic
def update_review(
    *, review: ReviewMeeting, summary: str | None = None, participants: Iterable[Any] | None = None
) -> ReviewMeeting:
    review = _locked(review)
    refuse_if_closed(review)
    if summary is not None:
        review.summary = summary
        review.save(update_fields=["summary"])
    if participants is not None:
        review.participants.set(list(participants))
    return review


@transaction.atomic
def record_item_notes(
    *,
    item: AgendaItem,
    notes: str | None = None,
    root_cause: str | None = None,
    decision: str | None = None,
) -> AgendaItem:
    """Check and decide on one agenda item: notes, root cause, decision."""
    _locked(item.review)
    refuse_if_closed(item.review)
    item = AgendaItem.objects.get(pk=item.pk)
    for name, value in (("notes", notes), ("root_cause", root_cause), ("decision", decision)):
        if value is not None:
            setattr(item, name, value.strip())
    item.save()
    return item


def add_next_action(
    *,
    review: ReviewMeeting,
    title: str,
    owner: Any,
    due_date: datetime.date,
    by: Any,
    item: AgendaItem | None = None,
    description: str = "",
) -> Action:
    """A next action (Act) decided in the review: an action with an owner and a due date."""
    with transaction.atomic():
        _locked(review)
        if item is not None and item.review_id != review.pk:
            raise ValidationError({"item": _("That agenda item belongs to another review.")})
        plan = None
        if item is not None and item.kind == "plan":
            from ..models import Plan

            plan = Plan.objects.filter(pk=item.figures.get("id")).first()
        return create_action(
            title=title,
            owner=owner,
            due_date=due_date,
            team=review.team,
            description=description,
            review=review,
            agenda_item=item,
            plan=plan,
            by=by,
        )
