"""The live triage dashboard: the operations section's landing page.

The board is one partial (``_triage_board.html``) that polls itself every 5 s with htmx; the
one-click actions post to ``triage_action`` and get the refreshed board back, so the row updates
in place. Without JavaScript the same forms post and redirect back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mops.panel_cache import cached
from mops.permissions import restrict
from mops.registry import panels_on
from mops.relative_time import Clock
from mops.selectors import teams_for

from ..models import Severity, Tool
from ..selectors import incidents as sel
from ..selectors import triage as board
from ..services import incidents as svc
from .triage_html import BoardRows, event_items, grid_cells


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The board's filters from the query string; unknown values are ignored."""
    params = request.GET
    team = tool = None
    if params.get("team", "").isdigit():
        team = teams_for(user=request.user).filter(pk=params["team"]).first()
    if params.get("tool", "").isdigit():
        tool = restrict(Tool.objects.all(), request.user, "view").filter(pk=params["tool"]).first()
    severity = params.get("severity", "")
    return {
        "team": team,
        "tool": tool,
        "severity": severity if severity in Severity.values else "",
    }


def _filter_bar(request: HttpRequest, filters: dict[str, Any]) -> str:
    teams = teams_for(user=request.user).prefetch_related(None).only("pk", "name")
    tools = restrict(Tool.objects.all(), request.user, "view").only("pk", "name")
    context = {
        "filters": filters,
        "teams": list(teams),
        "tools": list(tools),
        "severities": Severity.choices,
    }
    return render_to_string("operations/_triage_filters.html", context)


def _database_parts(
    request: HttpRequest, filters: dict[str, Any], *, filter_bar: bool = False
) -> dict[str, Any]:
    """What the board shows (and with ``filter_bar`` its page) that only the database changes:
    the severity policies, the check grid and the filter bar's lists. They are cached for the
    user until a table they read is written (``mops.panel_cache``); the rows, counts and events
    change with the clock (deadlines, overdue, relative times) and are read for each request."""
    team, tool = filters["team"], filters["tool"]
    scope = f"{team.pk if team else ''}:{tool.pk if tool else ''}"

    def grid() -> str:
        return grid_cells(board.check_grid(user=request.user, team=team, tool=tool))

    builds: dict[str, tuple[str, Callable[[], Any]]] = {
        "policies": ("operations:severity-policies", sel.severity_policies),
        "grid": (f"operations:check-grid:{scope}", grid),
    }
    if filter_bar:
        builds["filter_bar"] = (
            f"operations:triage-filters:{scope}:{filters['severity']}",
            lambda: _filter_bar(request, filters),
        )
    values = cached(request, dict(builds.values()))
    return {name: values[key] for name, (key, _build) in builds.items()}


def _board_context(
    request: HttpRequest, filters: dict[str, Any], parts: dict[str, Any]
) -> dict[str, Any]:
    now = timezone.now()
    clock = Clock(now)
    policies = parts["policies"]
    rows = board.triage_rows(user=request.user, now=now, policies=policies, **filters)
    query = urlencode(
        {
            k: v
            for k, v in {
                "team": filters["team"].pk if filters["team"] else "",
                "tool": filters["tool"].pk if filters["tool"] else "",
                "severity": filters["severity"],
            }.items()
            if v
        }
    )
    return {
        "rows": BoardRows(
            query=query, user=request.user, csrf_input=csrf_input(request), clock=clock
        ).render(rows),
        "shown": len(rows),
        "query": query,
        "counts": board.triage_counts(user=request.user, now=now, policies=policies, **filters),
        "grid": mark_safe(parts["grid"]),  # noqa: S308 - grid_cells' HTML, escaped there
        "events": event_items(board.recent_events(user=request.user), clock),
        "board_url": reverse("operations:triage_board") + (f"?{query}" if query else ""),
    }


def _board(request: HttpRequest) -> dict[str, Any]:
    filters = _filters(request)
    return _board_context(request, filters, _database_parts(request, filters))


@login_required
@require_GET
def triage(request: HttpRequest) -> HttpResponse:
    # Everyone reaches the section's landing page; the selectors show only what they may see.
    filters = _filters(request)
    parts = _database_parts(request, filters, filter_bar=True)
    context = _board_context(request, filters, parts)
    context.update(
        {
            "filter_bar": mark_safe(parts["filter_bar"]),  # noqa: S308 - rendered by its template
            # Other operations panels (late checks, renewals…) keep their place on the
            # section's landing page, which this board is.
            "section_panels": panels_on("operations", request),
        }
    )
    return render(request, "operations/triage.html", context)


@login_required
@require_GET
def triage_board(request: HttpRequest) -> HttpResponse:
    return render(request, "operations/_triage_board.html", _board(request))


ACTIONS = {"acknowledge", "assign-to-me", "resolve"}


@login_required
@require_POST
def triage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One-click acknowledge / assign to me / resolve; answers htmx with the refreshed board."""
    if action not in ACTIONS:
        raise Http404
    incident = get_object_or_404(sel.incidents_for(user=request.user), pk=pk)
    error = ""
    try:
        if action == "acknowledge":
            svc.acknowledge(incident=incident, by=request.user)
        elif action == "assign-to-me":
            svc.assign(incident=incident, assignee=request.user, by=request.user)
        else:
            svc.resolve(incident=incident, by=request.user)
    except PermissionDenied:
        error = _("You may not change this incident.")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not getattr(request, "htmx", False):
        if error:
            messages.error(request, error)
        return redirect(reverse("operations:index") + (f"?{request.GET.urlencode()}"))
    context = _board(request)
    context["action_error"] = error
    # A refused action answers 200 with the message on the board: htmx swaps only 2xx.
    return render(request, "operations/_triage_board.html", context)
