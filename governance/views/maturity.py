"""The maturity scorecard page: each team's practices as CMMI-style levels, with the evidence."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..maturity import LEVEL_FLOORS, LEVEL_NAMES, PRACTICES, scorecards
from .common import require_perm


@login_required
def maturity(request: HttpRequest) -> HttpResponse:
    require_perm(request, "governance.view_reviewmeeting")
    return render(
        request,
        "governance/maturity.html",
        {
            "cards": scorecards(user=request.user),
            "practices": PRACTICES,
            "levels": [
                (level, LEVEL_NAMES[level], round(floor * 100)) for level, floor in LEVEL_FLOORS
            ],
        },
    )
