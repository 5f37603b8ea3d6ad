"""Operations pages: runbooks (list, detail, create, edit, review, coverage).

Versions, diff and export live in ``runbook_versions``; executions in ``runbook_executions``;
their URL patterns are collected here (operations/urls.py includes this module at the root).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors, with_one_more_form
from mops.permissions import can
from mops.selectors import history_of

from ..models import Runbook, StepKind
from ..selectors import runbooks as selectors
from ..services import runbooks as services
from . import runbook_executions, runbook_versions
from .runbook_forms import BaseStepFormSet, RunbookForm, StepFormSet

SORTS = {"title", "-title", "due_at", "-due_at", "last_run", "-last_run"}


def runbook_or_404(request: HttpRequest, pk: int, action: str = "view") -> Runbook:
    return get_object_or_404(selectors.runbooks_for(user=request.user, action=action), pk=pk)


@login_required
def runbook_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.runbooks_for(user=request.user).annotate(last_run=Max("executions__started_at"))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    if request.GET.get("tool", "").isdigit():
        qs = qs.filter(tools=int(request.GET["tool"]))
    if request.GET.get("team"):
        qs = qs.filter(team__slug=request.GET["team"])
    if request.GET.get("stale") == "1":
        qs = qs.filter(due_at__lt=timezone.now())  # type: ignore[misc]
    sort = request.GET.get("sort", "title")
    qs = qs.order_by(sort if sort in SORTS else "title", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/runbook_list.html",
        {
            "page": page,
            "query": request.GET,
            "now": timezone.now(),
            "may_add": request.user.has_perm("operations.add_runbook"),
        },
    )


@login_required
def runbook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    runbook = runbook_or_404(request, pk)
    version = runbook.current_version
    executions = runbook.executions.select_related("started_by", "version", "incident")[:10]
    may_run = services.may_execute(request.user, runbook)
    return render(
        request,
        "operations/runbook_detail.html",
        {
            "runbook": runbook,
            "version": version,
            "steps": version.steps.order_by("order") if version else [],
            "executions": executions,
            "may_change": can(request.user, "change", runbook),
            "may_run": may_run,
            "incidents": selectors.open_incidents_for(user=request.user)[:50] if may_run else [],
            "history": history_of(runbook),
            "step_kinds": StepKind,
        },
    )


@login_required
def runbook_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    runbook = runbook_or_404(request, pk) if pk else None
    if runbook is not None and not can(request.user, "change", runbook):
        raise PermissionDenied  # visible but not theirs to change: 403, not 404
    if runbook is None and not request.user.has_perm("operations.add_runbook"):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    step_initial: list[dict[str, Any]] = []
    if runbook is not None:
        version = runbook.current_version
        initial = {
            "title": runbook.title,
            "summary": runbook.summary,
            "team": runbook.team,
            "owner": runbook.owner,
            "tools": list(runbook.tools.all()),
            "check_kinds": runbook.check_kinds,
            "review_interval_days": runbook.review_interval_days,
            "body_markdown": version.body_markdown if version else "",
        }
        step_initial = [
            {**s, "ORDER": s.get("order")} for s in (version.steps_snapshot if version else [])
        ]
    else:
        initial = {"owner": request.user}
    data = request.POST if request.method == "POST" else None
    form = RunbookForm(data, initial=initial, user=request.user)
    if data is not None and "add_step" in data:
        formset = with_one_more_form(StepFormSet, data, prefix="steps")
        return _render_form(request, form, formset, runbook)
    formset = StepFormSet(data, initial=step_initial, prefix="steps")
    if data is not None and form.is_valid() and formset.is_valid():
        fields = dict(form.cleaned_data)
        fields["tools"] = list(fields["tools"])
        fields["steps"] = cast(BaseStepFormSet, formset).steps()
        try:
            if runbook is None:
                runbook = services.create_runbook(by=request.user, **fields)
                messages.success(request, _("Runbook “%(title)s” created.") % fields)
            else:
                before = runbook.current_version_id
                runbook = services.update_runbook(runbook=runbook, by=request.user, **fields)
                if runbook.current_version_id == before:
                    messages.info(request, _("Nothing changed: no new version was made."))
                else:
                    number = runbook.current_version.number if runbook.current_version else 0
                    messages.success(request, _("Saved as version %(n)s.") % {"n": number})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(runbook)
    return _render_form(request, form, formset, runbook)


def _render_form(request: HttpRequest, form: Any, formset: Any, runbook: Runbook | None):
    return render(
        request,
        "operations/runbook_form.html",
        {"form": form, "formset": formset, "runbook": runbook},
    )


@login_required
@require_POST
def runbook_mark_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    runbook = runbook_or_404(request, pk)
    services.mark_reviewed(runbook=runbook, by=request.user)
    messages.success(
        request,
        _("Marked as reviewed; next review due %(date)s.")
        % {"date": timezone.localtime(runbook.review_due_at).strftime("%Y-%m-%d")},
    )
    return redirect(runbook)


@login_required
def runbook_coverage(request: HttpRequest) -> HttpResponse:
    """What is not systematized yet: tools without a runbook, one-person runbooks, stale ones."""
    single = list(selectors.single_executor_runbooks(user=request.user))
    sole = selectors.sole_executors(single)
    return render(
        request,
        "operations/runbook_coverage.html",
        {
            "tools": selectors.tools_without_runbook(user=request.user),
            "single": [(r, sole.get(r.pk)) for r in single],
            "stale": selectors.stale_runbooks(user=request.user),
        },
    )


urlpatterns = [
    path("runbooks/", runbook_list, name="runbook_list"),
    path("runbooks/new/", runbook_form, name="runbook_create"),
    path("runbooks/coverage/", runbook_coverage, name="runbook_coverage"),
    path("runbooks/<int:pk>/", runbook_detail, name="runbook_detail"),
    path("runbooks/<int:pk>/edit/", runbook_form, name="runbook_edit"),
    path("runbooks/<int:pk>/reviewed/", runbook_mark_reviewed, name="runbook_mark_reviewed"),
    *runbook_versions.urlpatterns,
    *runbook_executions.urlpatterns,
]
