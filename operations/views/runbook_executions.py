"""Runbook executions: start (optionally from an incident), detail, step check-off, finish.

Step check-off answers htmx requests with the steps fragment (checked-off step, the next one and
the finish form), and plain form posts with a redirect, so the page works without script too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.permissions import restrict

from ..models import Incident, RunbookExecution, StepKind
from ..selectors import runbooks as selectors
from ..services import runbooks as services
from .runbook_forms import CheckOffForm, FinishForm, StartForm


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@login_required
@require_POST
def runbook_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the runbook's current version; field ``incident`` (a pk) links an incident."""
    runbook = get_object_or_404(selectors.runbooks_for(user=request.user), pk=pk)
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The incident must be given by its number."))
        return redirect(runbook)
    incident = None
    if form.cleaned_data["incident"]:
        visible = restrict(Incident.objects.all(), request.user, "view")
        incident = visible.filter(pk=form.cleaned_data["incident"]).first()
        if incident is None:
            messages.error(request, _("Unknown incident, or not one you may see."))
            return redirect(runbook)
    try:
        execution = services.start_execution(
            runbook=runbook, by=request.user, incident=incident, notes=form.cleaned_data["notes"]
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return redirect(runbook)
    messages.success(request, _("Runbook started. Check off the steps as you go."))
    return redirect("operations:execution_detail", execution.pk)


def _execution(request: HttpRequest, pk: int) -> RunbookExecution:
    return get_object_or_404(selectors.executions_for(user=request.user), pk=pk)


def _live_context(
    request: HttpRequest,
    execution: RunbookExecution,
    *,
    errors: list[str] | None = None,
    finish_form: FinishForm | None = None,
) -> dict[str, Any]:
    user = request.user
    lines = selectors.execution_steps(execution)
    roles = set(user.groups.values_list("name", flat=True))
    running = execution.finished_at is None
    return {
        "execution": execution,
        "lines": lines,
        "all_done": all(line.done for line in lines),
        "running": running,
        "may_run": running and services.may_execute(user, execution.runbook),
        "roles": roles,
        "errors": errors or [],
        "finish_form": finish_form or FinishForm(),
        "step_kinds": StepKind,
    }


@login_required
def execution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    execution = _execution(request, pk)
    return render(request, "operations/execution_detail.html", _live_context(request, execution))


@login_required
@require_POST
def execution_step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    """Check off one step (the next one) with a note and, for a decision, the decision."""
    execution = _execution(request, pk)
    step_obj = get_object_or_404(execution.version.steps, pk=step)
    form = CheckOffForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.check_off_step(
                execution=execution,
                step=step_obj,
                by=request.user,
                note=form.cleaned_data["note"],
                decision=form.cleaned_data["decision"],
            )
        except ValidationError as exc:
            errors = _errors(exc)
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    if request.htmx:  # type: ignore[attr-defined]
        execution.refresh_from_db()
        context = _live_context(request, execution, errors=errors)
        return render(request, "operations/_execution_steps.html", context)
    if errors:
        for message in errors:
            messages.error(request, message)
    else:
        messages.success(request, _("Step “%(title)s” checked off.") % {"title": step_obj.title})
    return redirect("operations:execution_detail", execution.pk)


@login_required
@require_POST
def execution_finish(request: HttpRequest, pk: int) -> HttpResponse:
    execution = _execution(request, pk)
    form = FinishForm(request.POST)
    if form.is_valid():
        try:
            execution = services.finish_execution(
                execution=execution,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                for message in errs:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("Execution finished: %(outcome)s.")
                % {"outcome": execution.get_outcome_display()},
            )
            return redirect("operations:execution_detail", execution.pk)
    context = _live_context(request, execution, finish_form=form)
    return render(request, "operations/execution_detail.html", context, status=400)


urlpatterns = [
    path("runbooks/<int:pk>/start/", runbook_start, name="runbook_start"),
    path("executions/<int:pk>/", execution_detail, name="execution_detail"),
    path("executions/<int:pk>/steps/<int:step>/", execution_step, name="execution_step"),
    path("executions/<int:pk>/finish/", execution_finish, name="execution_finish"),
]
