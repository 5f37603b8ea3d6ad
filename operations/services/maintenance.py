"""Maintenance window writes, and the status they move through (scheduled → in progress → done;
cancelled by a person). The status is derived from the clock by ``update_window_statuses``, which
the evaluate task runs every minute; people only create, edit and cancel."""

from __future__ import annotations

import datetime
from typing import Any

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import grant_team_access

from ..models import MaintenanceStatus, MaintenanceWindow
from ..selectors.maintenance import next_occurrence

WINDOW_FIELDS = {"tool", "team", "title", "description", "starts_at", "ends_at", "recurrence"}
MAX_DURATION = datetime.timedelta(days=31)


def _validate(window: MaintenanceWindow) -> None:
    errors: dict[str, str] = {}
    if window.starts_at and window.ends_at:
        if window.ends_at <= window.starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        elif window.ends_at - window.starts_at > MAX_DURATION:
            errors["ends_at"] = _("A window lasts at most 31 days; split longer work.")
    window.recurrence = (window.recurrence or "").strip()
    if window.recurrence.upper().startswith("RRULE:"):
        window.recurrence = window.recurrence[6:]
    if window.recurrence and window.starts_at:
        try:
            rule = rrulestr(window.recurrence, dtstart=timezone.localtime(window.starts_at))
            first = rule.after(timezone.localtime(window.starts_at), inc=True)
        except (ValueError, TypeError) as exc:
            errors["recurrence"] = _(
                "Not a valid RRULE (%(error)s). Example: FREQ=WEEKLY;BYDAY=TU"
            ) % {"error": exc}
        else:
            if first is None:
                errors["recurrence"] = _("This rule has no occurrence after the start.")
    if (
        window.tool_id is not None
        and window.team_id is not None
        and window.tool.team_id != window.team_id
    ):
        errors["tool"] = _("Choose a tool of the window's team.")
    if errors:
        raise ValidationError(errors)


def status_at(window: MaintenanceWindow, now: datetime.datetime) -> str:
    """Scheduled, in progress or done at ``now`` (a cancelled window stays cancelled)."""
    if window.status == MaintenanceStatus.CANCELLED:
        return MaintenanceStatus.CANCELLED
    occurrence = next_occurrence(window, after=now)
    if occurrence is None:
        return MaintenanceStatus.DONE
    if occurrence.start <= now:
        return MaintenanceStatus.IN_PROGRESS
    return MaintenanceStatus.SCHEDULED


@transaction.atomic
def create_window(
    *, tool: Any, title: str, starts_at: Any, ends_at: Any, by: Any = None, **fields: Any
) -> MaintenanceWindow:
    """A one-off or recurring window on a tool; the tool's team gets access to it."""
    unknown = set(fields) - WINDOW_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    fields.setdefault("team", tool.team)
    window = MaintenanceWindow(
        tool=tool,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=by,
        **fields,
    )
    _validate(window)
    window.full_clean()
    window.status = status_at(window, timezone.now())
    window.save()
    grant_team_access(window.team, window)
    return window


@transaction.atomic
def update_window(*, window: MaintenanceWindow, **fields: Any) -> MaintenanceWindow:
    unknown = set(fields) - WINDOW_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    locked = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
    if locked.status == MaintenanceStatus.CANCELLED:
        raise ValidationError(_("A cancelled window cannot be edited; schedule a new one."))
    for key, value in fields.items():
        setattr(locked, key, value)
    locked.title = locked.title.strip()
    _validate(locked)
    locked.full_clean()
    locked.status = status_at(locked, timezone.now())
    locked.save()
    return locked


@transaction.atomic
def cancel_window(*, window: MaintenanceWindow) -> MaintenanceWindow:
    locked = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
    if locked.status == MaintenanceStatus.DONE:
        raise ValidationError(_("This window is already over; there is nothing to cancel."))
    if locked.status != MaintenanceStatus.CANCELLED:
        locked.status = MaintenanceStatus.CANCELLED
        locked.save(update_fields=["status"])
    return locked


def update_window_statuses(*, now: datetime.datetime | None = None) -> int:
    """Move scheduled / in-progress windows along the clock; returns how many changed."""
    now = now or timezone.now()
    changed = 0
    active = MaintenanceWindow.objects.filter(
        status__in=[MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS],
        starts_at__lte=now + datetime.timedelta(minutes=1),
    ).select_related("tool")
    for window in active:
        status = status_at(window, now)
        if status != window.status:
            updated = MaintenanceWindow.objects.filter(pk=window.pk, status=window.status).update(
                status=status
            )
            changed += updated
    return changed
