"""Runbook writes: create and edit (each edit is a new version), review, and executions.

Rules enforced here, for the pages, the API and the demo alike:
- every change to a runbook makes a new numbered :class:`RunbookVersion` holding the body and the
  steps (rows and a JSON snapshot); old versions stay readable;
- ops staff of the runbook's team manage and execute it (role permission + team object
  permission); the runbook's team gets the object permissions when it is created;
- executions check steps off in order; an approval step can only be given by someone holding the
  step's role, and nothing after it can be checked off before it; a decision step records the
  decision taken; finishing records the outcome (a success needs every step done).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.models import Role, Team
from mops.permissions import can, grant_team_access, is_admin, restrict, revoke_team_access

from ..models import CheckKind, Runbook, RunbookStep, RunbookVersion, StepKind, Tool
from .runbook_executions import (  # noqa: F401 - one import path for every runbook write
    EXECUTION_ACTIONS,
    check_off_step,
    finish_execution,
    may_execute,
    start_execution,
)

MAX_BODY = 100_000
MAX_STEPS = 100


@dataclass(frozen=True)
class StepInput:
    """One step as a form or the API gives it; its position in the list is its order."""

    title: str
    body: str = ""
    kind: str = StepKind.ACTION
    approver_role: str = ""


def _clean_steps(steps: Sequence[StepInput | dict[str, Any]]) -> list[StepInput]:
    if len(steps) > MAX_STEPS:
        raise ValidationError(
            {"steps": _("A runbook has at most %(max)s steps.") % {"max": MAX_STEPS}}
        )
    cleaned: list[StepInput] = []
    errors: list[str] = []
    for number, raw in enumerate(steps, start=1):
        step = StepInput(**raw) if isinstance(raw, dict) else raw
        title = (step.title or "").strip()
        kind = step.kind or StepKind.ACTION
        role = (step.approver_role or "").strip() if kind == StepKind.APPROVAL else ""
        if not title:
            errors.append(_("Step %(n)s: give the step a title.") % {"n": number})
        elif len(title) > 200:
            errors.append(_("Step %(n)s: keep the title under 200 characters.") % {"n": number})
        if kind not in StepKind.values:
            errors.append(
                _("Step %(n)s: unknown kind %(kind)s; choose one of %(choices)s.")
                % {"n": number, "kind": kind, "choices": ", ".join(StepKind.values)}
            )
        elif kind == StepKind.APPROVAL and role not in Role.values:
            errors.append(
                _("Step %(n)s: an approval step needs the role that approves it (%(roles)s).")
                % {"n": number, "roles": ", ".join(Role.values)}
            )
        cleaned.append(
            StepInput(title=title, body=(step.body or "").strip(), kind=kind, approver_role=role)
        )
    if errors:
        raise ValidationError({"steps": errors})
    return cleaned


def _clean_fields(
    *,
    by: Any,
    team: Team,
    owner: Any,
    check_kinds: Iterable[str],
    tools: Iterable[Tool],
    body_markdown: str,
    review_interval_days: int,
) -> tuple[list[str], list[Tool]]:
    errors: dict[str, list[str]] = {}
    if not is_admin(by) and not by.teams.filter(pk=team.pk).exists():
        errors["team"] = [_("Choose one of your teams.")]
    if owner is not None and not team.members.filter(pk=owner.pk).exists():
        errors["owner"] = [_("The owner must be a member of the runbook's team.")]
    kinds = list(dict.fromkeys(check_kinds))
    unknown = [k for k in kinds if k not in CheckKind.values]
    if unknown:
        errors["check_kinds"] = [
            _("Unknown check kind %(kind)s; choose from %(choices)s.")
            % {"kind": ", ".join(unknown), "choices": ", ".join(CheckKind.values)}
        ]
    tool_list = list(dict.fromkeys(tools))
    visible = set(
        restrict(Tool.objects.filter(pk__in=[t.pk for t in tool_list]), by, "view").values_list(
            "pk", flat=True
        )
    )
    if any(t.pk not in visible for t in tool_list):
        errors["tools"] = [_("Unknown tool, or not one of your teams' tools.")]
    if len(body_markdown) > MAX_BODY:
        errors["body_markdown"] = [
            _("Keep the body under %(max)s characters.") % {"max": f"{MAX_BODY:,}"}
        ]
    if not isinstance(review_interval_days, int) or not 1 <= review_interval_days <= 3650:
        errors["review_interval_days"] = [
            _("Review every 1 to 3,650 days (for example 90 for a quarterly review).")
        ]
    if errors:
        raise ValidationError(errors)
    return kinds, tool_list


def _add_version(
    *, runbook: Runbook, by: Any, body_markdown: str, steps: list[StepInput], change_note: str
) -> RunbookVersion:
    latest = runbook.versions.aggregate(n=Max("number"))["n"] or 0
    version = RunbookVersion.objects.create(
        runbook=runbook,
        number=latest + 1,
        body_markdown=body_markdown,
        steps_snapshot=[{"order": i, **asdict(s)} for i, s in enumerate(steps, start=1)],
        author=by,
        change_note=change_note.strip()[:300],
    )
    RunbookStep.objects.bulk_create(
        RunbookStep(
            version=version,
            order=i,
            title=s.title,
            body=s.body,
            kind=s.kind,
            approver_role=s.approver_role,
        )
        for i, s in enumerate(steps, start=1)
    )
    return version


@transaction.atomic
def create_runbook(
    *,
    team: Team,
    title: str,
    by: Any,
    summary: str = "",
    body_markdown: str = "",
    steps: Sequence[StepInput | dict[str, Any]] = (),
    tools: Iterable[Tool] = (),
    check_kinds: Iterable[str] = (),
    owner: Any = None,
    review_interval_days: int = 90,
    change_note: str = "",
) -> Runbook:
    """A runbook with its first version; its team may view, change and delete it."""
    if not (is_admin(by) or by.has_perm("operations.add_runbook")):
        raise PermissionDenied(_("You may not write runbooks."))
    cleaned_steps = _clean_steps(steps)
    kinds, tool_list = _clean_fields(
        by=by,
        team=team,
        owner=owner,
        check_kinds=check_kinds,
        tools=tools,
        body_markdown=body_markdown,
        review_interval_days=review_interval_days,
    )
    runbook = Runbook(
        team=team,
        title=title.strip(),
        summary=summary.strip(),
        owner=owner,
        check_kinds=kinds,
        review_interval_days=review_interval_days,
        last_reviewed_at=timezone.now(),
    )
    runbook.full_clean(exclude=["current_version"])
    runbook.save()
    runbook.tools.set(tool_list)
    grant_team_access(team, runbook)
    runbook.current_version = _add_version(
        runbook=runbook,
        by=by,
        body_markdown=body_markdown,
        steps=cleaned_steps,
        change_note=change_note or _("First version"),
    )
    runbook.save(update_fields=["current_version", "updated_at"])
    return runbook


def _snapshot(steps: list[StepInput]) -> list[dict[str, Any]]:
    return [{"order": i, **asdict(s)} for i, s in enumerate(steps, start=1)]


@transaction.atomic
def update_runbook(*, runbook: Runbook, by: Any, change_note: str = "", **changes: Any) -> Runbook:
    """Apply the changes; any change makes a new version (none: nothing is written).

    ``changes`` may hold title, summary, team, owner, review_interval_days, check_kinds, tools,
    body_markdown and steps; fields left out keep their value.
    """
    allowed = {
        "title",
        "summary",
        "team",
        "owner",
        "review_interval_days",
        "check_kinds",
        "tools",
        "body_markdown",
        "steps",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in unknown})
    if not can(by, "change", runbook):
        raise PermissionDenied(_("You may not change this runbook."))
    runbook = Runbook.objects.select_for_update().get(pk=runbook.pk)
    current = runbook.current_version
    old_steps = current.steps_snapshot if current else []
    old_body = current.body_markdown if current else ""
    body = changes.get("body_markdown", old_body)
    steps = (
        _clean_steps(changes["steps"])
        if "steps" in changes
        else [
            StepInput(
                s["title"],
                s.get("body", ""),
                s.get("kind", StepKind.ACTION),
                s.get("approver_role", ""),
            )
            for s in old_steps
        ]
    )
    team = changes.get("team", runbook.team)
    old_tools = list(runbook.tools.all())
    kinds, tool_list = _clean_fields(
        by=by,
        team=team,
        owner=changes.get("owner", runbook.owner),
        check_kinds=changes.get("check_kinds", runbook.check_kinds),
        tools=changes.get("tools", old_tools),
        body_markdown=body,
        review_interval_days=changes.get("review_interval_days", runbook.review_interval_days),
    )
    old_team = runbook.team
    meta = ("title", "summary", "team_id", "owner_id", "review_interval_days", "check_kinds")
    before = {f: getattr(runbook, f) for f in meta}
    for field in ("title", "summary"):
        if field in changes:
            setattr(runbook, field, (changes[field] or "").strip())
    for field in ("team", "owner", "review_interval_days"):
        if field in changes:
            setattr(runbook, field, changes[field])
    runbook.check_kinds = kinds
    meta_changed = any(getattr(runbook, f) != before[f] for f in meta)
    tools_changed = {t.pk for t in tool_list} != {t.pk for t in old_tools}
    content_changed = body != old_body or _snapshot(steps) != [
        {k: s.get(k, "") for k in ("order", "title", "body", "kind", "approver_role")}
        for s in old_steps
    ]
    if not (meta_changed or tools_changed or content_changed):
        return runbook
    runbook.full_clean(exclude=["current_version"])
    runbook.current_version = _add_version(
        runbook=runbook, by=by, body_markdown=body, steps=steps, change_note=change_note
    )
    runbook.save()
    if tools_changed:
        runbook.tools.set(tool_list)
    if team.pk != old_team.pk:
        _move_team(runbook, old_team, team)
    return runbook


def _move_team(runbook: Runbook, old: Team, new: Team) -> None:
    """Object permissions follow the runbook (and its executions) to its new team."""
    revoke_team_access(old, runbook)
    grant_team_access(new, runbook)
    for execution in runbook.executions.all():
        revoke_team_access(old, execution, EXECUTION_ACTIONS)
        grant_team_access(new, execution, EXECUTION_ACTIONS)


@transaction.atomic
def mark_reviewed(*, runbook: Runbook, by: Any) -> Runbook:
    """Someone read the runbook and confirmed it is still right: the review clock restarts."""
    if not can(by, "change", runbook):
        raise PermissionDenied(_("You may not review this runbook."))
    runbook.last_reviewed_at = timezone.now()
    runbook.save(update_fields=["last_reviewed_at", "updated_at"])
    return runbook
