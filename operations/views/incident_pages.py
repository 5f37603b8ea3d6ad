"""Incident pages: list, detail with timeline, forms for state changes, comments, postmortem."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors
from mops.permissions import restrict
from mops.selectors import teams_for

from ..models import OPEN_STATES, Incident, IncidentState, Postmortem, Runbook, Severity
from ..selectors import incidents as sel
from ..services import incidents as svc
from .incident_forms import (
    ActionItemFormSet,
    AssignForm,
    CommentForm,
    IncidentForm,
    PostmortemForm,
    ReportForm,
    TransitionForm,
)


def _url_exists(name: str) -> bool:
    try:
        reverse(name, args=[0])
    except NoReverseMatch:
        return False
    return True


SORTS = {"triggered_at", "-triggered_at", "severity", "-severity", "state", "-state"}


def _filtered(request: HttpRequest) -> QuerySet[Incident]:
    qs = sel.incidents_for(user=request.user)
    params = request.GET
    if q := params.get("q", "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(dedup_key=q))
    if params.get("state") == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    if params.get("state") in IncidentState.values:
        qs = qs.filter(state=params["state"])
    if params.get("severity") in Severity.values:
        qs = qs.filter(severity=params["severity"])
    if params.get("team", "").isdigit():
        qs = qs.filter(team_id=params["team"])
    if params.get("tool", "").isdigit():
        qs = qs.filter(affected_tools=int(params["tool"]))
    sort = params.get("sort", "-triggered_at")
    return qs.order_by(sort if sort in SORTS else "-triggered_at", "-pk")


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("operations.view_incident"):
        raise PermissionDenied
    qs = _filtered(request)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(
            ["id", "title", "severity", "state", "team", "source", "alerts", "triggered_at",
             "acknowledged_at", "resolved_at", "assignee"]
        )  # fmt: skip
        for i in qs.iterator(chunk_size=500):
            writer.writerow(
                [i.pk, i.title, i.severity, i.state, i.team.slug, i.source, i.alert_count,
                 i.triggered_at.isoformat(),
                 i.acknowledged_at.isoformat() if i.acknowledged_at else "",
                 i.resolved_at.isoformat() if i.resolved_at else "",
                 i.assignee.get_username() if i.assignee else ""]
            )  # fmt: skip
        return response
    page = Paginator(qs.prefetch_related("affected_tools"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/incident_list.html",
        {
            "page": page,
            "query": request.GET,
            "states": IncidentState.choices,
            "severities": Severity.choices,
            "teams": teams_for(user=request.user),
        },
    )


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(
        sel.incidents_for(user=request.user).prefetch_related(
            "affected_tools", "affected_campaigns", "affected_kpis"
        ),
        pk=pk,
    )
    manage = sel.can_manage(user=request.user, incident=incident)
    tools = list(incident.affected_tools.all())
    runbooks = list(
        restrict(Runbook.objects.filter(tools__in=tools), request.user, "view")
        .distinct()
        .order_by("title")
    )
    postmortem = Postmortem.objects.filter(incident=incident).first()
    events = list(sel.timeline(incident=incident))
    times = sel.response_times(
        [(e.from_state, e.to_state, e.at) for e in events if e.kind == "state_change"],
        incident.triggered_at,
    )
    transitions = [
        (state, IncidentState(state).label)
        for state in IncidentState.values
        if state in svc.allowed_transitions(incident.state)
        and not (state == IncidentState.CLOSED and postmortem is None)
    ]
    return render(
        request,
        "operations/incident_detail.html",
        {
            "incident": incident,
            "can_manage": manage,
            "tools": tools,
            "runbooks": runbooks,
            "postmortem": postmortem,
            "actions": list(postmortem.actions.select_related("owner")) if postmortem else [],
            "events": events,
            "times": {k: sel.format_duration(v) for k, v in times.items()},
            "transitions": transitions,
            "comment_form": CommentForm(),
            "assign_form": AssignForm(incident=incident, initial={"assignee": incident.assignee}),
            "notifications": list(incident.notifications.order_by("-created_at")[:20]),
            "can_start_runbook": _url_exists("operations:runbook_start"),
        },
    )


@login_required
def incident_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk is not None:
        instance = get_object_or_404(sel.incidents_for(user=request.user), pk=pk)
        if not sel.can_manage(user=request.user, incident=instance):
            raise PermissionDenied
    elif not request.user.has_perm("operations.add_incident"):
        raise PermissionDenied
    form = IncidentForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if instance is None:
                incident = svc.create_incident(
                    title=data["title"],
                    team=data["team"],
                    severity=data["severity"],
                    description=data["description"],
                    tools=data["affected_tools"],
                    campaigns=data["affected_campaigns"],
                    kpis=data["affected_kpis"],
                    by=request.user,
                )
            else:
                incident = svc.update_incident(
                    incident=instance,
                    by=request.user,
                    title=data["title"],
                    description=data["description"],
                    severity=data["severity"],
                    tools=data["affected_tools"],
                    campaigns=data["affected_campaigns"],
                    kpis=data["affected_kpis"],
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not open incidents for this team."))
        else:
            messages.success(request, _("Incident #%(pk)s saved.") % {"pk": incident.pk})
            return redirect(incident)
    return render(request, "operations/incident_form.html", {"form": form, "incident": instance})


def _managed(request: HttpRequest, pk: int) -> Incident:
    incident = get_object_or_404(sel.incidents_for(user=request.user), pk=pk)
    if not sel.can_manage(user=request.user, incident=incident):
        raise PermissionDenied
    return incident


@login_required
@require_POST
def incident_transition(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _managed(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid state."))
        return redirect(incident)
    try:
        if form.cleaned_data["to"] == IncidentState.ACKNOWLEDGED:
            svc.acknowledge(incident=incident, by=request.user, note=form.cleaned_data["note"])
        else:
            svc.transition(
                incident=incident,
                to=form.cleaned_data["to"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Incident #%(pk)s is now %(state)s.")
            % {"pk": incident.pk, "state": incident.get_state_display()},
        )
    return redirect(incident)


@login_required
@require_POST
def incident_comment(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(sel.incidents_for(user=request.user), pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            svc.comment(incident=incident, by=request.user, message=form.cleaned_data["message"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment first."))
    return redirect(reverse("operations:incident_detail", args=[incident.pk]) + "#timeline")


@login_required
@require_POST
def incident_assign(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _managed(request, pk)
    if request.POST.get("assignee") == "me":
        assignee: Any = request.user
    else:
        form = AssignForm(request.POST, incident=incident)
        if not form.is_valid():
            messages.error(request, _("Choose someone from the team."))
            return redirect(incident)
        assignee = form.cleaned_data["assignee"]
    try:
        svc.assign(incident=incident, assignee=assignee, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Assignment saved."))
    return redirect(incident)


@login_required
def incident_postmortem(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _managed(request, pk)
    existing = Postmortem.objects.filter(incident=incident).first()
    owners = (
        get_user_model()
        .objects.filter(is_active=True, teams=incident.team_id)
        .distinct()
        .order_by("username")
    )
    initial_actions = (
        [
            {"title": a.title, "owner": a.owner, "due_date": a.due_date}
            for a in existing.actions.all()
        ]
        if existing
        else []
    )
    form = PostmortemForm(request.POST or None, instance=existing)
    formset = ActionItemFormSet(
        request.POST or None,
        prefix="actions",
        initial=initial_actions,
        form_kwargs={"owners": owners},
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        actions = [
            {"title": f.cleaned_data["title"], "owner": f.cleaned_data.get("owner"),
             "due_date": f.cleaned_data.get("due_date")}
            for f in formset.forms
            if f.cleaned_data.get("title")
        ]  # fmt: skip
        try:
            svc.write_postmortem(
                incident=incident, by=request.user, actions=actions, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Postmortem saved; the incident is closed."))
            return redirect(incident)
    elif request.method == "GET" and incident.state not in (
        IncidentState.RESOLVED,
        IncidentState.CLOSED,
    ):
        messages.warning(request, _("Resolve the incident before writing its postmortem."))
        return redirect(incident)
    return render(
        request,
        "operations/incident_postmortem.html",
        {"incident": incident, "form": form, "formset": formset},
    )


@login_required
def incident_report(request: HttpRequest) -> HttpResponse:
    """MTTA and MTTR by tool, team or severity over a chosen period."""
    if not request.user.has_perm("operations.view_incident"):
        raise PermissionDenied
    today = timezone.localdate()
    data = request.GET if "date_from" in request.GET else None
    form = ReportForm(
        data,
        initial={"date_from": today - timedelta(days=90), "date_to": today, "group_by": "tool"},
    )
    report = None
    if data is None or form.is_valid():
        params = form.cleaned_data if data is not None else form.initial
        report = sel.mtta_mttr(
            user=request.user,
            date_from=params["date_from"],
            date_to=params["date_to"],
            group_by=params["group_by"],
        )
    return render(request, "operations/report_mtta_mttr.html", {"form": form, "report": report})
