"""Operations pages: monitoring checks (list, detail with results, flips and downtime, forms,
pause/resume). URL patterns are included by ``views/inventory.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors
from mops.permissions import can, restrict
from mops.selectors import history_of

from ..models import CheckKind, CheckState
from ..selectors.inventory import tools_for
from ..selectors.monitoring import check_detail, checks_for, state_counts
from ..services.monitoring import create_check, pause_check, resume_check, update_check
from .inventory_forms import CheckForm

SORTS = {
    "name",
    "-name",
    "state",
    "-state",
    "kind",
    "-kind",
    "last_evaluated_at",
    "-last_evaluated_at",
}


@login_required
def check_list(request: HttpRequest) -> HttpResponse:
    qs = checks_for(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(tool__name__icontains=q))
    if request.GET.get("kind") in CheckKind.values:
        qs = qs.filter(kind=request.GET["kind"])
    if request.GET.get("state") in CheckState.values:
        qs = qs.filter(state=request.GET["state"])
    if request.GET.get("tool", "").isdigit():
        qs = qs.filter(tool_id=int(request.GET["tool"]))
    sort = request.GET.get("sort", "name")
    qs = qs.order_by(sort if sort in SORTS else "name", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "operations/check_list.html",
        {
            "page": page,
            "kinds": CheckKind.choices,
            "states": CheckState.choices,
            "counts": state_counts(user=request.user),
            "params": request.GET,
            "query": query.urlencode(),
            "can_add": request.user.has_perm("operations.add_check"),
        },
    )


@login_required
def check_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(checks_for(user=request.user), pk=pk)
    ping_url = request.build_absolute_uri(reverse("ping", args=[str(check.uuid)]))
    return render(
        request,
        "operations/check_detail.html",
        {
            "check": check,
            **check_detail(check=check),
            "can_change": can(request.user, "change", check),
            "ping_url": ping_url,
            "history": history_of(check),
            "incidents": restrict(check.incidents.order_by("-triggered_at"), request.user)[:10],
        },
    )


@login_required
def check_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk is not None:
        instance = get_object_or_404(checks_for(user=request.user, action="change"), pk=pk)
    elif not request.user.has_perm("operations.add_check"):
        raise PermissionDenied
    tools = tools_for(user=request.user)
    initial = {}
    if instance is None and request.GET.get("tool", "").isdigit():
        initial["tool"] = request.GET["tool"]
    form = CheckForm(
        request.POST or None, instance=instance, initial=initial, user=request.user, tools=tools
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if instance is None:
                check = create_check(**data)
            else:
                check = update_check(check=instance, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Check “%(name)s” saved.") % {"name": check.name})
            return redirect(check)
    return render(request, "operations/check_form.html", {"form": form, "check": instance})


@login_required
@require_POST
def check_pause(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(checks_for(user=request.user, action="change"), pk=pk)
    pause_check(check=check, by=request.user)
    messages.success(request, _("Check “%(name)s” paused.") % {"name": check.name})
    return redirect(check)


@login_required
@require_POST
def check_resume(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(checks_for(user=request.user, action="change"), pk=pk)
    resume_check(check=check, by=request.user)
    messages.success(request, _("Check “%(name)s” resumed.") % {"name": check.name})
    return redirect(check)


urlpatterns: list[URLPattern] = [
    path("checks/", check_list, name="check_list"),
    path("checks/new/", check_form, name="check_create"),
    path("checks/<int:pk>/", check_detail_view, name="check_detail"),
    path("checks/<int:pk>/edit/", check_form, name="check_edit"),
    path("checks/<int:pk>/pause/", check_pause, name="check_pause"),
    path("checks/<int:pk>/resume/", check_resume, name="check_resume"),
]
