"""The runbooks panel of the operations section: what is not written down or not kept current."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from ..selectors import runbooks as selectors

STALE_SHOWN = 5


def runbooks_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Stale runbooks, uncovered tools, one-person ones: three queries."""
    if not request.user.has_perm("operations.view_runbook"):
        return None
    user = request.user
    stale, stale_count = selectors.most_overdue(user=user, limit=STALE_SHOWN)
    return {
        "section": "operations",
        "title": gettext_lazy("Runbooks"),
        "template": "operations/_runbook_panel.html",
        "stale": stale,
        "stale_count": stale_count,
        "uncovered_count": selectors.tools_without_runbook(user=user).count(),
        "single_count": selectors.single_executor_runbooks(user=user).count(),
    }
