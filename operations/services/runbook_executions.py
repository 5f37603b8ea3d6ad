"""Runbook executions: start (optionally from an incident), check off steps in order, finish.

Ops staff of the runbook's team run it; an approval step is given only by someone holding the
step's role (whatever their model permissions), and nothing after it can be checked off before
it; a decision step records the decision taken; a success needs every step done. Executions
started from an incident write their start and finish on the incident's timeline.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.models import Role
from mops.permissions import can, grant_team_access, is_admin

from ..models import (
    EventKind,
    ExecutionOutcome,
    Incident,
    IncidentEvent,
    Runbook,
    RunbookExecution,
    RunbookStep,
    StepKind,
    StepRun,
)

EXECUTION_ACTIONS = ("view", "change")
MAX_NOTE = 10_000


def may_execute(user: Any, runbook: Runbook) -> bool:
    """Ops staff of the runbook's team (and admins) run it."""
    return is_admin(user) or (
        user.has_perm("operations.add_runbookexecution") and can(user, "change", runbook)
    )


def _timeline(incident: Incident | None, by: Any, message: str, data: dict[str, Any]) -> None:
    if incident is not None:
        IncidentEvent.objects.create(
            incident=incident, kind=EventKind.COMMENT, actor=by, message=message, data=data
        )


@transaction.atomic
def start_execution(
    *, runbook: Runbook, by: Any, incident: Incident | None = None, notes: str = ""
) -> RunbookExecution:
    """Run the runbook's current version; started from an incident, its timeline says so."""
    if not may_execute(by, runbook):
        raise PermissionDenied(_("You may not run this runbook."))
    if runbook.current_version is None:
        raise ValidationError({"runbook": _("This runbook has no version to run yet.")})
    if incident is not None and not can(by, "view", incident):
        raise ValidationError({"incident": _("Unknown incident, or not one you may see.")})
    execution = RunbookExecution.objects.create(
        runbook=runbook,
        version=runbook.current_version,
        incident=incident,
        started_by=by,
        notes=notes.strip(),
    )
    grant_team_access(runbook.team, execution, EXECUTION_ACTIONS)
    _timeline(
        incident,
        by,
        _("Runbook “%(title)s” (v%(n)s) started.")
        % {"title": runbook.title, "n": execution.version.number},
        {"runbook": runbook.pk, "execution": execution.pk, "event": "runbook_started"},
    )
    return execution


def has_role(user: Any, role: str) -> bool:
    return bool(role) and user.groups.filter(name=role).exists()


@transaction.atomic
def check_off_step(
    *, execution: RunbookExecution, step: RunbookStep, by: Any, note: str = "", decision: str = ""
) -> StepRun:
    """Check off the next step. Steps go in order; an approval needs its role; a decision needs
    the decision taken."""
    execution = RunbookExecution.objects.select_for_update().get(pk=execution.pk)
    if not can(by, "view", execution):
        raise PermissionDenied(_("You may not see this execution."))
    if step.version_id != execution.version_id:
        raise ValidationError({"step": _("This step is not part of the executed version.")})
    if step.kind == StepKind.APPROVAL:
        if not has_role(by, step.approver_role):
            raise ValidationError(
                {
                    "step": _("Only a %(role)s may give this approval.")
                    % {"role": Role(step.approver_role).label}
                }
            )
    elif not may_execute(by, execution.runbook):
        raise PermissionDenied(_("You may not run this runbook."))
    if execution.finished_at is not None:
        raise ValidationError(
            {"step": _("This execution is finished; steps can no longer be checked off.")}
        )
    done = set(execution.step_runs.values_list("step_id", flat=True))
    if step.pk in done:
        raise ValidationError({"step": _("This step is already checked off.")})
    pending = execution.version.steps.exclude(pk__in=done).order_by("order").first()
    if pending is not None and pending.pk != step.pk:
        raise ValidationError(
            {
                "step": _("Check off step %(n)s “%(title)s” first: steps go in order.")
                % {"n": pending.order, "title": pending.title}
            }
        )
    decision = (decision or "").strip()
    if step.kind == StepKind.DECISION and not decision:
        raise ValidationError({"decision": _("Write down the decision taken at this step.")})
    if len(decision) > 200:
        raise ValidationError({"decision": _("Keep the decision under 200 characters.")})
    if len(note or "") > MAX_NOTE:
        raise ValidationError({"note": _("Keep notes under 10,000 characters.")})
    try:
        with transaction.atomic():
            return StepRun.objects.create(
                execution=execution,
                step=step,
                done_by=by,
                note=(note or "").strip(),
                decision=decision if step.kind == StepKind.DECISION else "",
                approved_by=by if step.kind == StepKind.APPROVAL else None,
            )
    except IntegrityError as exc:
        raise ValidationError({"step": _("This step is already checked off.")}) from exc


@transaction.atomic
def finish_execution(
    *, execution: RunbookExecution, by: Any, outcome: str, notes: str = ""
) -> RunbookExecution:
    """Finish with an outcome; the duration is start to now. Success needs every step done."""
    execution = RunbookExecution.objects.select_for_update().get(pk=execution.pk)
    if not may_execute(by, execution.runbook) or not can(by, "change", execution):
        raise PermissionDenied(_("You may not finish this execution."))
    if execution.finished_at is not None:
        raise ValidationError({"outcome": _("This execution is already finished.")})
    if outcome not in ExecutionOutcome.values:
        raise ValidationError(
            {
                "outcome": _("Choose an outcome: %(choices)s.")
                % {"choices": ", ".join(ExecutionOutcome.values)}
            }
        )
    if outcome == ExecutionOutcome.SUCCESS:
        remaining = execution.version.steps.exclude(runs__execution=execution).count()
        if remaining:
            raise ValidationError(
                {
                    "outcome": _(
                        "%(n)s step(s) are not checked off: finish as partial, failed or "
                        "aborted, or check them off first."
                    )
                    % {"n": remaining}
                }
            )
    if len(notes or "") > MAX_NOTE:
        raise ValidationError({"notes": _("Keep notes under 10,000 characters.")})
    execution.finished_at = max(timezone.now(), execution.started_at)
    execution.outcome = outcome
    if notes and notes.strip():
        execution.notes = "\n\n".join(p for p in (execution.notes, notes.strip()) if p)
    execution.full_clean()
    execution.save(update_fields=["finished_at", "outcome", "notes"])
    _timeline(
        execution.incident,
        by,
        _("Runbook “%(title)s” finished: %(outcome)s.")
        % {"title": execution.runbook.title, "outcome": ExecutionOutcome(outcome).label},
        {
            "runbook": execution.runbook_id,
            "execution": execution.pk,
            "event": "runbook_finished",
            "outcome": outcome,
        },
    )
    return execution
