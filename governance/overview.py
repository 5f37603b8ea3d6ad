"""Panels for the overview and section pages (registered in ``GovernanceConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FeedbackDirection
from .selectors import feedback_for, overdue_actions


def governance_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Overdue actions and off-track KPIs (the governance home has more)."""
    user = request.user
    if not user.has_perm("governance.view_action"):
        return None
    from .readings import kpi_board
    from .status import Status

    board = [r for r in kpi_board(user=user) if r.status in (Status.OFF_TRACK, Status.AT_RISK)]
    return {
        "section": "governance",
        "title": _("Needs attention"),
        "template": "governance/_panel_attention.html",
        "overdue": list(
            overdue_actions(user=user).select_related(None).only("title", "due_date")[:5]
        ),
        "kpis": board[:5],
        "today": timezone.localdate(),
    }


def feedback_for_operations_panel(request: HttpRequest) -> dict[str, Any] | None:
    """What management asked of operations, still open."""
    user = request.user
    if not user.has_perm("governance.view_feedbackitem"):
        return None
    items = (
        feedback_for(user=user)
        .filter(direction=FeedbackDirection.TO_OPERATIONS, status__in=["open", "accepted"])
        .select_related(None)
        .only("title", "status")
        .order_by("-created_at")[:5]
    )
    return {
        "section": "operations",
        "title": _("Requests from management"),
        "template": "governance/_panel_feedback.html",
        "items": list(items),
    }
