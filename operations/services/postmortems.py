"""Postmortems: write (or rewrite) the postmortem of a resolved incident and close it.

``operations.services.incidents`` re-exports ``write_postmortem``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import grant_team_access

from ..models import EventKind, Incident, IncidentState, Postmortem, PostmortemAction
from .incident_states import _require, add_event, transition

S = IncidentState


@transaction.atomic
def write_postmortem(
    *,
    incident: Incident,
    by: Any,
    summary: str,
    impact: str = "",
    root_cause: str = "",
    went_well: str = "",
    actions: Sequence[dict[str, Any]] = (),
    close: bool = True,
) -> Postmortem:
    """Write (or rewrite) the postmortem of a resolved incident and close it.

    ``actions`` is a list of ``{"title", "owner" (user or None), "due_date" (date or None)}``;
    they replace the previous action items, keeping the done flag of items with the same title.
    """
    _require(by, "change", incident)
    incident.refresh_from_db(fields=["state"])
    if incident.state not in (S.RESOLVED, S.CLOSED):
        raise ValidationError({"summary": _("Resolve the incident before writing its postmortem.")})
    errors: dict[str, list[str]] = {}
    if not (summary or "").strip():
        errors["summary"] = [_("Summarise what happened.")]
    for i, action in enumerate(actions):
        if not str(action.get("title") or "").strip():
            errors.setdefault("actions", []).append(_("Action %(n)s needs a title.") % {"n": i + 1})
        due = action.get("due_date")
        if due is not None and not isinstance(due, date):
            errors.setdefault("actions", []).append(
                _("Action %(n)s has an invalid due date.") % {"n": i + 1}
            )
    if errors:
        raise ValidationError(errors)
    postmortem, _created = Postmortem.objects.update_or_create(
        incident=incident,
        defaults={
            "summary": summary.strip(),
            "impact": impact,
            "root_cause": root_cause,
            "went_well": went_well,
            "written_by": by,
            "written_at": timezone.now(),
        },
    )
    grant_team_access(incident.team, postmortem, actions=("view", "change"))
    done = {a.title: (a.done, a.done_at) for a in postmortem.actions.all()}
    postmortem.actions.all().delete()
    PostmortemAction.objects.bulk_create(
        PostmortemAction(
            postmortem=postmortem,
            title=str(a["title"]).strip(),
            owner=a.get("owner"),
            due_date=a.get("due_date"),
            done=done.get(str(a["title"]).strip(), (False, None))[0],
            done_at=done.get(str(a["title"]).strip(), (False, None))[1],
        )
        for a in actions
    )
    if close and incident.state == S.RESOLVED:
        transition(incident=incident, to=S.CLOSED, by=by, note=_("Postmortem written"))
    else:
        add_event(
            incident=incident,
            kind=EventKind.COMMENT,
            actor=by,
            message=_("Postmortem updated"),
            data={"postmortem": postmortem.pk, "actions": len(actions)},
        )
    return postmortem


__all__ = ["write_postmortem"]
