"""Feedback between 運営 and 運用: requests to operations, escalations from operations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mops.forms import add_service_errors
from mops.permissions import can
from mops.selectors import history_of

from .. import selectors
from ..forms import FeedbackForm, FeedbackUpdateForm
from ..models import FeedbackDirection, FeedbackStatus
from ..services.feedback import create_feedback, update_feedback
from .common import form_page, require_perm


@login_required
def feedback_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, "governance.view_feedbackitem")
    qs = selectors.feedback_for(user=request.user)
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=[FeedbackStatus.OPEN, FeedbackStatus.ACCEPTED])
    elif status in FeedbackStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "governance/feedback_list.html",
        {
            "to_operations": qs.filter(direction=FeedbackDirection.TO_OPERATIONS)[:100],
            "to_management": qs.filter(direction=FeedbackDirection.TO_MANAGEMENT)[:100],
            "status": status,
            "statuses": FeedbackStatus.choices,
            "can_add": request.user.has_perm("governance.add_feedbackitem"),
        },
    )


@login_required
def feedback_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_perm(request, "governance.add_feedbackitem")
    initial: dict[str, Any] = {}
    direction = request.GET.get("direction")
    if direction in FeedbackDirection.values:
        initial["direction"] = direction
    for link in ("review", "plan", "kpi", "incident", "tool"):
        if request.GET.get(link, "").isdigit():
            initial[link] = int(request.GET[link])
    form = FeedbackForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            item = create_feedback(by=user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Feedback “%(title)s” sent.") % {"title": item.title})
            return redirect(item)
    crumbs = [
        (_("Governance"), reverse("governance:index")),
        (_("Feedback"), reverse("governance:feedback_list")),
    ]
    return form_page(request, form, heading=_("New feedback item"), crumbs=crumbs)


@login_required
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_object_or_404(selectors.feedback_for(user=user), pk=pk)
    form = None
    if can(user, "change", item):
        form = FeedbackUpdateForm(request.POST or None, instance=item)
        if request.method == "POST" and form.is_valid():
            try:
                update_feedback(item=item, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Feedback updated."))
                return redirect(item)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "governance/feedback_detail.html",
        {"item": item, "form": form, "history": history_of(item)},
    )
