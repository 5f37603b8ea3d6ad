"""Operations pages: maintenance windows (a calendar-like list of upcoming occurrences, the
windows themselves, forms, cancel). URL patterns are included by ``views/inventory.py``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors
from mops.permissions import can
from mops.selectors import history_of

from ..models import MaintenanceStatus
from ..selectors.inventory import tools_for
from ..selectors.maintenance import maintenance_between, occurrences, windows_for
from ..services.maintenance import cancel_window, create_window, update_window
from .inventory_forms import MaintenanceWindowForm

UPCOMING_DAYS = 28


@login_required
def maintenance_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    upcoming = maintenance_between(
        start=now, end=now + datetime.timedelta(days=UPCOMING_DAYS), user=request.user
    )
    by_day: dict[datetime.date, list] = {}
    for occurrence in upcoming:
        by_day.setdefault(timezone.localtime(occurrence.start).date(), []).append(occurrence)
    qs = windows_for(user=request.user)
    status = request.GET.get("status")
    if status in MaintenanceStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-starts_at", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "operations/maintenance_list.html",
        {
            "days": sorted(by_day.items()),
            "upcoming_days": UPCOMING_DAYS,
            "page": page,
            "statuses": MaintenanceStatus.choices,
            "status": status or "",
            "query": f"status={status}" if status in MaintenanceStatus.values else "",
            "can_add": request.user.has_perm("operations.add_maintenancewindow"),
        },
    )


@login_required
def maintenance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(windows_for(user=request.user), pk=pk)
    now = timezone.now()
    upcoming = occurrences(window, start=now, end=now + datetime.timedelta(days=90))[:10]
    return render(
        request,
        "operations/maintenance_detail.html",
        {
            "window": window,
            "upcoming": upcoming,
            "can_change": can(request.user, "change", window)
            and window.status not in (MaintenanceStatus.CANCELLED, MaintenanceStatus.DONE),
            "history": history_of(window),
        },
    )


@login_required
def maintenance_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk is not None:
        instance = get_object_or_404(windows_for(user=request.user, action="change"), pk=pk)
    elif not request.user.has_perm("operations.add_maintenancewindow"):
        raise PermissionDenied
    tools = tools_for(user=request.user, action="change")
    initial = {}
    if instance is None and request.GET.get("tool", "").isdigit():
        initial["tool"] = request.GET["tool"]
    form = MaintenanceWindowForm(
        request.POST or None, instance=instance, initial=initial, user=request.user, tools=tools
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if instance is None:
                window = create_window(by=request.user, **data)
            else:
                window = update_window(window=instance, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Maintenance window “%(title)s” saved.") % {"title": window.title}
            )
            return redirect(window)
    return render(request, "operations/maintenance_form.html", {"form": form, "window": instance})


@login_required
@require_POST
def maintenance_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(windows_for(user=request.user, action="change"), pk=pk)
    try:
        cancel_window(window=window)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Maintenance window cancelled."))
    return redirect(window)


urlpatterns: list[URLPattern] = [
    path("maintenance/", maintenance_list, name="maintenance_list"),
    path("maintenance/new/", maintenance_form, name="maintenance_create"),
    path("maintenance/<int:pk>/", maintenance_detail, name="maintenance_detail"),
    path("maintenance/<int:pk>/edit/", maintenance_form, name="maintenance_edit"),
    path("maintenance/<int:pk>/cancel/", maintenance_cancel, name="maintenance_cancel"),
]
