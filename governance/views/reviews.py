"""PDCA reviews: create (agenda prepared), run the meeting, close, print, export."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors
from mops.permissions import can

from .. import selectors
from ..forms import CadenceForm, ItemNotesForm, NextActionForm, ReviewForm, teams_of
from ..models import AgendaKind, ReviewMeeting, ReviewState
from ..services import reviews as services
from ..status import RULE_TEXT
from .common import form_page, require_perm


def _messages_for(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = selectors.reviews_for(user=user)
    if request.GET.get("state") in ReviewState.values:
        qs = qs.filter(state=request.GET["state"])
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/review_list.html",
        {
            "page": page,
            "states": ReviewState.choices,
            "query": request.GET,
            "can_add": user.has_perm("governance.add_reviewmeeting"),
        },
    )


@login_required
def review_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_perm(request, "governance.add_reviewmeeting")
    teams = teams_of(user)
    form = ReviewForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.create_review(
                team=form.cleaned_data["team"],
                meeting_date=form.cleaned_data["meeting_date"],
                participants=form.cleaned_data["participants"],
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Review created; its agenda is prepared."))
            return redirect(review)
    crumbs = [
        (_("Governance"), reverse("governance:index")),
        (_("Reviews"), reverse("governance:review_list")),
    ]
    return form_page(
        request,
        form,
        heading=_("New review"),
        crumbs=crumbs,
        submit=_("Create and prepare the agenda"),
    )


def _sections(review: ReviewMeeting) -> list[dict[str, Any]]:
    items = list(review.items.prefetch_related("actions__owner").order_by("position"))
    labels = {
        AgendaKind.KPI: _("KPIs: actual vs target"),
        AgendaKind.ANOMALY: _("Anomalies flagged by analytics"),
        AgendaKind.INCIDENT: _("Incidents in the period"),
        AgendaKind.PLAN: _("Plan progress and budget burn"),
        AgendaKind.ACTION: _("Open and overdue actions"),
    }
    empty = {
        AgendaKind.KPI: _(
            "No KPI of this team has a profile yet: set owners and targets on the KPI pages."
        ),
        AgendaKind.ANOMALY: _("No anomaly in the period."),
        AgendaKind.INCIDENT: _("No incident in the period."),
        AgendaKind.PLAN: _("No plan of this team runs in the period."),
        AgendaKind.ACTION: _("No open action: everything decided is done."),
    }
    return [
        {
            "kind": kind.value,
            "label": labels[kind],
            "empty": empty[kind],
            "items": [i for i in items if i.kind == kind],
        }
        for kind in AgendaKind
    ]


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    review = get_object_or_404(selectors.reviews_for(user=user), pk=pk)
    editable = not review.is_closed and can(user, "change", review)
    return render(
        request,
        "governance/review_detail.html",
        {
            "review": review,
            "sections": _sections(review),
            "editable": editable,
            "next_actions": review.created_actions.select_related("owner", "agenda_item"),
            "action_form": NextActionForm(prefix="act") if editable else None,
            "participants": review.participants.all(),
            "transitions": review.transitions.select_related("by"),
            "rule": RULE_TEXT,
        },
    )


def _editable_review(request: HttpRequest, pk: int) -> ReviewMeeting:
    review = get_object_or_404(selectors.reviews_for(user=request.user), pk=pk)
    if not can(request.user, "change", review):
        raise PermissionDenied
    return review


@login_required
@require_POST
def review_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    review = _editable_review(request, pk)
    try:
        services.refresh_agenda(review=review, by=request.user)
    except ValidationError as exc:
        _messages_for(request, exc)
    else:
        messages.success(request, _("Agenda figures refreshed."))
    return redirect(review)


@login_required
@require_POST
def review_transition(request: HttpRequest, pk: int) -> HttpResponse:
    review = _editable_review(request, pk)
    to = request.POST.get("to", "")
    try:
        services.transition_review(review=review, to=to, by=request.user)
    except ValidationError as exc:
        _messages_for(request, exc)
    else:
        if to == ReviewState.CLOSED:
            messages.success(request, _("Review closed: the figures are kept as they are now."))
        else:
            messages.success(
                request, _("Review is now “%(state)s”.") % {"state": review.get_state_display()}
            )
    return redirect(review)


@login_required
@require_POST
def item_update(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    review = _editable_review(request, pk)
    item = get_object_or_404(review.items, pk=item_pk)
    form = ItemNotesForm(request.POST, prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            services.record_item_notes(item=item, **form.cleaned_data)
        except ValidationError as exc:
            _messages_for(request, exc)
        else:
            messages.success(request, _("Notes saved for “%(title)s”.") % {"title": item.title})
    return redirect(f"{review.get_absolute_url()}#item-{item.pk}")


@login_required
@require_POST
def review_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's overall evaluation (what the week taught us), editable until closed."""
    review = _editable_review(request, pk)
    try:
        services.update_review(review=review, summary=request.POST.get("summary", "").strip())
    except ValidationError as exc:
        _messages_for(request, exc)
    else:
        messages.success(request, _("Summary saved."))
    return redirect(review)


