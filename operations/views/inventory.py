"""Operations pages: the tool inventory (list with flags, filters and CSV export; detail with
everything linked to the tool; forms). Monitoring checks, maintenance windows and their pages live
in ``views/checks.py`` and ``views/maintenance.py``, whose URL patterns are included here."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mops.forms import add_service_errors
from mops.models import Team
from mops.permissions import can
from mops.registry import tool_sections
from mops.selectors import history_of

from ..models import CheckState, Integration, ToolAssignment, ToolCategory, ToolLifecycle
from ..selectors import inventory as selectors
from ..selectors.inventory import FLAGS, ToolFilters, tool_detail, tools_for
from ..services.inventory import (
    assign_person,
    create_integration,
    create_tool,
    delete_integration,
    unassign_person,
    update_tool,
)
from . import checks, maintenance
from .inventory_forms import AssignmentForm, IntegrationForm, ToolForm

PAGE_SIZE = 50
CSV_FIELDS = [
    "name",
    "category",
    "vendor",
    "url",
    "lifecycle",
    "licence_seats",
    "monthly_cost",
    "currency",
    "renewal_date",
    "holds_personal_data",
]


def _filters(request: HttpRequest) -> ToolFilters:
    get = request.GET
    return ToolFilters(
        q=get.get("q", "").strip(),
        category=get.get("category", "") if get.get("category") in ToolCategory.values else "",
        lifecycle=get.get("lifecycle", "") if get.get("lifecycle") in ToolLifecycle.values else "",
        team=get.get("team", ""),
        flags=[f for f in get.getlist("flag") if f in FLAGS],
        sort=get.get("sort", "name"),
    )


def _csv(qs) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tools.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response)
    writer.writerow([*CSV_FIELDS, "team", "owners", *FLAGS])
    for tool in qs:
        owners = " / ".join(
            f"{a.user.get_full_name() or a.user.get_username()} ({a.role})"
            for a in tool.owner_assignments
        )
        writer.writerow(
            [("" if getattr(tool, f) is None else getattr(tool, f)) for f in CSV_FIELDS]
            + [tool.team.slug, owners]
            + [int(getattr(tool, f)) for f in FLAGS]
        )
    return response


@login_required
def tool_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors.tool_list(user=request.user, filters=filters)
    if request.GET.get("format") == "csv":
        return _csv(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "operations/tool_list.html",
        {
            "page": page,
            "filters": filters,
            "categories": ToolCategory.choices,
            "lifecycles": ToolLifecycle.choices,
            "teams": Team.objects.order_by("name"),
            "flag_choices": [
                ("single_owner", _("Person-dependence risk (one owner)")),
                ("renewal_soon", _("Renewal within 60 days")),
                ("no_runbook", _("No runbook")),
            ],
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "can_add": request.user.has_perm("operations.add_tool"),
        },
    )


@login_required
def tool_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    tool = get_object_or_404(tools_for(user=request.user), pk=pk)
    can_change = can(request.user, "change", tool)
    context = {
        "tool": tool,
        **tool_detail(user=request.user, tool=tool),
        "can_change": can_change,
        "history": history_of(tool),
        "down": CheckState.DOWN,
        "sections": [
            section for build in tool_sections.values() if (section := build(request, tool))
        ],
    }
    if can_change:
        context["assignment_form"] = AssignmentForm()
        context["integration_form"] = IntegrationForm(
            tools=tools_for(user=request.user).exclude(pk=tool.pk)
        )
    return render(request, "operations/tool_detail.html", context)


@login_required
def tool_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk is not None:
        instance = get_object_or_404(tools_for(user=request.user, action="change"), pk=pk)
    elif not request.user.has_perm("operations.add_tool"):
        raise PermissionDenied
    form = ToolForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            tool = create_tool(**data) if instance is None else update_tool(tool=instance, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Tool “%(name)s” saved.") % {"name": tool.name})
            return redirect(tool)
    return render(request, "operations/tool_form.html", {"form": form, "tool": instance})


def _changeable_tool(request: HttpRequest, pk: int):
    return get_object_or_404(tools_for(user=request.user, action="change"), pk=pk)


@login_required
@require_POST
def assignment_add(request: HttpRequest, pk: int) -> HttpResponse:
    tool = _changeable_tool(request, pk)
    form = AssignmentForm(request.POST)
    if form.is_valid():
        try:
            assign_person(tool=tool, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Assignment saved."))
    else:
        messages.error(request, _("Choose a person, a role and a priority of 1 or more."))
    return redirect(tool)


@login_required
@require_POST
def assignment_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    tool = _changeable_tool(request, pk)
    assignment = get_object_or_404(ToolAssignment, pk=assignment_pk, tool=tool)
    unassign_person(assignment=assignment)
    messages.success(request, _("Assignment removed."))
    return redirect(tool)


@login_required
@require_POST
def integration_add(request: HttpRequest, pk: int) -> HttpResponse:
    tool = _changeable_tool(request, pk)
    form = IntegrationForm(request.POST, tools=tools_for(user=request.user).exclude(pk=tool.pk))
    if form.is_valid():
        data = form.cleaned_data
        other = data["other"]
        source, target = (tool, other) if data["direction"] == "out" else (other, tool)
        try:
            create_integration(
                source=source,
                target=target,
                data_flow=data["data_flow"],
                frequency=data["frequency"],
                freshness_hours=data["freshness_hours"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Integration saved."))
    else:
        messages.error(request, _("Choose the other tool and say what flows."))
    return redirect(tool)


@login_required
@require_POST
def integration_remove(request: HttpRequest, pk: int, integration_pk: int) -> HttpResponse:
    tool = _changeable_tool(request, pk)
    integration = get_object_or_404(
        Integration.objects.filter(Q(source=tool) | Q(target=tool)), pk=integration_pk
    )
    delete_integration(integration=integration)
    messages.success(request, _("Integration removed."))
    return redirect(tool)


urlpatterns: list[URLPattern | URLResolver] = [
    path("tools/", tool_list, name="tool_list"),
    path("tools/new/", tool_form, name="tool_create"),
    path("tools/<int:pk>/", tool_detail_view, name="tool_detail"),
    path("tools/<int:pk>/edit/", tool_form, name="tool_edit"),
    path("tools/<int:pk>/assignments/", assignment_add, name="tool_assignment_add"),
    path(
        "tools/<int:pk>/assignments/<int:assignment_pk>/remove/",
        assignment_remove,
        name="tool_assignment_remove",
    ),
    path("tools/<int:pk>/integrations/", integration_add, name="tool_integration_add"),
    path(
        "tools/<int:pk>/integrations/<int:integration_pk>/remove/",
        integration_remove,
        name="tool_integration_remove",
    ),
    path("", include(checks)),
    path("", include(maintenance)),
]
