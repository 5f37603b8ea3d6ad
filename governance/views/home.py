"""The governance home: vision, KPI status board, upcoming review, overdue actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mops.forms import add_service_errors

from .. import selectors
from ..forms import VisionForm, teams_of
from ..models import ReviewState, Vision
from ..readings import kpi_board
from ..services.planning import save_vision
from ..status import RULE_TEXT, Status
from .common import form_page

PURPOSE = gettext_lazy(
    "Steer the business: vision, strategies, plans with budgets, KPIs with targets and the "
    "weekly PDCA review, with decisions that feed back to operations."
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    board = kpi_board(user=user, as_of=today) if user.has_perm("governance.view_kpiprofile") else []
    reviews = selectors.reviews_for(user=user)
    upcoming = reviews.exclude(state=ReviewState.CLOSED).order_by("meeting_date").first()
    last_closed = reviews.filter(state=ReviewState.CLOSED).order_by("-period_end").first()
    counts = {s: sum(1 for r in board if r.status == s) for s in Status}
    return render(
        request,
        "governance/index.html",
        {
            "purpose": PURPOSE,
            "visions": selectors.visions_for(user=user),
            "board": board,
            "counts": counts,
            "statuses": Status,
            "rule": RULE_TEXT,
            "upcoming": upcoming,
            "last_closed": last_closed,
            "overdue": selectors.overdue_actions(user=user, today=today)[:10],
            "mine": selectors.my_actions(user=user).still_open()[:10],
            "can_edit_vision": user.has_perm("governance.change_vision"),
            "my_team_slugs": set(teams_of(user).values_list("slug", flat=True)),
            "can_add_review": user.has_perm("governance.add_reviewmeeting"),
            "today": today,
        },
    )


@login_required
def vision_edit(request: HttpRequest, team_slug: str | None = None) -> HttpResponse:
    """The organisation's vision (managers) or one of the user's teams' own."""
    user = request.user
    if not user.has_perm("governance.change_vision"):
        raise PermissionDenied
    team = get_object_or_404(teams_of(user), slug=team_slug) if team_slug else None
    form = VisionForm(request.POST or None, instance=Vision.objects.filter(team=team).first())
    if request.method == "POST" and form.is_valid():
        try:
            save_vision(team=team, by=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Vision and mission saved."))
            return redirect("governance:index")
    label = team.name if team else _("Organisation")
    return form_page(
        request,
        form,
        heading=_("Vision and mission: %(who)s") % {"who": label},
        crumbs=[(_("Governance"), reverse("governance:index"))],
    )