@login_required
@require_POST
def next_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _editable_review(request, pk)
    require_perm(request, "governance.add_action")
    form = NextActionForm(request.POST, prefix="act")
    item = None
    if request.POST.get("act-item"):
        item = review.items.filter(pk=request.POST["act-item"]).first()
    if form.is_valid():
        try:
            action = services.add_next_action(
                review=review, item=item, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _messages_for(request, exc)
        else:
            messages.success(
                request,
                _("Next action “%(title)s” assigned to %(owner)s.")
                % {
                    "title": action.title,
                    "owner": action.owner.get_full_name() or action.owner.get_username(),
                },
            )
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[field].label if field in form.fields else ''}: {error}"
                )
    return redirect(f"{review.get_absolute_url()}#next-actions")


@login_required
def review_print(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(selectors.reviews_for(user=request.user), pk=pk)
    return render(
        request,
        "governance/review_print.html",
        {
            "review": review,
            "sections": _sections(review),
            "next_actions": review.created_actions.select_related("owner"),
            "participants": review.participants.all(),
            "rule": RULE_TEXT,
        },
    )


CSV_COLUMNS = [
    "kind",
    "ref",
    "title",
    "status",
    "actual",
    "previous",
    "change_pct",
    "target",
    "target_low",
    "target_high",
    "forecast",
    "currency",
    "spend",
    "budget",
    "burn",
    "severity",
    "state",
    "owner",
    "due_date",
    "overdue",
    "notes",
    "root_cause",
    "decision",
]


@login_required
def review_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda figures as stored (a closed review: as at closing), one row per item."""
    review = get_object_or_404(selectors.reviews_for(user=request.user), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}-agenda.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for item in review.items.order_by("position"):
        row = {
            **item.figures,
            "kind": item.kind,
            "ref": item.ref,
            "title": item.title,
            "notes": item.notes,
            "root_cause": item.root_cause,
            "decision": item.decision,
        }
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return response


@login_required
def cadence_edit(request: HttpRequest, team_slug: str) -> HttpResponse:
    user = request.user
    require_perm(request, "governance.change_reviewcadence")
    team = get_object_or_404(teams_of(user), slug=team_slug)
    form = CadenceForm(request.POST or None, initial={"cadence": services.cadence_of(team)})
    if request.method == "POST" and form.is_valid():
        services.set_cadence(team=team, cadence=form.cleaned_data["cadence"])
        messages.success(request, _("Review cadence of %(team)s saved.") % {"team": team.name})
        return redirect("governance:review_list")
    crumbs = [
        (_("Governance"), reverse("governance:index")),
        (_("Reviews"), reverse("governance:review_list")),
    ]
    return form_page(
        request, form, heading=_("Review cadence: %(team)s") % {"team": team.name}, crumbs=crumbs
    )
