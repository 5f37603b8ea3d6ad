"""Actions: the team's list, my actions, overdue; owners update their own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.forms import add_service_errors
from mops.permissions import can, is_admin
from mops.selectors import history_of

from .. import selectors
from ..forms import ActionForm
from ..models import OPEN_STATUSES, ActionStatus
from ..services.actions import create_action, update_action
from .common import form_page, require_perm

SORTS = {"due_date", "-due_date", "title", "-title", "status", "-status"}


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    qs = selectors.actions_for(user=user)
    show = request.GET.get("show", "open")
    today = timezone.localdate()
    if show == "mine":
        qs = qs.filter(owner=user)
    elif show == "overdue":
        qs = qs.overdue(today)
    elif show == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    if request.GET.get("status") in ActionStatus.values:
        qs = qs.filter(status=request.GET["status"])
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    sort = request.GET.get("sort", "due_date")
    qs = qs.order_by(sort if sort in SORTS else "due_date", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/action_list.html",
        {
            "page": page,
            "show": show,
            "statuses": ActionStatus.choices,
            "query": request.GET,
            "today": today,
            "can_add": user.has_perm("governance.add_action"),
        },
    )


def _may_manage(user, action) -> bool:
    """A manager of the action's team may change everything, the owner only its progress."""
    return is_admin(user) or (
        user.has_perm("governance.add_action")
        and can(user, "change", action)
        and action.team.group.user_set.filter(pk=user.pk).exists()
    )


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    action = get_object_or_404(selectors.actions_for(user=user), pk=pk)
    may_change = can(user, "change", action)
    form = None
    if may_change:
        manage = _may_manage(user, action)
        form = ActionForm(
            request.POST or None,
            instance=action,
            user=user,
            plans=selectors.plans_for(user=user),
            owner_only=not manage,
        )
        if request.method == "POST" and form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items()}
            try:
                update_action(action=action, **fields)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Action “%(title)s” saved.") % {"title": action.title})
                return redirect(action)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "governance/action_detail.html",
        {
            "action": action,
            "form": form,
            "history": history_of(action),
            "today": timezone.localdate(),
        },
    )


@login_required
def action_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_perm(request, "governance.add_action")
    plans = selectors.plans_for(user=user, action="change")
    initial = {}
    if request.GET.get("plan"):
        initial["plan"] = plans.filter(pk=request.GET["plan"]).first()
    form = ActionForm(request.POST or None, user=user, plans=plans, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            action = create_action(by=user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Action “%(title)s” created.") % {"title": action.title})
            return redirect(action)
    crumbs = [
        (_("Governance"), reverse("governance:index")),
        (_("Actions"), reverse("governance:action_list")),
    ]
    return form_page(request, form, heading=_("New action"), crumbs=crumbs)
